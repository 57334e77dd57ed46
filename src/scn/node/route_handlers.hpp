#pragma once

// One handler per route kind (OCN node behaviour §2.5): what a kind adds to the forwarded request before delivery
// (a stored URL to call, a proxied response_url) and to the recipient's answer after it (proxied Link and Location,
// relayed paging headers). The pipeline around them — checks, signatures, delivery — is the same for every kind.

#include <scn/eth/notary.hpp>
#include <scn/node/forwarder.hpp>
#include <scn/node/proxy_urls.hpp>
#include <scn/node/routed_request.hpp>
#include <scn/node/signing.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace scn::node {

/// One routed request between its checks and its answer.
struct Exchange {
    RoutedRequest request;
    std::optional<std::int64_t> local;                ///< the recipient's platform when it is connected here
    std::string remote_node;                          ///< otherwise the URL of the node it is connected to
    std::optional<eth::notary::Signature> signature;  ///< the sender's, verified
    Forward forward;                                  ///< what will be sent; filled by prepare()
};

class RouteHandler {
public:
    virtual ~RouteHandler() = default;
    /// Fills `x.forward` with what the recipient gets: path and query (no query on DELETE), or a stored URL, and
    /// the body. Throws scpi::Error.
    virtual void prepare(Exchange& x) const;
    /// Rewrites a successful answer for the caller: headers to relay or proxy. `rewritten` collects the previous
    /// values of signed headers it changes (JSON path → value) for the node's re-signature.
    virtual void finish(const Exchange& x, const http::Headers& reply, http::Response& answer,
                        boost::json::object& rewritten) const;
};

/// The handler of every route kind, sharing the node's proxied URLs and signing.
class RouteHandlers {
public:
    RouteHandlers(ProxyUrls& proxies, Signing& signing);
    ~RouteHandlers();
    [[nodiscard]] const RouteHandler& of(RouteKind kind) const { return *handlers_.at(static_cast<std::size_t>(kind)); }

private:
    std::array<std::unique_ptr<RouteHandler>, 10> handlers_;
};

}  // namespace scn::node
