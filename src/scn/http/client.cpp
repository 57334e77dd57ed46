#include <scn/http/client.hpp>
#include <scn/http/parsers.hpp>
#include <scn/http/wire.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <map>
#include <optional>
#include <sys/socket.h>
#include <variant>

namespace scn::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

struct Target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;  // origin form with query
    [[nodiscard]] std::string key() const {
        std::string k = tls ? "https://" : "http://";
        k.append(host).append(":").append(port);
        return k;
    }
};

/// Names a request in error messages (`GET http://…`); built only when one is thrown.
struct Label {
    std::string_view method;
    std::string_view url;
    [[nodiscard]] std::string text() const {
        std::string out(method);
        out += ' ';
        out += url;
        return out;
    }
};

/// `http://host[:port]/plain-path?plain-query` with a host name or IPv4 address: the URLs parties and nodes are
/// called at, split without a URL parser. nullopt for anything else (user info, IPv6, escapes, …).
std::optional<Target> split_plain_url(std::string_view url) {
    Target t;
    if (url.starts_with("http://")) {
        url.remove_prefix(7);
    } else if (url.starts_with("https://")) {
        t.tls = true;
        url.remove_prefix(8);
    } else {
        return std::nullopt;
    }
    const auto slash = url.find_first_of("/?#");
    const std::string_view authority = url.substr(0, slash);
    const std::string_view rest = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    const std::string_view port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
    const auto host_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char) ||
        (colon != std::string_view::npos &&
         (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit))) ||
        (!rest.empty() && !wire::is_plain_target(rest))) {
        return std::nullopt;
    }
    t.host.assign(host);
    t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
    t.path = rest.empty() ? "/" : std::string(rest);
    return t;
}

Target parse_target(const std::string& url, const Label& label) {
    if (auto plain = split_plain_url(url)) {
        return std::move(*plain);
    }
    const auto u = boost::urls::parse_absolute_uri(url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) {
        throw ClientError(ClientError::Kind::invalid_url, label.text() + ": not an http(s) URL");
    }
    Target t;
    t.tls = u->scheme() == "https";
    t.host = u->host_address();
    if (t.host.size() > 2 && t.host.front() == '[') {
        t.host = t.host.substr(1, t.host.size() - 2);
    }
    t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
    t.path = std::string(u->encoded_path());
    if (t.path.empty()) {
        t.path = "/";
    }
    if (u->has_query()) {
        t.path += "?" + std::string(u->encoded_query());
    }
    return t;
}

constexpr std::size_t kReadBufferBytes = 16 * 1024;
/// A pooled connection idle for less is reused without asking the operating system whether the peer closed it:
/// under load that question would cost a system call per request, and idle timeouts are seconds, not milliseconds.
constexpr auto kTrustedIdle = std::chrono::milliseconds(1);

using PlainStream = tcp::socket;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Connection {
    std::variant<std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>> stream;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since{};  ///< when it went back to the pool

    [[nodiscard]] tcp::socket& socket() {
        if (auto* plain = std::get_if<std::unique_ptr<PlainStream>>(&stream)) {
            return **plain;
        }
        return beast::get_lowest_layer(*std::get<std::unique_ptr<TlsStream>>(stream)).socket();
    }

    /// Whether the connection can carry another request: nothing may be waiting to be read on an idle HTTP/1.1
    /// connection. A non-blocking peek tells end-of-stream (the peer closed it), an error (reset), or stray bytes (a
    /// server's 408 before it closes, a TLS alert), all of which make it unusable; only "nothing to read" keeps it.
    [[nodiscard]] bool reusable(std::chrono::steady_clock::time_point now) {
        if (buffer.size() != 0) {
            return false;
        }
        if (now - idle_since < kTrustedIdle) {
            return true;  // back-to-back traffic: a peer that closes right after answering is met by the retry
        }
        char byte = 0;
        const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
};

/// Cancels a plain connection's reads and writes once the request's deadline passes: one timer per exchange, where
/// Beast's stream waits on its timer for every read and write. The timer's handler may run after the exchange ended;
/// it touches the socket only while the guard lives.
class DeadlineGuard {
public:
    DeadlineGuard(const asio::any_io_executor& executor, tcp::socket& socket,
                  std::chrono::steady_clock::time_point deadline)
        : timer_(executor), state_(std::make_shared<State>(State{&socket})) {
        timer_.expires_at(deadline);
        timer_.async_wait([state = state_](const boost::system::error_code& ec) {
            if (!ec && state->active) {
                state->timed_out = true;
                boost::system::error_code ignored;
                state->socket->cancel(ignored);
            }
        });
    }
    ~DeadlineGuard() {
        state_->active = false;
        timer_.cancel();
    }
    DeadlineGuard(const DeadlineGuard&) = delete;
    DeadlineGuard& operator=(const DeadlineGuard&) = delete;
    [[nodiscard]] bool timed_out() const { return state_->timed_out; }

private:
    struct State {
        tcp::socket* socket;
        bool active = true;
        bool timed_out = false;
    };
    asio::steady_timer timer_;
    std::shared_ptr<State> state_;
};

}  // namespace

struct Client::Impl {
    Impl(asio::any_io_executor ex, ClientOptions o) : executor(std::move(ex)), options(std::move(o)) {
        tls.set_verify_mode(ssl::verify_peer);
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (options.ca_file) {
            tls.load_verify_file(*options.ca_file);
        } else {
            tls.set_default_verify_paths();
        }
    }

    asio::any_io_executor executor;
    ClientOptions options;
    ssl::context tls{ssl::context::tls_client};
    std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
    std::size_t opened = 0;

    /// The most recently used idle connection to `key` that is still fit for a request, or null. Connections idle
    /// for longer than max_idle_time and connections the peer closed are dropped on the way.
    std::unique_ptr<Connection> take_idle(const std::string& key) {
        auto it = idle.find(key);
        if (it == idle.end()) {
            return nullptr;
        }
        auto& q = it->second;
        const auto now = std::chrono::steady_clock::now();
        const auto stale_before = now - options.max_idle_time;
        while (!q.empty()) {
            auto c = std::move(q.back());
            q.pop_back();
            if (c->idle_since < stale_before) {
                q.clear();  // the queue is in return order: every other one has been idle even longer
                break;
            }
            if (c->reusable(now)) {
                return c;
            }
        }
        idle.erase(it);
        return nullptr;
    }

    void give_back(const std::string& key, std::unique_ptr<Connection> c) {
        const auto now = std::chrono::steady_clock::now();
        auto& q = idle[key];
        while (!q.empty() &&
               (q.size() >= options.max_idle_per_host || q.front()->idle_since < now - options.max_idle_time)) {
            q.pop_front();
        }
        c->idle_since = now;
        q.push_back(std::move(c));
    }

    asio::awaitable<std::unique_ptr<Connection>> connect(const Target& t, const Label& label,
                                                         std::chrono::steady_clock::time_point deadline,
                                                         std::chrono::milliseconds connect_timeout) {
        tcp::resolver resolver(executor);
        asio::steady_timer timer(executor);
        timer.expires_at(std::min(deadline, std::chrono::steady_clock::now() + connect_timeout));
        auto outcome = co_await (resolver.async_resolve(t.host, t.port, asio::as_tuple(asio::use_awaitable)) ||
                                 timer.async_wait(asio::use_awaitable));
        if (outcome.index() == 1) {
            throw ClientError(ClientError::Kind::timeout, label.text() + ": timed out resolving " + t.host);
        }
        auto [rec, endpoints] = std::get<0>(outcome);
        if (rec) {
            throw ClientError(ClientError::Kind::resolve,
                              label.text() + ": cannot resolve " + t.host + ": " + rec.message());
        }
        auto plain = std::make_unique<beast::tcp_stream>(executor);
        plain->expires_at(std::min(deadline, std::chrono::steady_clock::now() + connect_timeout));
        auto [cec, ep] = co_await plain->async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
        if (cec) {
            if (cec == beast::error::timeout) {
                throw ClientError(ClientError::Kind::timeout, label.text() + ": timed out connecting");
            }
            throw ClientError(ClientError::Kind::connect, label.text() + ": " + cec.message());
        }
        boost::system::error_code ignored;
        plain->socket().set_option(tcp::no_delay(true), ignored);
        ++opened;
        auto conn = std::make_unique<Connection>();
        // Beast reads at most the buffer's free capacity (512 bytes for a new buffer, and a buffer that is consumed
        // never grows): without room reserved, a 3 KB answer takes seven reads.
        conn->buffer.reserve(kReadBufferBytes);
        if (!t.tls) {
            plain->expires_never();
            conn->stream = std::make_unique<PlainStream>(plain->release_socket());
            co_return conn;
        }
        auto secure = std::make_unique<TlsStream>(std::move(*plain), tls);
        if (SSL_set_tlsext_host_name(secure->native_handle(), t.host.c_str()) != 1) {
            throw ClientError(ClientError::Kind::tls, label.text() + ": cannot set the TLS server name");
        }
        secure->set_verify_callback(ssl::host_name_verification(t.host));
        beast::get_lowest_layer(*secure).expires_at(deadline);
        auto [hec] = co_await secure->async_handshake(ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
        if (hec) {
            if (hec == beast::error::timeout) {
                throw ClientError(ClientError::Kind::timeout, label.text() + ": timed out in the TLS handshake");
            }
            throw ClientError(ClientError::Kind::tls, label.text() + ": TLS handshake failed: " + hec.message());
        }
        conn->stream = std::move(secure);
        co_return conn;
    }

    using Parser = detail::ResponseParser;

    template <typename Stream>
    static asio::awaitable<std::pair<boost::system::error_code, bool>> exchange(
        Stream& stream, beast::flat_buffer& buffer, const std::array<asio::const_buffer, 2>& request, Parser& parser) {
        auto [wec, wn] = co_await asio::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
        if (wec) {
            co_return std::pair{wec, false};
        }
        auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        co_return std::pair{rec, rn > 0 || parser.got_some()};
    }

    asio::awaitable<ClientResponse> send(ClientRequest r) {
        const Label label{to_string(r.method), r.url};
        const Target t = parse_target(r.url, label);
        const std::string pool_key = t.key();
        const auto deadline = std::chrono::steady_clock::now() + r.timeout;
        const bool default_port = t.port == (t.tls ? "443" : "80");
        const std::string head = wire::request_head(
            to_string(r.method), t.path, default_port ? t.host : t.host + ":" + t.port, r.headers, r.body.size());
        const std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(r.body)};

        for (int attempt = 0; attempt < 2; ++attempt) {
            // A second attempt follows a pooled connection the peer had closed: the others in the pool may have been
            // closed by the same idle timeout, so it goes out on a new connection.
            auto conn = attempt == 0 ? take_idle(pool_key) : nullptr;
            const bool reused = conn != nullptr;
            if (!conn) {
                conn = co_await connect(t, label, deadline, r.connect_timeout);
            }
            ClientResponse out;
            Parser parser(out, options.max_response_body, 64 * 1024);
            std::pair<boost::system::error_code, bool> result;
            if (auto* plain = std::get_if<std::unique_ptr<PlainStream>>(&conn->stream)) {
                const DeadlineGuard guard(executor, **plain, deadline);
                result = co_await exchange(**plain, conn->buffer, request, parser);
                if (guard.timed_out()) {
                    result.first = beast::error::timeout;
                }
            } else {
                auto& secure = *std::get<std::unique_ptr<TlsStream>>(conn->stream);
                beast::get_lowest_layer(secure).expires_at(deadline);
                result = co_await exchange(secure, conn->buffer, request, parser);
                beast::get_lowest_layer(secure).expires_never();
            }
            const auto [ec, got_some] = result;
            if (ec) {
                if (reused && !got_some && ec != beast::error::timeout) {
                    continue;  // the peer closed an idle keep-alive connection: try a fresh one
                }
                if (ec == beast::error::timeout) {
                    throw ClientError(ClientError::Kind::timeout, label.text() + ": no complete answer within " +
                                                                      std::to_string(r.timeout.count()) + " ms");
                }
                if (ec == bhttp::error::body_limit) {
                    throw ClientError(ClientError::Kind::too_large, label.text() + ": response body larger than " +
                                                                        std::to_string(options.max_response_body) +
                                                                        " bytes");
                }
                throw ClientError(ClientError::Kind::protocol, label.text() + ": " + ec.message());
            }
            if (parser.keep_alive()) {
                give_back(pool_key, std::move(conn));
            }
            co_return out;
        }
        throw ClientError(ClientError::Kind::protocol,
                          label.text() + ": the connection was closed twice before answering");
    }
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

Client::~Client() = default;

asio::awaitable<ClientResponse> Client::send(ClientRequest request) {
    auto impl = impl_;  // keep the pool alive for the whole exchange
    co_return co_await impl->send(std::move(request));
}

std::size_t Client::connections_opened() const {
    return impl_->opened;
}

ClientResponse send_blocking(ClientRequest request, ClientOptions options) {
    asio::io_context ioc;
    Client client(ioc.get_executor(), std::move(options));
    std::optional<ClientResponse> response;
    std::exception_ptr failure;
    asio::co_spawn(ioc, client.send(std::move(request)), [&](std::exception_ptr e, ClientResponse r) {
        failure = e;
        if (!e) {
            response = std::move(r);
        }
    });
    ioc.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*response);
}

}  // namespace scn::http
