#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/core/text.hpp>
#include <scn/node/envelope_scan.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/forwarder.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/node/scn_message.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

namespace scn::node {
namespace json = boost::json;

namespace {

http::ClientRequest outgoing(const NodeContext& node, http::Method method, std::string url) {
    http::ClientRequest out;
    out.method = method;
    out.url = std::move(url);
    out.timeout = node.config.forward_timeout;
    out.connect_timeout = std::min(node.config.forward_timeout, std::chrono::milliseconds(5000));
    return out;
}

}  // namespace

boost::asio::awaitable<Delivered> Forwarder::send(http::ClientRequest out, const Forward& f, std::string_view via) {
    const auto started = std::chrono::steady_clock::now();
    // `→ CH/CPO GET /scpi/sender/2.2/locations/Loc1[ via …]` and what became of it.
    const auto line = [&](std::initializer_list<std::string_view> outcome) {
        std::string text;
        text.reserve(96 + f.log_path.size() + via.size());
        text.append("→ ").append(f.to.country_code).append("/").append(f.to.party_id).append(" ");
        text.append(f.method_name).append(" ").append(f.log_path).append(via);
        for (const auto part : outcome) {
            text.append(part);
        }
        return text;
    };
    http::ClientResponse res;
    try {
        res = co_await node_.client.send(std::move(out));
    } catch (const http::ClientError& e) {
        node_.log.info(line({" failed: ", e.what()}));
        throw e.kind() == http::ClientError::Kind::timeout ? errors::timeout(e.what()) : errors::unreachable(e.what());
    }
    const auto scan = scan_envelope(res.body);
    if (!scan.json_object) {
        throw errors::bad_answer("Could not parse JSON response of forwarded SCPI request: not a JSON object");
    }
    if (node_.log.enabled(core::LogLevel::info)) {
        node_.log.info(line({" ", std::to_string(res.status), " ", std::to_string(scan.status_code.value_or(0)), " ",
                             core::format_millis(std::chrono::steady_clock::now() - started, 1), " ms"}));
    }
    http::Response answer = http::Response::json(res.status, std::move(res.body));
    for (const auto name : kRelayedHeaders) {
        if (const auto v = res.headers.get(name)) {
            answer.headers.add(name, *v);
        }
    }
    co_return Delivered{std::move(answer), scan.status_code};
}

boost::asio::awaitable<Delivered> Forwarder::to_local(std::int64_t recipient, Forward f) {
    const auto& rules = node_.store.rules(recipient);  // read before the first co_await: the store may change
    if (rules.whitelist_active || rules.blacklist_active) {
        const PartyRef sender{core::ascii_upper(f.from.country_code), core::ascii_upper(f.from.party_id)};
        if (const auto refusal = rules_refusal(rules, sender, f.module)) {
            throw errors::refused(*refusal);
        }
    }
    // §6.1: the answer is checked for a signed request, when the recipient's rules ask for signatures, and when the
    // node or the sender's own rules do.
    const bool signing = f.signature || rules.signatures || f.sender_wants_signed_answer;
    std::string url;
    if (f.resource && !f.proxy_uid) {
        url = *f.resource;
    } else {
        const auto endpoint = node_.store.endpoint_url(recipient, f.module, f.interface);
        if (!endpoint) {
            throw errors::module_not_supported();
        }
        url = http::with_query(join_url(*endpoint, f.url_path), f.query);
    }
    auto out = outgoing(node_, f.method, std::move(url));
    out.headers.add(scpi::header::kAuthorization, node_.store.authorization(recipient));
    out.headers.add(scpi::header::kRequestId, core::request_uuid());
    out.headers.add(scpi::header::kCorrelationId, f.correlation_id);
    out.headers.add(scpi::header::kFromCountryCode, f.from.country_code);
    out.headers.add(scpi::header::kFromPartyId, f.from.party_id);
    out.headers.add(scpi::header::kToCountryCode, f.to.country_code);
    out.headers.add(scpi::header::kToPartyId, f.to.party_id);
    if (f.signature) {
        out.headers.add(scpi::header::kSignature, *f.signature);
    }
    if (f.body) {
        out.headers.add("Content-Type", "application/json");
        out.body = std::move(*f.body);
    }
    auto delivered = co_await send(std::move(out), f, "");
    if (signing) {
        co_await signing_.verify_answer(delivered.response, delivered.status_code, f.to);
    }
    co_return delivered;
}

boost::asio::awaitable<Delivered> Forwarder::to_remote(const std::string& node_url, Forward f) {
    ScnMessage m;
    m.module = module_enum(f.module);
    if (m.module == "CUSTOM") {
        m.custom_module_id = f.module;
    }
    m.interface_role = f.interface;
    m.method = f.method_name;
    m.request_id = f.request_id;
    m.correlation_id = f.correlation_id;
    m.signature = f.signature;
    m.sender = f.from;
    m.receiver = f.to;
    m.url_path = f.url_path;
    m.query_params = f.query;
    m.proxy_uid = f.proxy_uid;
    m.proxy_resource = f.resource;
    if (f.body) {
        // Standard modules carry their JSON body; a custom module's body is carried as text, byte for byte.
        boost::system::error_code ec;
        auto parsed = m.module == "CUSTOM" ? json::value() : json::parse(*f.body, ec);
        m.body = m.module == "CUSTOM" || ec ? json::value(json::string(*f.body)) : std::move(parsed);
    }
    auto out = outgoing(node_, http::Method::post, join_url(node_url, "/scn/message"));
    out.body = serialize(m);
    out.headers.add(scpi::header::kRequestId, core::request_uuid());
    out.headers.add(scpi::header::kSignature, sign_message(out.body, node_.wallet));
    out.headers.add("Content-Type", "application/json");
    co_return co_await send(std::move(out), f, " via " + node_url);
}

}  // namespace scn::node
