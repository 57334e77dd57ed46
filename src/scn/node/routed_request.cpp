#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/routed_request.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/service/scpi_http.hpp>

namespace scn::node {

std::string token_of(const http::Request& req) {
    // `Token <value>` only, as the reference node reads it: another scheme (`Bearer …`) names no token.
    const auto h = req.header(scpi::header::kAuthorization);
    constexpr std::string_view kScheme = "Token ";
    if (!h || !h->starts_with(kScheme)) {
        return {};
    }
    return std::string(h->substr(kScheme.size()));
}

void require_headers(const http::Request& req, std::span<const std::string_view> names) {
    for (const auto name : names) {
        if (!req.header(name)) {
            throw errors::missing_header(name);
        }
    }
}

boost::json::value RoutedRequest::notary_values() const {
    http::Headers headers;
    headers.add(scpi::header::kCorrelationId, correlation_id);
    headers.add(scpi::header::kFromCountryCode, from.country_code);
    headers.add(scpi::header::kFromPartyId, from.party_id);
    headers.add(scpi::header::kToCountryCode, to.country_code);
    headers.add(scpi::header::kToPartyId, to.party_id);
    return service::request_values(headers, query, body);
}

RoutedRequest parse_routed(http::Request& req, const RouteSpec& spec) {
    require_headers(req, kRoutingRequestHeaders);
    RoutedRequest r;
    r.route = spec;
    r.raw_body = std::move(req.body);
    if (!r.raw_body.empty() && spec.kind != RouteKind::custom) {
        try {
            r.body = scpi::parse_json(r.raw_body);
        } catch (const scpi::ParseError& e) {
            throw errors::invalid(e.what());
        }
    }
    const auto header = [&](std::string_view name) { return std::string(*req.header(name)); };
    r.from = {header(scpi::header::kFromCountryCode), header(scpi::header::kFromPartyId)};
    r.to = {header(scpi::header::kToCountryCode), header(scpi::header::kToPartyId)};
    for (const auto* party : {&r.from, &r.to}) {
        if (party->country_code.size() != 2) {
            throw errors::bad_country_code(party->country_code);
        }
    }
    for (const auto* party : {&r.from, &r.to}) {
        if (party->party_id.size() != 3) {
            throw errors::bad_party_id(party->party_id);
        }
    }
    if (spec.kind == RouteKind::custom) {
        const auto interface = req.param("interface");
        if (interface != "sender" && interface != "receiver") {
            throw errors::invalid("No interface " + std::string(interface) +
                                  " found. Expected one of [SENDER, RECEIVER].");
        }
        r.route.module = std::string(req.param("module"));
        r.route.interface = interface == "sender" ? scpi::InterfaceRole::SENDER : scpi::InterfaceRole::RECEIVER;
    }
    r.method = req.method;
    r.method_name = req.method_name;
    r.token = token_of(req);
    r.request_id = header(scpi::header::kRequestId);
    r.correlation_id = header(scpi::header::kCorrelationId);
    if (const auto sig = req.header(scpi::header::kSignature)) {
        r.signature = std::string(*sig);
    }
    r.target = std::string(req.param(spec.kind == RouteKind::command ? "command" : "rest"));
    r.proxy_id = std::string(req.param("id"));
    r.query = req.query_params();
    r.path = req.path;
    return r;
}

}  // namespace scn::node
