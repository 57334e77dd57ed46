#pragma once

// The routed SCPI module endpoints of the node (OCN node behaviour §5) and `POST /scn/message`, through which other
// nodes deliver to the parties connected here. Every route runs the same pipeline: read the request, check the
// sender, find the recipient, verify signatures, let the route's handler prepare the request, deliver, let the
// handler finish the answer. Errors are thrown; the server's error boundary answers them.

#include <scn/http/router.hpp>
#include <scn/node/forwarder.hpp>
#include <scn/node/hub.hpp>
#include <scn/node/route_handlers.hpp>

#include <boost/asio/awaitable.hpp>

namespace scn::node {

class Routing {
public:
    Routing(NodeContext& node, Forwarder& forwarder, Signing& signing, ProxyUrls& proxies, Hub& hub)
        : node_(node),
          forwarder_(forwarder),
          signing_(signing),
          proxies_(proxies),
          hub_(hub),
          handlers_(proxies, signing) {}

    void add_routes(http::Router& router);

    boost::asio::awaitable<http::Response> route(http::Request& request, const RouteSpec& spec);
    boost::asio::awaitable<http::Response> message(http::Request& request);

private:
    NodeContext& node_;
    Forwarder& forwarder_;
    Signing& signing_;
    ProxyUrls& proxies_;
    Hub& hub_;
    RouteHandlers handlers_;
};

}  // namespace scn::node
