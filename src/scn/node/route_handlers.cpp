#include <scn/core/random.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/route_handlers.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json.hpp>

#include <array>
#include <span>

namespace scn::node {
namespace json = boost::json;

namespace {

void relay(const http::Headers& reply, http::Response& answer, std::span<const std::string_view> names) {
    for (const auto name : names) {
        if (const auto v = reply.get(name)) {
            answer.headers.add(name, *v);
        }
    }
}

/// Routes that call a URL the node stored and handed out in proxied form (CDR locations, results).
class Proxied : public RouteHandler {
public:
    explicit Proxied(ProxyUrls& proxies) : proxies_(proxies) {}
    void prepare(Exchange& x) const override {
        auto& r = x.request;
        x.forward.resource = proxies_.resolve(r.proxy_id, r.from, r.to);
        if (!r.raw_body.empty()) {
            x.forward.body = std::move(r.raw_body);
        }
    }

protected:
    ProxyUrls& proxies_;
};

/// A list: the recipient's next-page Link becomes the node's, X-Total-Count and X-Limit are relayed.
class Page : public RouteHandler {
public:
    explicit Page(ProxyUrls& proxies) : proxies_(proxies) {}
    void finish(const Exchange& x, const http::Headers& reply, http::Response& answer,
                json::object& rewritten) const override {
        static constexpr std::array<std::string_view, 2> kCounts{scpi::header::kTotalCount, scpi::header::kLimit};
        relay(reply, answer, kCounts);
        if (const auto link = reply.get(scpi::header::kLink)) {
            rewritten["$['headers']['link']"] = std::string(*link);
            if (const auto next = next_link(*link)) {
                const auto& r = x.request;
                answer.headers.add(scpi::header::kLink,
                                   "<" + proxies_.next_page(*next, r.route.module, r.from, r.to) + ">; rel=\"next\"");
            }
        }
    }

protected:
    ProxyUrls& proxies_;
};

/// A proxied next-page link followed: the stored URL called, the answer as a list; each link is single-use.
class FollowPage : public Page {
public:
    using Page::Page;
    void prepare(Exchange& x) const override {
        x.forward.resource = proxies_.resolve(x.request.proxy_id, x.request.from, x.request.to);
    }
    void finish(const Exchange& x, const http::Headers& reply, http::Response& answer,
                json::object& rewritten) const override {
        Page::finish(x, reply, answer, rewritten);
        proxies_.forget(x.request.proxy_id);
    }
};

/// A CDR pushed: the Location the recipient answers with (201 or 200) becomes the node's.
class PostCdr : public RouteHandler {
public:
    explicit PostCdr(ProxyUrls& proxies) : proxies_(proxies) {}
    void finish(const Exchange& x, const http::Headers& reply, http::Response& answer,
                json::object& rewritten) const override {
        if (const auto location = reply.get(scpi::header::kLocation)) {
            rewritten["$['headers']['location']"] = std::string(*location);
            answer.headers.add(scpi::header::kLocation,
                               proxies_.cdr_location(std::string(*location), x.request.from, x.request.to));
        }
    }

private:
    ProxyUrls& proxies_;
};

/// Commands and charging-profile requests: the recipient answers the result at the node, which relays it to the
/// sender's response_url (§5.6). The response_url is in the body (commands, PUT charging profile) or the query
/// (GET and DELETE charging profile); a signed body gets the node's rewrite.
class Async : public RouteHandler {
public:
    Async(ProxyUrls& proxies, Signing& signing, bool command)
        : proxies_(proxies), signing_(signing), command_(command) {}
    void prepare(Exchange& x) const override {
        auto& r = x.request;
        auto& f = x.forward;
        f.url_path = r.target;
        f.query = r.query;  // a charging-profile DELETE keeps its response_url
        auto* obj = r.body.if_object();
        std::string* in_query = nullptr;
        std::optional<std::string> original;
        if (const auto* v = obj != nullptr ? obj->if_contains("response_url") : nullptr;
            v != nullptr && v->is_string()) {
            original = std::string(v->get_string());
        } else {
            for (auto& [name, value] : f.query) {
                if (name == "response_url") {
                    in_query = &value;
                    original = value;
                }
            }
        }
        if (!original) {
            throw errors::invalid("$.response_url: missing required member");
        }
        const std::string result_path =
            command_ ? ProxyUrls::command_result_path(r.target) : std::string(ProxyUrls::charging_result_path());
        std::string proxied;
        if (x.local) {
            proxied = proxies_.result_url(*original, result_path, r.from, r.to);
        } else {
            // The recipient's node records the alias and relays the result back through this node (§5.6).
            const auto alias = core::random_uuid();
            f.proxy_uid = alias;
            f.resource = *original;
            proxied = join_url(x.remote_node, result_path + alias);
        }
        if (in_query != nullptr) {
            *in_query = proxied;
        } else {
            (*obj)["response_url"] = proxied;
            if (x.signature) {
                json::object originals;
                originals["$['body']['response_url']"] = *original;
                f.signature = signing_.rewrite(*x.signature, std::move(originals), r.notary_values());
            }
        }
        if (!r.raw_body.empty()) {
            f.body = json::serialize(r.body);
        }
    }

private:
    ProxyUrls& proxies_;
    Signing& signing_;
    bool command_;
};

/// Custom modules: raw bodies; Location, Link, X-Total-Count and X-Limit passed through unmodified (§2.6).
class Custom : public RouteHandler {
public:
    void finish(const Exchange&, const http::Headers& reply, http::Response& answer, json::object&) const override {
        relay(reply, answer, kRelayedHeaders);
    }
};

}  // namespace

void RouteHandler::prepare(Exchange& x) const {
    auto& r = x.request;
    x.forward.url_path = r.target;
    if (r.method != http::Method::del) {
        x.forward.query = std::move(r.query);  // the reference node drops the query of DELETE requests
    }
    if (!r.raw_body.empty()) {
        x.forward.body = std::move(r.raw_body);
    }
}

void RouteHandler::finish(const Exchange&, const http::Headers&, http::Response&, json::object&) const {}

RouteHandlers::RouteHandlers(ProxyUrls& proxies, Signing& signing) {
    const auto set = [&](RouteKind kind, std::unique_ptr<RouteHandler> handler) {
        handlers_.at(static_cast<std::size_t>(kind)) = std::move(handler);
    };
    set(RouteKind::forward, std::make_unique<RouteHandler>());
    set(RouteKind::page, std::make_unique<Page>(proxies));
    set(RouteKind::follow_page, std::make_unique<FollowPage>(proxies));
    set(RouteKind::post_cdr, std::make_unique<PostCdr>(proxies));
    set(RouteKind::get_cdr, std::make_unique<Proxied>(proxies));
    set(RouteKind::command, std::make_unique<Async>(proxies, signing, true));
    set(RouteKind::command_result, std::make_unique<Proxied>(proxies));
    set(RouteKind::charging_async, std::make_unique<Async>(proxies, signing, false));
    set(RouteKind::charging_result, std::make_unique<Proxied>(proxies));
    set(RouteKind::custom, std::make_unique<Custom>());
}

RouteHandlers::~RouteHandlers() = default;

}  // namespace scn::node
