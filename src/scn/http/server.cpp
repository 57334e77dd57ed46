#include <scn/core/datetime.hpp>
#include <scn/http/parsers.hpp>
#include <scn/http/server.hpp>
#include <scn/http/wire.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <sys/sendfile.h>
#include <unordered_map>

namespace scn::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string access_log_line(std::string_view method, std::string_view target, unsigned status,
                            std::chrono::nanoseconds elapsed, std::size_t body_bytes) {
    std::string line;
    line.reserve(method.size() + target.size() + 40);
    line.append(method).append(" ").append(target).append(" ").append(std::to_string(status)).append(" ");
    line.append(core::format_millis(elapsed, 3)).append(" ms - ").append(std::to_string(body_bytes));
    return line;
}

namespace {

Response default_error(const Request&, std::exception_ptr) {
    return Response::text(500, "Internal Server Error");
}
Response default_not_found(const Request&) {
    return Response::text(404, "Not Found");
}
Response default_not_allowed(const Request&, const std::vector<Method>& allowed) {
    auto r = Response::text(405, "Method Not Allowed");
    std::string allow;
    for (const auto m : allowed) {
        allow += allow.empty() ? "" : ", ";
        allow += to_string(m);
    }
    r.headers.add("Allow", allow);
    return r;
}
Response default_protocol_error(unsigned status, std::string_view reason) {
    return Response::text(status, std::string(reason));
}

bool is_disconnect(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == asio::error::bad_descriptor ||
           ec == asio::error::broken_pipe || ec == asio::error::not_connected;
}

}  // namespace

using SteadyClock = std::chrono::steady_clock;

/// What the server knows of one open connection. Lives in the connection's coroutine frame; the server's deadline
/// watch reads it (on the io_context's thread) to cut off reads and writes that overran their time.
struct ConnectionState {
    tcp::socket* socket;
    bool busy = false;       ///< a request is being read, handled or answered
    bool timed_out = false;  ///< the deadline passed; pending operations were cancelled
    SteadyClock::time_point deadline = SteadyClock::time_point::max();
    /// While the connection streams a response: the timer its stream waits on (stop() cancels it).
    asio::steady_timer* stream_timer = nullptr;

    void expires_after(SteadyClock::duration d) { deadline = SteadyClock::now() + d; }
    void expires_never() { deadline = SteadyClock::time_point::max(); }
    /// How an operation ended, as far as the connection goes: a timeout once the deadline passed (even when the
    /// operation itself completed in the meantime), its own result otherwise.
    [[nodiscard]] boost::system::error_code outcome(const boost::system::error_code& ec) const {
        return timed_out ? boost::system::error_code(beast::error::timeout) : ec;
    }
};

/// Sends a file slice with sendfile(2) on the socket, waiting for room when the socket is full; gives up after
/// `timeout` without progress (the deadline watch cancels the wait).
asio::awaitable<boost::system::error_code> send_file(ConnectionState& conn, const FileSlice& file,
                                                     std::chrono::steady_clock::duration timeout) {
    auto& socket = *conn.socket;
    boost::system::error_code ec;
    socket.native_non_blocking(true, ec);
    if (ec) {
        co_return ec;
    }
    auto offset = static_cast<off_t>(file.offset);
    std::uint64_t left = file.length;
    while (left > 0) {
        const auto n = ::sendfile(socket.native_handle(), file.fd, &offset, static_cast<std::size_t>(left));
        if (n > 0) {
            left -= static_cast<std::uint64_t>(n);
            continue;
        }
        if (n == 0) {
            co_return asio::error::eof;  // the file is shorter than the slice
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            co_return boost::system::error_code(errno, boost::system::system_category());
        }
        // The socket buffer is full: wait until the peer reads, within the write timeout.
        conn.expires_after(timeout);
        auto [wec] = co_await socket.async_wait(tcp::socket::wait_write, asio::as_tuple(asio::use_awaitable));
        if (const auto waited = conn.outcome(wec)) {
            co_return waited;
        }
    }
    co_return boost::system::error_code{};
}

namespace {

/// Splits the request's target into its decoded path and raw query; false if it is not a valid origin-form target.
/// A target of plain characters (the usual case) is split in place; anything else (percent escapes) goes through
/// Boost.URL.
bool split_target(Request& req) {
    const std::string_view target = req.target;
    if (wire::is_plain_target(target)) {
        const auto q = target.find('?');
        req.path.assign(target.substr(0, q));
        if (q == std::string_view::npos) {
            req.query.clear();
        } else {
            req.query.assign(target.substr(q + 1));
        }
        return true;
    }
    const auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return false;
    }
    req.path = parsed->path();
    req.query = std::string(parsed->encoded_query());
    return true;
}

/// Makes a Request ready for the next message on the same connection, keeping the room its strings took.
void reset(Request& req) {
    req.method = Method::get;
    req.method_name.clear();
    req.target.clear();
    req.path.clear();
    req.query.clear();
    req.headers.clear();
    req.body.clear();
    req.path_params.clear();
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// How a streamed response body (Server-Sent Events) reaches its connection: writes within the write timeout, waits
/// that end on wake(), when the server stops or when the peer closes the connection (a read that completes).
struct ConnectionStream final : StreamWriter {
    ConnectionStream(ConnectionState& c, std::chrono::milliseconds timeout, const bool& server_stopping)
        : conn(c), write_timeout(timeout), stopping(server_stopping), timer(c.socket->get_executor()) {}

    ConnectionState& conn;
    std::chrono::milliseconds write_timeout;
    const bool& stopping;
    asio::steady_timer timer;
    bool woken = false;
    bool closed = false;  ///< the peer hung up, a write failed or timed out
    bool ended = false;   ///< the body returned: the socket may be gone, the reader must not touch it again
    std::uint64_t bytes = 0;

    asio::awaitable<bool> write(std::string_view data) override {
        if (closed || stopping) {
            co_return false;
        }
        conn.expires_after(write_timeout);
        auto [ec, n] = co_await asio::async_write(*conn.socket, asio::buffer(data.data(), data.size()),
                                                  asio::as_tuple(asio::use_awaitable));
        conn.expires_never();
        bytes += n;
        if (conn.outcome(ec)) {
            closed = true;
        }
        co_return !closed && !stopping;
    }

    asio::awaitable<bool> wait(std::chrono::milliseconds timeout) override {
        if (!woken && !closed && !stopping) {
            timer.expires_after(timeout);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        woken = false;
        co_return !closed && !stopping;
    }

    void wake() override {
        woken = true;
        timer.cancel();
    }
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, ServerOptions o, Router r)
        : ioc(io), options(std::move(o)), router(std::move(r)), acceptor(io) {
        auto& h = options.hooks;
        if (!h.error_response) {
            h.error_response = default_error;
        }
        if (!h.not_found) {
            h.not_found = default_not_found;
        }
        if (!h.method_not_allowed) {
            h.method_not_allowed = default_not_allowed;
        }
        if (!h.protocol_error) {
            h.protocol_error = default_protocol_error;
        }
    }

    asio::io_context& ioc;
    ServerOptions options;
    Router router;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    bool stopping = false;
    mutable std::mutex mutex;  // guards `connections` (its size is read by connections() from any thread)
    std::unordered_map<std::uint64_t, ConnectionState*> connections;
    std::uint64_t next_id = 0;
    asio::steady_timer watch_timer{ioc};

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        asio::steady_timer pause(ioc);
        bool full = false;  // said once when the limit is reached, and once when there is room again
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping) {
                    co_return;
                }
                // E.g. too many open files: keep serving the connections there are, and try again in a moment
                // rather than spinning on an accept that fails at once.
                options.access_log.warn("cannot accept a connection (" + ec.message() + "); trying again in 100 ms");
                pause.expires_after(std::chrono::milliseconds(100));
                co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            std::size_t open = 0;
            {
                const std::lock_guard lock(mutex);
                open = connections.size();
            }
            if (open >= options.max_connections) {
                if (!full) {
                    options.access_log.warn("connection limit reached (" + std::to_string(options.max_connections) +
                                            " open): new connections are closed until one ends");
                    full = true;
                }
                boost::system::error_code ignored;
                socket.close(ignored);
                continue;
            }
            if (full) {
                options.access_log.info("connections accepted again (" + std::to_string(open) + " open)");
                full = false;
            }
            asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
        }
    }

    /// How often the deadline watch looks: an eighth of the shortest timeout, between 5 ms and 250 ms.
    [[nodiscard]] SteadyClock::duration watch_interval() const {
        const auto shortest = std::min({options.read_timeout, options.idle_timeout, options.write_timeout});
        return std::clamp<SteadyClock::duration>(shortest / 8, std::chrono::milliseconds(5),
                                                 std::chrono::milliseconds(250));
    }

    /// One timer for all connections: each connection keeps the deadline of its current read or write, and this
    /// watch cancels the socket of any that overran it (a timer per operation cost more than the request itself).
    /// Ends once the server stopped and its last connection closed.
    asio::awaitable<void> watch_deadlines() {
        auto self = shared_from_this();
        const auto interval = watch_interval();
        for (;;) {
            watch_timer.expires_after(interval);
            co_await watch_timer.async_wait(asio::as_tuple(asio::use_awaitable));
            const std::lock_guard lock(mutex);
            if (stopping && connections.empty()) {
                co_return;
            }
            const auto now = SteadyClock::now();
            for (auto& [id, c] : connections) {
                if (!c->timed_out && c->deadline <= now) {
                    c->timed_out = true;
                    boost::system::error_code ignored;
                    c->socket->cancel(ignored);
                }
            }
        }
    }

    asio::awaitable<Response> dispatch(Request& req) {
        if (options.hooks.inbound) {
            options.hooks.inbound(req);
        }
        auto match = router.match(req.method, req.path);
        if (match.kind == Router::Match::Kind::not_found) {
            co_return options.hooks.not_found(req);
        }
        if (match.kind == Router::Match::Kind::method_not_allowed) {
            co_return options.hooks.method_not_allowed(req, match.allowed);
        }
        req.path_params = std::move(match.params);
        std::exception_ptr failure;
        try {
            if (options.hooks.around) {
                co_return co_await options.hooks.around(req, *match.handler);
            }
            co_return co_await (*match.handler)(req);
        } catch (...) {
            failure = std::current_exception();
        }
        co_return options.hooks.error_response(req, failure);
    }

    /// Writes the response: head and body in one gather write, then a file part with sendfile and its tail.
    asio::awaitable<boost::system::error_code> write_response(ConnectionState& conn, const std::string& head,
                                                              const Response& res) {
        auto& socket = *conn.socket;
        conn.expires_after(options.write_timeout);
        const std::string_view middle = !res.file && res.shared ? res.shared->bytes : std::string_view();
        const std::string_view tail = !res.file && res.shared ? std::string_view(res.tail) : std::string_view();
        const std::array<asio::const_buffer, 4> out{asio::buffer(head), asio::buffer(res.body),
                                                    asio::buffer(middle.data(), middle.size()),
                                                    asio::buffer(tail.data(), tail.size())};
        auto [wec, wn] = co_await asio::async_write(socket, out, asio::as_tuple(asio::use_awaitable));
        if (conn.outcome(wec) || !res.file) {
            co_return conn.outcome(wec);
        }
        if (auto fec = co_await send_file(conn, *res.file, options.write_timeout); fec) {
            co_return fec;
        }
        if (!res.tail.empty()) {
            conn.expires_after(options.write_timeout);
            auto [tec, tn] =
                co_await asio::async_write(socket, asio::buffer(res.tail), asio::as_tuple(asio::use_awaitable));
            co_return conn.outcome(tec);
        }
        co_return boost::system::error_code{};
    }

    /// Sends the head of a streamed response, then runs its body until it ends, the peer hangs up or the server
    /// stops. A read stays pending meanwhile, so a closed page is noticed at once rather than at the next write.
    asio::awaitable<void> stream_response(ConnectionState& conn, std::string& head, const Response& res,
                                          const Request& req, SteadyClock::time_point started) {
        wire::write_stream_head(head, res.status, res.headers);
        conn.expires_after(options.write_timeout);
        auto [wec, wn] =
            co_await asio::async_write(*conn.socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
        conn.expires_never();
        std::uint64_t bytes = 0;
        if (!conn.outcome(wec)) {
            auto stream = std::make_shared<ConnectionStream>(conn, options.write_timeout, stopping);
            conn.stream_timer = &stream->timer;
            asio::co_spawn(
                ioc,
                [stream, socket = conn.socket]() -> asio::awaitable<void> {
                    std::array<char, 512> ignored{};
                    for (;;) {  // whatever the peer sends is dropped; its hanging up ends the stream
                        auto [ec, n] = co_await socket->async_read_some(asio::buffer(ignored),
                                                                        asio::as_tuple(asio::use_awaitable));
                        if (ec || stream->ended) {
                            break;
                        }
                    }
                    stream->closed = true;
                    stream->wake();
                },
                asio::detached);
            try {
                co_await (*res.stream)(*stream);
            } catch (const std::exception& e) {
                options.access_log.warn(std::string("a streamed response failed: ") + e.what());
            }
            conn.stream_timer = nullptr;
            stream->ended = true;
            bytes = stream->bytes;
            boost::system::error_code ignored;
            conn.socket->cancel(ignored);  // ends the pending read before the socket goes
        }
        if (options.log_requests) {
            options.access_log.info(access_log_line(req.method_name, req.target, res.status,
                                                    SteadyClock::now() - started, static_cast<std::size_t>(bytes)));
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        auto self = shared_from_this();
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const auto remote = socket.remote_endpoint(ignored);
        const std::string remote_address = ignored ? std::string() : remote.address().to_string();
        ConnectionState conn{&socket};
        std::uint64_t id = 0;
        {
            const std::lock_guard lock(mutex);
            id = next_id++;
            connections.emplace(id, &conn);
        }
        beast::flat_buffer buffer;
        Request req;  // reused from one request to the next, with the room its strings took
        std::string head;
        for (;;) {
            if (buffer.size() == 0) {
                // Idle keep-alive: wait for the first byte of the next request.
                conn.busy = false;
                if (stopping) {
                    break;
                }
                conn.expires_after(options.idle_timeout);
                auto [ec, n] =
                    co_await socket.async_read_some(buffer.prepare(4096), asio::as_tuple(asio::use_awaitable));
                if (conn.outcome(ec)) {
                    break;
                }
                buffer.commit(n);
            }
            conn.busy = true;
            reset(req);
            req.remote_address = remote_address;
            detail::RequestParser parser(req, options.body_limit, options.header_limit);
            conn.expires_after(options.read_timeout);
            auto [hec, hn] =
                co_await bhttp::async_read_header(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
            boost::system::error_code ec = conn.outcome(hec);
            if (!ec && !parser.is_done()) {
                if (parser.expects_continue()) {
                    auto [cec, cn] = co_await asio::async_write(
                        socket, asio::buffer(kContinue.data(), kContinue.size()), asio::as_tuple(asio::use_awaitable));
                    ec = conn.outcome(cec);
                }
                if (!ec) {
                    auto [bec, bn] =
                        co_await bhttp::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
                    ec = conn.outcome(bec);
                }
            }
            conn.expires_never();  // the handler has its own time limits
            const auto started = SteadyClock::now();
            Response res;
            bool close_after = false;
            if (ec) {
                if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
                    break;
                }
                const unsigned status = ec == bhttp::error::body_limit     ? 413
                                        : ec == bhttp::error::header_limit ? 431
                                                                           : 400;
                res = options.hooks.protocol_error(status, ec.message());
                close_after = true;
            } else if (!split_target(req)) {
                res = options.hooks.protocol_error(400, "malformed request target");
                close_after = true;
            } else {
                const bool keep_alive = parser.keep_alive();
                res = co_await dispatch(req);
                close_after = !keep_alive || stopping;
                if (res.close_unanswered) {
                    if (options.log_requests) {
                        options.access_log.info(
                            access_log_line(req.method_name, req.target, 0, SteadyClock::now() - started, 0));
                    }
                    break;
                }
            }
            if (options.hooks.outbound) {
                options.hooks.outbound(res);
            }
            if (res.stream) {
                co_await stream_response(conn, head, res, req, started);
                break;  // a streamed body ends with the connection
            }
            if (wire::status_without_body(res.status)) {
                res.body.clear();
                res.file.reset();
                res.shared.reset();
            }
            const std::size_t body_bytes = res.body_size();
            wire::write_response_head(head, res.status, res.headers, body_bytes, !close_after);
            close_after = close_after || res.drop_connection;
            const auto wec = co_await write_response(conn, head, res);
            conn.expires_never();
            if (options.log_requests) {
                options.access_log.info(access_log_line(req.method_name.empty() ? "-" : req.method_name,
                                                        req.target.empty() ? "-" : req.target, res.status,
                                                        SteadyClock::now() - started, body_bytes));
            }
            if (wec || close_after) {
                break;
            }
        }
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
        const std::lock_guard lock(mutex);
        connections.erase(id);
        if (stopping && connections.empty()) {
            watch_timer.cancel();  // the watch's last look: it ends now rather than at its next interval
        }
    }
};

namespace {
/// "Address already in use" → "address already in use", to read well after a colon.
std::string lowercase_first(std::string text) {
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}
}  // namespace

ListenError::ListenError(std::string address, std::uint16_t port, std::error_code error)
    : std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                         lowercase_first(error.message())),
      address_(std::move(address)),
      port_(port),
      error_(error) {}

Server::Server(asio::io_context& ioc, ServerOptions options, Router router)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(router))) {}

Server::~Server() {
    // Coroutines still running keep Impl alive; make sure they end rather than serve a dead owner's routes.
    stop();
}

std::uint16_t Server::start() {
    // A peer that hangs up while a file body is sent makes sendfile(2) raise SIGPIPE, which ends the process unless
    // ignored (socket writes pass MSG_NOSIGNAL; sendfile has no such flag). The error then reaches that connection
    // as EPIPE, like any other write.
    static std::once_flag ignore_sigpipe;
    std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
    auto& acceptor = impl_->acceptor;
    const auto& address = impl_->options.address;
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    const tcp::endpoint endpoint(ip, impl_->options.port);
    if (!ec) {
        acceptor.open(endpoint.protocol(), ec);
    }
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        throw ListenError(address, impl_->options.port, std::error_code(ec.value(), std::generic_category()));
    }
    impl_->bound_port = acceptor.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    asio::co_spawn(impl_->ioc, impl_->watch_deadlines(), asio::detached);
    return impl_->bound_port;
}

void Server::stop() {
    asio::post(impl_->ioc, [impl = impl_] {
        impl->stopping = true;
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
        impl->watch_timer.cancel();
        const std::lock_guard lock(impl->mutex);
        for (auto& [id, c] : impl->connections) {
            if (!c->busy) {
                c->socket->cancel(ignored);
            } else if (c->stream_timer != nullptr) {
                c->stream_timer->cancel();  // a streamed response ends now
            }
        }
    });
}

std::uint16_t Server::port() const {
    return impl_->bound_port;
}

std::size_t Server::connections() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->connections.size();
}

void on_stop_signal(asio::io_context& ioc, std::function<void(int)> on_signal) {
    auto signals = std::make_shared<asio::signal_set>(ioc, SIGINT, SIGTERM);
    signals->async_wait([signals, cb = std::move(on_signal)](const boost::system::error_code& ec, int signal) {
        if (!ec) {
            cb(signal);
        }
    });
}

}  // namespace scn::http
