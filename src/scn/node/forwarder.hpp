#pragma once

// Delivery of a routed request to its recipient (OCN node behaviour §5.3, §5.4): to a party connected here, with
// its token, or to the recipient's node over `POST /scn/message`, signed with this node's wallet.

#include <scn/http/message.hpp>
#include <scn/node/node_context.hpp>
#include <scn/node/signing.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/scpi/versions.hpp>

#include <boost/asio/awaitable.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scn::node {

/// The headers of a recipient's answer a node passes on: what the route handlers relay or proxy.
inline constexpr std::array<std::string_view, 4> kRelayedHeaders{scpi::header::kLocation, scpi::header::kLink,
                                                                 scpi::header::kTotalCount, scpi::header::kLimit};

/// A request on its way to a recipient, wherever that recipient is connected.
struct Forward {
    std::string module;
    scpi::InterfaceRole interface = scpi::InterfaceRole::SENDER;  ///< the recipient's
    http::Method method = http::Method::get;
    std::string method_name;
    PartyRef from;
    PartyRef to;
    std::string request_id;
    std::string correlation_id;
    std::string url_path;  ///< below the recipient's endpoint
    std::vector<std::pair<std::string, std::string>> query;
    std::optional<std::string> body;
    std::optional<std::string> resource;      ///< a stored URL to call as it is (pages, CDR locations, results)
    std::optional<std::string> proxy_uid;     ///< remote commands: the alias for `resource` on the recipient's node
    std::optional<std::string> signature;     ///< SCN-Signature of the sending party, passed along
    bool sender_wants_signed_answer = false;  ///< signatures are required by the node or the sender's own rules
    std::string log_path;                     ///< for the forward log line
};

/// A recipient's answer with the headers a node relays (Location, Link, X-Total-Count, X-Limit) and its
/// envelope's status_code.
struct Delivered {
    http::Response response;
    std::optional<std::int64_t> status_code;
    [[nodiscard]] bool success() const { return response.status / 100 == 2 && status_code == 1000; }
};

class Forwarder {
public:
    Forwarder(NodeContext& node, Signing& signing) : node_(node), signing_(signing) {}

    /// Calls a party connected here, after its rules allowed the sender (2000 otherwise); with signing active the
    /// answer must be signed by the recipient. Routing failures throw (4002, 4003, 3000, 2001).
    boost::asio::awaitable<Delivered> to_local(std::int64_t recipient, Forward f);
    /// Sends to the recipient's node, which checks and delivers it.
    boost::asio::awaitable<Delivered> to_remote(const std::string& node_url, Forward f);

private:
    boost::asio::awaitable<Delivered> send(http::ClientRequest out, const Forward& f, std::string_view via);

    NodeContext& node_;
    Signing& signing_;
};

}  // namespace scn::node
