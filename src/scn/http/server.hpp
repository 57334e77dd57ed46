#pragma once

#include <scn/core/log.hpp>
#include <scn/http/router.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace boost::asio {
class io_context;
}

namespace scn::http {

/// How the server turns failures into responses. The HTTP layer knows no protocol; the SCPI layer installs hooks
/// that answer with SCPI envelopes.
struct ServerHooks {
    /// A handler threw (the exception boundary). Default: 500 with a plain-text body.
    std::function<Response(const Request&, std::exception_ptr)> error_response;
    /// No route matches the path. Default: 404.
    std::function<Response(const Request&)> not_found;
    /// The path exists for other methods. Default: 405 with an Allow header.
    std::function<Response(const Request&, const std::vector<Method>& allowed)> method_not_allowed;
    /// The request could not be read: 400 malformed, 413 body too large, 431 headers too large.
    std::function<Response(unsigned http_status, std::string_view reason)> protocol_error;
    /// Runs instead of a matched route's handler, which it is given to call (or not): fault injection, recording.
    std::function<boost::asio::awaitable<Response>(Request&, const Handler&)> around;
    /// Rewrites a request before it is routed (a dialect's paths and header names into the server's own).
    std::function<void(Request&)> inbound;
    /// Rewrites every response before it is written (the server's header names and URLs into a dialect's).
    std::function<void(Response&)> outbound;
};

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: an ephemeral port (see Server::port())
    std::uint32_t header_limit = 16 * 1024;
    std::uint64_t body_limit = 10 * 1024 * 1024;
    /// Connections served at once; one more is closed as soon as it is accepted (and the access log says so once).
    std::size_t max_connections = 10'000;
    /// Time allowed to receive one whole request once its first byte arrived.
    std::chrono::milliseconds read_timeout{30'000};
    /// Time a keep-alive connection may wait for its next request.
    std::chrono::milliseconds idle_timeout{60'000};
    /// Time allowed to send a response.
    std::chrono::milliseconds write_timeout{30'000};
    /// Receives one access-log line per request: `GET /scpi/versions 200 4.932 ms - 147`.
    core::Logger access_log{"http"};
    bool log_requests = true;
    ServerHooks hooks;
};

/// The server could not listen: `what()` is `cannot listen on 127.0.0.1:8080: address already in use`.
class ListenError : public std::runtime_error {
public:
    ListenError(std::string address, std::uint16_t port, std::error_code error);
    [[nodiscard]] const std::string& address() const { return address_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// The system's reason (EADDRINUSE, EACCES, EADDRNOTAVAIL, …).
    [[nodiscard]] std::error_code error() const { return error_; }

private:
    std::string address_;
    std::uint16_t port_;
    std::error_code error_;
};

/// An HTTP/1.1 server on Boost.Beast: keep-alive, per-connection read timeouts, header and body limits, one access-log
/// line per request, and graceful stop. Handlers run as coroutines on the io_context given; it never blocks it.
/// Use the server from the thread(s) running that io_context, except start() and stop(), which may be called before
/// the io_context runs or from any thread.
class Server {
public:
    Server(boost::asio::io_context& ioc, ServerOptions options, Router router);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds, listens and starts accepting. Returns the bound port. Throws ListenError if it cannot listen.
    std::uint16_t start();
    /// Stops accepting and closes idle connections; requests in progress are answered first.
    void stop();
    [[nodiscard]] std::uint16_t port() const;
    /// Connections currently open (for tests and diagnostics).
    [[nodiscard]] std::size_t connections() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

/// Calls `on_signal` (once) on SIGINT or SIGTERM, from the io_context's thread.
void on_stop_signal(boost::asio::io_context& ioc, std::function<void(int signal)> on_signal);

/// Formats an access-log line: `GET /scpi/versions 200 4.932 ms - 147`.
[[nodiscard]] std::string access_log_line(std::string_view method, std::string_view target, unsigned status,
                                          std::chrono::nanoseconds elapsed, std::size_t body_bytes);

}  // namespace scn::http
