#pragma once

// A functional-module request as the node routes it (OCN node behaviour §5.1): read and validated once, typed.

#include <scn/http/message.hpp>
#include <scn/node/node_store.hpp>
#include <scn/scpi/versions.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scn::node {

/// What a route does besides forwarding (the "Resp" column of the node's route table, §2.5).
enum class RouteKind {
    forward,          ///< plain: path and query forwarded, the answer relayed
    page,             ///< a list: Link proxied, X-Total-Count and X-Limit relayed
    follow_page,      ///< a proxied Link followed: the stored URL called, then as `page`; the link is single-use
    post_cdr,         ///< a CDR pushed: the answer's Location proxied
    get_cdr,          ///< a proxied Location followed
    command,          ///< a command: its response_url proxied
    command_result,   ///< a command result posted to a proxied response_url
    charging_async,   ///< a charging-profile request: its response_url (body or query) proxied
    charging_result,  ///< a charging-profile result posted to a proxied response_url
    custom,           ///< /scpi/custom/{interface}/{module}/…: raw bodies, paging headers passed through
};

/// A route of the node: its kind, module and the recipient's interface.
struct RouteSpec {
    RouteKind kind = RouteKind::forward;
    std::string module;  ///< module identifier; custom routes take theirs from the path
    scpi::InterfaceRole interface = scpi::InterfaceRole::SENDER;
};

/// The headers every routed request and `GET hubclientinfo` must carry, in the order the node checks them.
inline constexpr std::array<std::string_view, 7> kRoutingRequestHeaders{
    "Authorization",      "X-Request-ID",         "X-Correlation-ID", "SCPI-From-Country-Code",
    "SCPI-From-Party-Id", "SCPI-To-Country-Code", "SCPI-To-Party-Id"};

struct RoutedRequest {
    RouteSpec route;  ///< custom routes: module and interface from the path
    http::Method method = http::Method::get;
    std::string method_name;
    PartyRef from;  ///< as sent (forwarded unchanged)
    PartyRef to;
    std::string token;  ///< TOKEN_C
    std::string request_id;
    std::string correlation_id;
    std::optional<std::string> signature;  ///< SCN-Signature
    std::string raw_body;
    boost::json::value body;  ///< the parsed body of standard modules; null without one
    std::string target;       ///< below the recipient's endpoint: the path remainder, or the command name
    std::string proxy_id;     ///< `{id}` of routes that follow a proxied URL
    std::vector<std::pair<std::string, std::string>> query;
    std::string path;  ///< as received, for logs

    /// What the notary signs of this request (routing headers, paging parameters, body).
    [[nodiscard]] boost::json::value notary_values() const;
};

/// The token an SCN node reads from a request: what follows `Token ` in Authorization, never Base64-decoded (as
/// the reference node does); empty for a missing header or another scheme.
[[nodiscard]] std::string token_of(const http::Request& request);

/// Throws errors::missing_header for the first of `names` the request lacks.
void require_headers(const http::Request& request, std::span<const std::string_view> names);

/// Reads and validates a routed request in the reference node's order: the required headers, the JSON body
/// (standard modules), the 2- and 3-character identifiers, a custom route's interface. Throws scpi::Error (2001)
/// naming the first problem. The request's body is moved out.
[[nodiscard]] RoutedRequest parse_routed(http::Request& request, const RouteSpec& spec);

}  // namespace scn::node
