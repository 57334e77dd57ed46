#include <scn/core/datetime.hpp>
#include <scn/http/arena.hpp>
#include <scn/http/server.hpp>
#include <scn/http/wire.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

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

/// Sends a file slice with sendfile(2) on the stream's socket, waiting for room when the socket is full; gives up
/// after `timeout` without progress.
asio::awaitable<boost::system::error_code> send_file(beast::tcp_stream& stream, const FileSlice& file,
                                                     std::chrono::steady_clock::duration timeout) {
    auto& socket = stream.socket();
    boost::system::error_code ec;
    socket.native_non_blocking(true, ec);
    if (ec) {
        co_return ec;
    }
    auto offset = static_cast<off_t>(file.offset);
    std::uint64_t left = file.length;
    asio::steady_timer timer(socket.get_executor());
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
        // The socket buffer is full: wait until the peer reads, within the write timeout. The timer's handler may
        // run after this wait has ended, so it only touches shared state and the socket while the wait is pending.
        struct Wait {
            tcp::socket* socket;
            bool pending = true;
            bool timed_out = false;
        };
        auto wait = std::make_shared<Wait>(Wait{&socket});
        timer.expires_after(timeout);
        timer.async_wait([wait](const boost::system::error_code& tec) {
            if (!tec && wait->pending) {
                wait->timed_out = true;
                boost::system::error_code ignored;
                wait->socket->cancel(ignored);
            }
        });
        auto [wec] = co_await socket.async_wait(tcp::socket::wait_write, asio::as_tuple(asio::use_awaitable));
        wait->pending = false;
        timer.cancel();
        if (wait->timed_out) {
            co_return beast::error::timeout;
        }
        if (wec) {
            co_return wec;
        }
    }
    co_return boost::system::error_code{};
}

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

    struct Connection {
        beast::tcp_stream* stream;
        bool busy;
    };

    asio::io_context& ioc;
    ServerOptions options;
    Router router;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    bool stopping = false;
    mutable std::mutex mutex;  // guards `connections` (read by connections() from any thread)
    std::unordered_map<std::uint64_t, Connection> connections;
    std::uint64_t next_id = 0;

    void set_busy(std::uint64_t id, bool busy) {
        const std::lock_guard lock(mutex);
        if (auto it = connections.find(id); it != connections.end()) {
            it->second.busy = busy;
        }
    }

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping) {
                    co_return;
                }
                continue;  // e.g. too many open files: keep serving the connections we have
            }
            asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<Response> dispatch(Request& req) {
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
            co_return co_await (*match.handler)(req);
        } catch (...) {
            failure = std::current_exception();
        }
        co_return options.hooks.error_response(req, failure);
    }

    using FieldAllocator = detail::ArenaAllocator<char>;
    using Message = bhttp::message<true, bhttp::string_body, bhttp::basic_fields<FieldAllocator>>;

    static bool to_request(const Message& msg, Request& req) {
        req.method_name = std::string(msg.method_string());
        req.method = method_from_string(req.method_name);
        req.target = std::string(msg.target());
        const auto parsed = boost::urls::parse_origin_form(req.target);
        if (!parsed) {
            return false;
        }
        req.path = parsed->path();
        req.query = std::string(parsed->encoded_query());
        req.headers.reserve(16);
        for (const auto& field : msg) {
            req.headers.add(field.name_string(), field.value());
        }
        return true;
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        auto self = shared_from_this();
        beast::tcp_stream stream(std::move(socket));
        boost::system::error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);
        const auto remote = stream.socket().remote_endpoint(ignored);
        const std::string remote_address = ignored ? std::string() : remote.address().to_string();
        std::uint64_t id = 0;
        {
            const std::lock_guard lock(mutex);
            id = next_id++;
            connections.emplace(id, Connection{&stream, false});
        }
        beast::flat_buffer buffer;
        detail::FieldArena field_room;
        for (;;) {
            if (buffer.size() == 0) {
                // Idle keep-alive: wait for the first byte of the next request.
                set_busy(id, false);
                if (stopping) {
                    break;
                }
                stream.expires_after(options.idle_timeout);
                auto [ec, n] =
                    co_await stream.async_read_some(buffer.prepare(4096), asio::as_tuple(asio::use_awaitable));
                if (ec) {
                    break;
                }
                buffer.commit(n);
            }
            set_busy(id, true);
            // Declared before the parser: the fields live in it, and the parser and the message go first.
            std::pmr::monotonic_buffer_resource fields_arena(field_room.room.data(), field_room.room.size());
            bhttp::request_parser<bhttp::string_body, FieldAllocator> parser(
                std::piecewise_construct, std::make_tuple(), std::make_tuple(FieldAllocator(&fields_arena)));
            parser.header_limit(options.header_limit);
            parser.body_limit(options.body_limit);
            stream.expires_after(options.read_timeout);
            auto [hec, hn] =
                co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            boost::system::error_code ec = hec;
            if (!ec && !parser.is_done()) {
                const auto expect = parser.get()[bhttp::field::expect];
                if (iequals(expect, "100-continue")) {
                    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
                    auto [cec, cn] = co_await bhttp::async_write(stream, cont, asio::as_tuple(asio::use_awaitable));
                    ec = cec;
                }
                if (!ec) {
                    auto [bec, bn] =
                        co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
                    ec = bec;
                }
            }
            const auto started = std::chrono::steady_clock::now();
            Response res;
            bool close_after = false;
            std::string method = "-";
            std::string target = "-";
            if (ec) {
                if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
                    break;
                }
                const unsigned status = ec == bhttp::error::body_limit     ? 413
                                        : ec == bhttp::error::header_limit ? 431
                                                                           : 400;
                if (parser.is_header_done()) {
                    method = std::string(parser.get().method_string());
                    target = std::string(parser.get().target());
                }
                res = options.hooks.protocol_error(status, ec.message());
                close_after = true;
            } else {
                auto msg = parser.release();
                Request req;
                req.remote_address = remote_address;
                method = std::string(msg.method_string());
                if (!to_request(msg, req)) {
                    target = std::string(msg.target());
                    res = options.hooks.protocol_error(400, "malformed request target");
                    close_after = true;
                } else {
                    req.body = std::move(msg.body());
                    target = req.target;
                    res = co_await dispatch(req);
                    close_after = !msg.keep_alive() || stopping;
                }
            }
            if (wire::status_without_body(res.status)) {
                res.body.clear();
                res.file.reset();
            }
            const std::size_t body_bytes = res.body_size();
            const std::string head = wire::response_head(res.status, res.headers, body_bytes, !close_after);
            const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(res.body)};
            stream.expires_after(options.write_timeout);
            auto [wec, wn] = co_await asio::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
            if (!wec && res.file) {
                wec = co_await send_file(stream, *res.file, options.write_timeout);
                if (!wec && !res.tail.empty()) {
                    stream.expires_after(options.write_timeout);
                    auto [tec, tn] =
                        co_await asio::async_write(stream, asio::buffer(res.tail), asio::as_tuple(asio::use_awaitable));
                    wec = tec;
                }
            }
            if (options.log_requests) {
                options.access_log.info(access_log_line(method, target, res.status,
                                                        std::chrono::steady_clock::now() - started, body_bytes));
            }
            if (wec || close_after) {
                break;
            }
        }
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.close();
        const std::lock_guard lock(mutex);
        connections.erase(id);
    }
};

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
    const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address), impl_->options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    impl_->bound_port = acceptor.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    return impl_->bound_port;
}

void Server::stop() {
    asio::post(impl_->ioc, [impl = impl_] {
        impl->stopping = true;
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
        const std::lock_guard lock(impl->mutex);
        for (auto& [id, c] : impl->connections) {
            if (!c.busy) {
                c.stream->socket().cancel(ignored);
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
