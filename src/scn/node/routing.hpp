#pragma once

// The routed SCPI module endpoints of the node (OCN node behaviour §5) and `POST /scn/message`, through which other
// nodes deliver to the parties connected here. Every route runs the same pipeline: read the request, check the
// sender, find the recipient, verify signatures, let the route's handler prepare the request, deliver, let the
// handler finish the answer. Errors are thrown; the server's error boundary answers them.

#include <scn/console/console.hpp>
#include <scn/http/router.hpp>
#include <scn/node/forwarder.hpp>
#include <scn/node/hub.hpp>
#include <scn/node/route_handlers.hpp>

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <functional>

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
    /// The server's error boundary, for the answers the console records.
    using ErrorResponse = std::function<http::Response(const http::Request&, std::exception_ptr)>;
    /// Records every routed request and its answer in `console` (null: none; call before add_routes()).
    void set_console(console::Console* console, ErrorResponse error_response);

    boost::asio::awaitable<http::Response> route(http::Request& request, const RouteSpec& spec);
    boost::asio::awaitable<http::Response> message(http::Request& request);

private:
    /// Routes the request (`spec`, or `POST /scn/message` when null) and records it with its answer.
    boost::asio::awaitable<http::Response> recorded(http::Request& request, const RouteSpec* spec);

    NodeContext& node_;
    Forwarder& forwarder_;
    Signing& signing_;
    ProxyUrls& proxies_;
    Hub& hub_;
    RouteHandlers handlers_;
    console::Console* console_ = nullptr;
    ErrorResponse error_response_;
};

}  // namespace scn::node
