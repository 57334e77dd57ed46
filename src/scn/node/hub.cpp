#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/hub.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace scn::node {
namespace json = boost::json;

namespace {

/// The roles a broadcast push of `sender_role` goes to (OCPI 2.2, "Message Routing", broadcast push): a CPO's to eMSPs,
/// NSPs and OTHER parties; an eMSP's or an OTHER party's to CPOs.
std::vector<scpi::Role> broadcast_roles(std::optional<scpi::Role> sender_role) {
    using scpi::Role;
    if (sender_role == Role::CPO) {
        return {Role::EMSP, Role::NSP, Role::OTHER};
    }
    if (sender_role == Role::EMSP || sender_role == Role::OTHER) {
        return {Role::CPO};
    }
    return {};
}

/// The role that owns a module's objects: tokens are the eMSPs', the other lists the CPOs'.
scpi::Role owner_role(std::string_view module) {
    return module == "tokens" ? scpi::Role::EMSP : scpi::Role::CPO;
}

bool broadcastable(std::string_view module) {
    return module == "locations" || module == "tariffs" || module == "tokens";
}

bool listable(std::string_view module) {
    return module == "locations" || module == "tariffs" || module == "sessions" || module == "cdrs" ||
           module == "tokens";
}

/// Every connected party (role) of the node other than the sender's platform, with the role given.
struct Target {
    std::int64_t platform;
    PartyRef party;
};
std::vector<Target> targets(NodeStore& store, std::int64_t sender, const std::vector<scpi::Role>& roles,
                            const std::string& module, scpi::InterfaceRole interface) {
    std::vector<Target> out;
    for (const auto& p : store.platforms()) {
        using scpi::ConnectionStatus;
        if (p.id == sender || p.status == ConnectionStatus::PLANNED || p.status == ConnectionStatus::SUSPENDED ||
            !p.token_b || !store.endpoint_url(p.id, module, interface)) {
            continue;
        }
        for (const auto& r : store.roles(p.id)) {
            if (std::find(roles.begin(), roles.end(), r.role) != roles.end()) {
                out.push_back({p.id, {r.country_code, r.party_id}});
            }
        }
    }
    return out;
}

}  // namespace

boost::asio::awaitable<http::Response> Hub::answer(Exchange& x, std::int64_t sender) {
    const auto& r = x.request;
    const bool push =
        r.method == http::Method::post || r.method == http::Method::put || r.method == http::Method::patch;
    if (push && r.route.kind == RouteKind::forward && r.route.interface == scpi::InterfaceRole::RECEIVER &&
        broadcastable(r.route.module)) {
        co_return broadcast(x, sender);
    }
    if (r.method == http::Method::get && r.route.kind == RouteKind::page && listable(r.route.module)) {
        co_return co_await merged_list(x, sender);
    }
    throw errors::receiver_not_registered();
}

http::Response Hub::broadcast(Exchange& x, std::int64_t sender) {
    const auto& r = x.request;
    std::optional<scpi::Role> sender_role;
    for (const auto& role : node_.store.roles(sender)) {
        if (http::iequals(role.country_code, r.from.country_code) && http::iequals(role.party_id, r.from.party_id)) {
            sender_role = role.role;
        }
    }
    const auto to = targets(node_.store, sender, broadcast_roles(sender_role), r.route.module, r.route.interface);
    for (const auto& target : to) {
        Forward f = x.forward;
        f.to = target.party;
        f.url_path = r.target;
        f.query = r.query;
        if (!r.raw_body.empty()) {
            f.body = r.raw_body;
        }
        if (x.signature) {
            // The hub re-addresses a signed request: the sender's signature is kept as a rewrite of the To headers.
            RoutedRequest readdressed = r;
            readdressed.to = target.party;
            json::object originals;
            originals["$['headers']['scpi-to-country-code']"] = r.to.country_code;
            originals["$['headers']['scpi-to-party-id']"] = r.to.party_id;
            f.signature = signing_.rewrite(*x.signature, std::move(originals), readdressed.notary_values());
        }
        // Fire and forget: the sender has its answer; a refusal or failure of one receiver is only logged.
        boost::asio::co_spawn(
            node_.ioc,
            [](Forwarder& forwarder, std::int64_t platform, Forward forward,
               core::Logger log) -> boost::asio::awaitable<void> {
                const std::string who = forward.to.country_code + "/" + forward.to.party_id;
                try {
                    (void)co_await forwarder.to_local(platform, std::move(forward));
                } catch (const std::exception& e) {
                    log.info("broadcast to " + who + " failed: " + e.what());
                }
            }(forwarder_, target.platform, std::move(f), node_.log),
            boost::asio::detached);
    }
    node_.log.info("broadcast " + r.method_name + " " + r.path + " from " + r.from.country_code + "/" +
                   r.from.party_id + " to " + std::to_string(to.size()) + " parties");
    return answered(x, service::ok(json::value(), node_.clock));
}

boost::asio::awaitable<http::Response> Hub::merged_list(Exchange& x, std::int64_t sender) {
    const auto& r = x.request;
    const auto page = scpi::parse_page_request(
        [&](std::string_view name) -> std::optional<std::string> {
            for (const auto& [k, v] : r.query) {
                if (k == name) {
                    return v;
                }
            }
            return std::nullopt;
        },
        kMaxLimit);
    const PartyRef requester{core::ascii_upper(r.from.country_code), core::ascii_upper(r.from.party_id)};
    json::array merged;
    const auto owners = targets(node_.store, sender, {owner_role(r.route.module)}, r.route.module, r.route.interface);
    for (const auto& owner : owners) {
        if (rules_refusal(node_.store.rules(owner.platform), requester, r.route.module)) {
            continue;
        }
        Forward f = x.forward;
        f.to = owner.party;
        f.signature.reset();  // the hub asks on its own account; the sender's signature named the hub
        f.query.clear();
        for (const auto& [k, v] : r.query) {
            if (k == "date_from" || k == "date_to") {
                f.query.emplace_back(k, v);
            }
        }
        // Every page of this party, as far as the bounds allow.
        for (int n = 0; n < kMaxPagesPerParty && merged.size() < kMaxMergedObjects; ++n) {
            Delivered d;
            try {
                d = co_await forwarder_.to_local(owner.platform, f);
            } catch (const std::exception& e) {
                node_.log.info("list of " + owner.party.country_code + "/" + owner.party.party_id +
                               " left out: " + e.what());
                break;
            }
            if (!d.success()) {
                break;
            }
            boost::system::error_code ec;
            auto envelope = json::parse(d.response.body, ec);
            auto* data = !ec && envelope.is_object() ? envelope.get_object().if_contains("data") : nullptr;
            if (data == nullptr || !data->is_array()) {
                break;
            }
            for (auto& object : data->get_array()) {
                if (merged.size() < kMaxMergedObjects) {
                    merged.push_back(std::move(object));
                }
            }
            const auto link = d.response.headers.get(scpi::header::kLink);
            const auto next = link ? next_link(*link) : std::nullopt;
            if (!next) {
                break;
            }
            f.resource = *next;
            f.query.clear();
        }
    }
    const std::size_t total = merged.size();
    const std::size_t begin = std::min(page.offset, total);
    const std::size_t end = std::min(total, begin + page.limit);
    json::array slice;
    for (std::size_t i = begin; i < end; ++i) {
        slice.push_back(std::move(merged[i]));
    }
    const auto headers = scpi::page_headers(node_.url + r.path, r.query, page, slice.size(), total, kMaxLimit);
    auto res = service::ok(slice, node_.clock);
    if (headers.link) {
        res.headers.add(scpi::header::kLink, *headers.link);
    }
    res.headers.add(scpi::header::kTotalCount, headers.total_count);
    res.headers.add(scpi::header::kLimit, headers.limit);
    co_return answered(x, std::move(res));
}

http::Response Hub::answered(const Exchange& x, http::Response res) const {
    const auto& r = x.request;
    res.headers.add(scpi::header::kRequestId, r.request_id);
    res.headers.add(scpi::header::kCorrelationId, r.correlation_id);
    res.headers.add(scpi::header::kFromCountryCode, kHubParty.country_code);
    res.headers.add(scpi::header::kFromPartyId, kHubParty.party_id);
    res.headers.add(scpi::header::kToCountryCode, r.from.country_code);
    res.headers.add(scpi::header::kToPartyId, r.from.party_id);
    if (x.signature || x.forward.sender_wants_signed_answer) {
        signing_.sign_envelope(res);
    }
    return res;
}

}  // namespace scn::node
