#pragma once

#include <scn/node/node_server.hpp>
#include <scn/node/scn_message.hpp>

namespace scn::node {

/// The routed SCPI module endpoints of the node (§5 of the node behaviour), and `POST /scn/message`, through which
/// other nodes deliver to the parties connected here.
struct NodeServer::Routing {
    explicit Routing(NodeServer& owner) : node(owner) {}
    void add_routes(http::Router& router);

    enum class Kind {
        plain,
        page,
        follow_page,
        post_cdr,
        get_cdr,
        command,
        command_result,
        charging_async,   ///< a charging-profile request with a response_url (body or query)
        charging_result,  ///< a charging-profile result posted to a proxied URL
        custom,           ///< /scpi/custom/{interface}/{module}/…: raw bodies, headers passed through
    };
    struct Spec {
        Kind kind = Kind::plain;
        std::string module;
        std::string interface_role;  ///< SENDER or RECEIVER: the recipient's interface
    };
    /// A request on its way to a recipient, wherever that recipient is connected.
    struct Forward {
        std::string module;
        std::string interface_role;
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
        bool sender_wants_signed_answer = false;  ///< the sender's own rules require signatures (local senders)
        std::string log_path;                     ///< for the forward log line
    };

    /// A recipient's answer (or the routing error standing in for it) with its envelope's status_code.
    struct Delivered {
        http::Response response;
        std::optional<std::int64_t> status_code;
    };

    boost::asio::awaitable<http::Response> route(http::Request& req, const Spec& spec);
    boost::asio::awaitable<http::Response> message(http::Request& req);
    /// Calls the local recipient; its answer with Location, Link, X-Total-Count and X-Limit as they came.
    boost::asio::awaitable<Delivered> deliver_local(std::int64_t recipient, Forward f);
    /// Sends to the recipient's node over `/scn/message`, signed with this node's wallet.
    boost::asio::awaitable<Delivered> deliver_remote(std::string node_url, Forward f);

    /// §6.1: with signing active, the recipient's answer must be signed by the recipient or its operator; the
    /// delivery as it is, or the 3000 error that replaces it.
    boost::asio::awaitable<Delivered> require_signed_answer(Delivered delivered, const PartyRef& to);
    /// Whether `url` is on a server of the party connected as `platform` (its versions URL or an endpoint).
    bool same_origin_as_party(const std::string& url, std::int64_t platform);
    /// Sends a forwarded request; the recipient's answer with the headers a node relays, or the routing error.
    static boost::asio::awaitable<Delivered> send(NodeServer& n, http::ClientRequest out, const Forward& f,
                                                  std::string via);

    NodeServer& node;
};

}  // namespace scn::node
