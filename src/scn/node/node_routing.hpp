#pragma once

#include <scn/node/node_server.hpp>

namespace scn::node {

/// The routed SCPI module endpoints of the node (§5 of the node behaviour).
struct NodeServer::Routing {
    explicit Routing(NodeServer& owner) : node(owner) {}
    void add_routes(http::Router& router);

    enum class Kind { plain, page, follow_page, post_cdr, get_cdr, command, command_result };
    struct Spec {
        Kind kind = Kind::plain;
        std::string module;
        std::string interface_role;  ///< SENDER or RECEIVER: the recipient's interface
    };
    boost::asio::awaitable<http::Response> route(http::Request& req, const Spec& spec);

    NodeServer& node;
};

}  // namespace scn::node
