#pragma once

#include <scn/http/message.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace scn::http {

struct ClientRequest {
    Method method = Method::get;
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds timeout{30'000};  ///< the whole exchange, connecting included
};

struct ClientResponse {
    unsigned status = 0;
    Headers headers;
    std::string body;
};

/// Why an outgoing call failed. `what()` names the request: `POST http://127.0.0.1:3001/…: connection refused`.
class ClientError : public std::runtime_error {
public:
    enum class Kind { invalid_url, resolve, connect, timeout, tls, protocol, too_large };
    ClientError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    [[nodiscard]] Kind kind() const { return kind_; }

private:
    Kind kind_;
};

struct ClientOptions {
    std::optional<std::string> ca_file;  ///< trust these CAs instead of the system store (HTTPS)
    std::uint64_t max_response_body = 64ULL * 1024 * 1024;
    std::size_t max_idle_per_host = 16;
    /// A pooled connection idle for longer is closed instead of reused. Below the shortest common server idle
    /// timeout (Node.js closes idle keep-alive connections after 5 s, nginx after 75 s), so the client is not the
    /// one that writes into a connection the server is closing.
    std::chrono::milliseconds max_idle_time{4'000};
};

/// An asynchronous HTTP/1.1 and HTTPS client with connect and total timeouts and a keep-alive connection pool per
/// scheme, host and port. HTTPS verifies the certificate chain and the host name. Use it from the thread(s) of the
/// executor it was made with.
class Client {
public:
    explicit Client(boost::asio::any_io_executor executor, ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Sends the request; throws ClientError. A pooled connection is used only if it has been idle for less than
    /// `max_idle_time` and the peer has not closed it (as far as the operating system knows). If a pooled connection
    /// fails before any of the answer arrived (the peer closed it while the request went out), the request is sent
    /// once more, always on a new connection.
    boost::asio::awaitable<ClientResponse> send(ClientRequest request);
    /// Connections opened so far (for tests of pooling).
    [[nodiscard]] std::size_t connections_opened() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

/// Sends one request on a private io_context and waits for it. For command-line tools and tests; never call it from
/// a thread that runs an event loop.
ClientResponse send_blocking(ClientRequest request, ClientOptions options = {});

}  // namespace scn::http
