#include <scn/core/random.hpp>
#include <scn/eth/notary.hpp>
#include <scn/scpi/json.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace scn::service {
namespace json = boost::json;

http::Response ok(const json::value& data, const core::Clock& clock, unsigned http_status) {
    return http::Response::json(http_status,
                                scpi::envelope(1000, std::nullopt, data.is_null() ? nullptr : &data, clock.now()));
}

http::Response ok_raw(std::string_view data_json, const core::Clock& clock, unsigned http_status) {
    return http::Response::json(http_status, scpi::envelope_raw(data_json, clock.now()));
}

http::Response ok_shared(std::shared_ptr<const std::string> data_json, const core::Clock& clock) {
    // The bytes of scpi::envelope_raw, in three parts.
    auto res = http::Response::json(200, "{\"status_code\":1000,\"data\":");
    const std::string_view bytes = *data_json;
    res.shared = http::SharedBytes{std::move(data_json), bytes};
    res.tail.reserve(48);
    res.tail += ",\"timestamp\":\"";
    res.tail += core::format_datetime(clock.now());
    res.tail += "\"}";
    return res;
}

http::Response error(int status_code, unsigned http_status, std::string_view message, const core::Clock& clock) {
    return http::Response::json(http_status, scpi::envelope(status_code, message, nullptr, clock.now()));
}

boost::json::value response_values(const boost::json::object& envelope, const http::Headers& headers) {
    boost::json::object signed_headers;
    for (const auto& [name, key] : std::initializer_list<std::pair<const char*, const char*>>{
             {"X-Limit", "x-limit"}, {"X-Total-Count", "x-total-count"}, {"Link", "link"}, {"Location", "location"}}) {
        if (const auto v = headers.get(name)) {
            signed_headers[key] = *v;
        }
    }
    boost::json::object body = envelope;
    body.erase("scn_signature");
    boost::json::object values;
    values["headers"] = std::move(signed_headers);
    values["body"] = std::move(body);
    return values;
}

json::value request_values(const http::Headers& headers, const std::vector<std::pair<std::string, std::string>>& query,
                           const json::value& body) {
    json::object signed_headers;
    for (const auto& [name, key] : std::initializer_list<std::pair<std::string_view, const char*>>{
             {scpi::header::kCorrelationId, "x-correlation-id"},
             {scpi::header::kFromCountryCode, "scpi-from-country-code"},
             {scpi::header::kFromPartyId, "scpi-from-party-id"},
             {scpi::header::kToCountryCode, "scpi-to-country-code"},
             {scpi::header::kToPartyId, "scpi-to-party-id"}}) {
        if (const auto v = headers.get(name)) {
            signed_headers[key] = *v;
        }
    }
    json::object params;
    for (const char* name : {"date_from", "date_to", "offset", "limit"}) {
        const auto it = std::find_if(query.begin(), query.end(), [&](const auto& p) { return p.first == name; });
        if (it == query.end()) {
            continue;
        }
        std::int64_t n = 0;
        const auto& v = it->second;
        const bool numeric = std::string_view(name) == "offset" || std::string_view(name) == "limit";
        if (numeric && std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) {
            params[name] = n;
        } else {
            params[name] = v;
        }
    }
    json::object values;
    values["headers"] = std::move(signed_headers);
    values["params"] = std::move(params);
    values["body"] = body;
    return values;
}

json::value request_values(const http::Request& request) {
    boost::system::error_code ec;
    auto body = request.body.empty() ? json::value() : json::parse(request.body, ec);
    if (ec) {
        body = nullptr;
    }
    return request_values(request.headers, request.query_params(), body);
}

eth::Address verified_signer(std::string_view signature, const json::value& values) {
    eth::notary::Verification result;
    try {
        result = eth::notary::verify(eth::notary::deserialize(signature), values);
    } catch (const eth::notary::NotaryError& e) {
        throw scpi::Error::invalid(std::string("Invalid signature: ") + e.what());
    }
    if (!result.valid() || !result.signer) {
        throw scpi::Error::invalid("Invalid signature: " + result.error + ".");
    }
    return *result.signer;
}

std::optional<std::string> answer_signature_problem(std::string_view body, const http::Headers& headers) {
    boost::system::error_code ec;
    const auto envelope = json::parse(body, ec);
    const auto* member = !ec && envelope.is_object() ? envelope.get_object().if_contains("scn_signature") : nullptr;
    if (member == nullptr || !member->is_string()) {
        return "Missing SCN Signature";
    }
    try {
        const auto result = eth::notary::verify(eth::notary::deserialize(member->get_string()),
                                                response_values(envelope.get_object(), headers));
        if (!result.valid()) {
            return result.error;
        }
    } catch (const eth::notary::NotaryError& e) {
        return e.what();
    }
    return std::nullopt;
}

std::string with_signature(boost::json::object envelope, const http::Headers& headers, const eth::PrivateKey& key) {
    const auto signature = eth::notary::sign(response_values(envelope, headers), key);
    envelope["scn_signature"] = eth::notary::serialize(signature);
    return scpi::dump(envelope);
}

http::ServerHooks scpi_hooks(core::Logger log, const core::Clock& clock) {
    http::ServerHooks hooks;
    hooks.error_response = [log, &clock](const http::Request& req, std::exception_ptr failure) {
        http::Response res;
        try {
            std::rethrow_exception(failure);
        } catch (const scpi::Error& e) {
            res = error(e.status_code(), e.http_status(), e.what(), clock);
        } catch (const scpi::ParseError& e) {
            res = error(2001, 400, e.what(), clock);
        } catch (const std::exception& e) {
            log.error(req.method_name + " " + req.path + " failed: " + e.what());
            res = error(3000, 500, "internal error; the server log has the details", clock);
        } catch (...) {
            log.error(req.method_name + " " + req.path + " failed with an unknown exception");
            res = error(3000, 500, "internal error; the server log has the details", clock);
        }
        echo_headers(req, res, false);
        return res;
    };
    hooks.not_found = [&clock](const http::Request& req) {
        auto res = error(2000, 404, "no such endpoint: " + req.method_name + " " + req.path, clock);
        echo_headers(req, res, false);
        return res;
    };
    hooks.method_not_allowed = [&clock](const http::Request& req, const std::vector<http::Method>& allowed) {
        std::string list;
        for (const auto m : allowed) {
            list += list.empty() ? "" : ", ";
            list += http::to_string(m);
        }
        auto res =
            error(2000, 405, req.method_name + " is not supported on " + req.path + " (allowed: " + list + ")", clock);
        res.headers.add("Allow", list);
        echo_headers(req, res, false);
        return res;
    };
    hooks.protocol_error = [&clock](unsigned status, std::string_view reason) {
        const std::string message = status == 413   ? "request body too large"
                                    : status == 431 ? "request headers too large"
                                                    : "malformed HTTP request: " + std::string(reason);
        return error(2001, status, message, clock);
    };
    return hooks;
}

http::ServerOptions scpi_server_options(std::string address, std::uint16_t port, core::Logger log,
                                        const core::Clock& clock) {
    http::ServerOptions options;
    options.address = std::move(address);
    options.port = port;
    options.hooks = scpi_hooks(log, clock);
    options.access_log = std::move(log);
    return options;
}

void echo_headers(const http::Request& request, http::Response& response, bool routing) {
    for (const auto name : {scpi::header::kRequestId, scpi::header::kCorrelationId}) {
        if (const auto v = request.header(name); v && !response.headers.contains(name)) {
            response.headers.add(name, *v);
        }
    }
    if (!routing) {
        return;
    }
    const auto copy = [&](std::string_view from, std::string_view to) {
        if (const auto v = request.header(from); v && !response.headers.contains(to)) {
            response.headers.add(to, *v);
        }
    };
    copy(scpi::header::kFromCountryCode, scpi::header::kToCountryCode);
    copy(scpi::header::kFromPartyId, scpi::header::kToPartyId);
    copy(scpi::header::kToCountryCode, scpi::header::kFromCountryCode);
    copy(scpi::header::kToPartyId, scpi::header::kFromPartyId);
}

scpi::RoutingHeaders routing_of(const http::Request& request) {
    return scpi::RoutingHeaders::from([&](std::string_view n) { return request.header(n); });
}

std::string Reply::describe() const {
    std::string s = "HTTP " + std::to_string(http_status);
    if (status_code != 0) {
        s += ", status " + std::to_string(status_code);
    }
    if (status_message) {
        s += ": " + *status_message;
    } else if (status_code == 0 && !body.empty()) {
        s += ": " + body.substr(0, 200);
    }
    return s;
}

boost::asio::awaitable<Reply> call(http::Client& client, Call c) {
    http::ClientRequest req;
    req.method = c.method;
    req.url = std::move(c.url);
    req.timeout = c.timeout;
    const auto& dialect = c.dialect != nullptr ? *c.dialect : scpi::scpi_dialect();
    req.headers.add(scpi::header::kAuthorization, dialect.authorization(c.token));
    req.headers.add(scpi::header::kRequestId, core::request_uuid());
    req.headers.add(scpi::header::kCorrelationId, c.correlation_id.empty() ? core::random_uuid() : c.correlation_id);
    for (const auto& [name, value] : c.headers) {
        req.headers.add(name, value);
    }
    if (c.routing) {
        req.headers.add(dialect.from_country_code, c.routing->from_country_code);
        req.headers.add(dialect.from_party_id, c.routing->from_party_id);
        req.headers.add(dialect.to_country_code, c.routing->to_country_code);
        req.headers.add(dialect.to_party_id, c.routing->to_party_id);
    }
    if (c.body) {
        req.headers.add("Content-Type", "application/json");
        req.body = std::move(*c.body);
    }
    if (c.signer) {
        http::Request target;  // for its query parser
        if (const auto q = req.url.find('?'); q != std::string::npos) {
            target.query = req.url.substr(q + 1, req.url.find('#', q) - q - 1);
        }
        boost::system::error_code ec;
        auto body = req.body.empty() ? json::value() : json::parse(req.body, ec);
        if (ec) {
            body = nullptr;
        }
        const auto values = request_values(req.headers, target.query_params(), body);
        req.headers.set("SCN-Signature", eth::notary::serialize(eth::notary::sign(values, *c.signer)));
    }
    auto res = co_await client.send(std::move(req));
    Reply reply;
    reply.http_status = res.status;
    reply.headers = std::move(res.headers);
    boost::system::error_code ec;
    const json::value doc = json::parse(res.body, ec);
    if (!ec && doc.is_object()) {
        const auto& o = doc.get_object();
        if (const auto* sc = o.if_contains("status_code"); sc != nullptr && sc->is_int64()) {
            reply.status_code = static_cast<int>(sc->get_int64());
        }
        if (const auto* sm = o.if_contains("status_message"); sm != nullptr && sm->is_string()) {
            reply.status_message = std::string(sm->get_string());
        }
        if (const auto* d = o.if_contains("data")) {
            reply.data = *d;
        }
    }
    reply.body = std::move(res.body);
    co_return reply;
}

}  // namespace scn::service
