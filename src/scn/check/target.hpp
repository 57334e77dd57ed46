#pragma once

#include <scn/http/client.hpp>
#include <scn/scpi/dialect.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/scpi/versions.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace scn::check {

/// The party under test and how to reach it: straight at its versions URL with a token it accepts, or through an SCN
/// node with the token of a party registered there (`from`) and the party under test as recipient (`to`).
struct TargetOptions {
    std::string versions_url;             ///< direct: the party's versions endpoint
    std::optional<std::string> node_url;  ///< through a node: the node's base URL
    std::string token;
    std::optional<scpi::RoutingHeaders> routing;  ///< from → to; required through a node, optional directly
    std::chrono::milliseconds call_timeout{10'000};
    std::uint64_t max_body = 16ULL * 1024 * 1024;
    /// What the party speaks: header names, token encoding, the version looked for.
    const scpi::Dialect* dialect = &scpi::scpi_dialect();
};

/// How a request authenticates.
enum class Auth { token, none, custom };

/// One request the checker made and what came back.
struct Exchange {
    http::Method method = http::Method::get;
    std::string url;
    std::string request_id;
    std::string correlation_id;
    bool functional = false;   ///< a functional-module call (routing headers sent when configured)
    unsigned http_status = 0;  ///< 0: no answer (see `error`)
    std::string error;         ///< why there was no answer
    http::Headers headers;
    std::string body;
    // The envelope, when the body is one.
    bool json_object = false;
    std::optional<std::int64_t> status_code;
    std::optional<std::string> status_message;
    boost::json::value data;
    bool has_data = false;

    [[nodiscard]] bool answered() const { return http_status != 0; }
    [[nodiscard]] bool ok() const { return http_status / 100 == 2 && status_code == 1000; }
    /// `GET http://…`
    [[nodiscard]] std::string request_line() const;
    /// `HTTP 404, status 2003: unknown location`, `no answer: connection refused`, `HTTP 200, not JSON: <html>…`
    [[nodiscard]] std::string describe() const;
};

struct Request {
    http::Method method = http::Method::get;
    std::string url;
    Auth auth = Auth::token;
    std::string authorization;  ///< the whole header value with Auth::custom
    bool routing = true;        ///< send the routing headers (functional modules)
    std::optional<std::string> body;
};

/// Makes the checker's requests and remembers every exchange.
class Target {
public:
    Target(http::Client& client, TargetOptions options);

    [[nodiscard]] bool via_node() const { return options_.node_url.has_value(); }
    [[nodiscard]] const TargetOptions& options() const { return options_; }
    [[nodiscard]] std::string describe() const;

    boost::asio::awaitable<Exchange> send(Request request);

    /// The URL of a module interface: from the party's version details (direct, after `set_endpoints`), or the
    /// node's routed path. nullopt when the party does not offer it.
    [[nodiscard]] std::optional<std::string> endpoint(const std::string& module, scpi::InterfaceRole role) const;
    void set_endpoints(std::vector<std::pair<std::string, std::string>> endpoints_by_module_and_role);

    [[nodiscard]] const std::vector<Exchange>& exchanges() const { return exchanges_; }

private:
    http::Client& client_;
    TargetOptions options_;
    std::vector<std::pair<std::string, std::string>> endpoints_;  ///< "module/ROLE" → URL
    std::vector<Exchange> exchanges_;
};

using http::with_query;

}  // namespace scn::check
