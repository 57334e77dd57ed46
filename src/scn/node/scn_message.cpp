#include <scn/node/scn_message.hpp>

#include <boost/json.hpp>

#include <array>
#include <stdexcept>

namespace scn::node {
namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kModules{{
    {"cdrs", "CDRS"},
    {"chargingprofiles", "CHARGING_PROFILES"},
    {"commands", "COMMANDS"},
    {"credentials", "CREDENTIALS"},
    {"hubclientinfo", "HUB_CLIENT_INFO"},
    {"locations", "LOCATIONS"},
    {"sessions", "SESSIONS"},
    {"tariffs", "TARIFFS"},
    {"tokens", "TOKENS"},
}};

json::object party_json(const PartyRef& p) {
    json::object o;
    o["party_id"] = p.party_id;
    o["country_code"] = p.country_code;
    return o;
}

const json::value& member(const json::object& o, std::string_view name, std::string_view where) {
    const auto* v = o.if_contains(name);
    if (v == nullptr) {
        throw std::invalid_argument(std::string(where) + "." + std::string(name) + ": missing");
    }
    return *v;
}

std::string text(const json::object& o, std::string_view name, std::string_view where) {
    const auto& v = member(o, name, where);
    if (!v.is_string()) {
        throw std::invalid_argument(std::string(where) + "." + std::string(name) + ": expected a string");
    }
    return std::string(v.get_string());
}

std::optional<std::string> optional_text(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        throw std::invalid_argument("$." + std::string(name) + ": expected a string");
    }
    return std::string(v->get_string());
}

PartyRef party(const json::object& headers, std::string_view name) {
    const auto& v = member(headers, name, "$.headers");
    if (!v.is_object()) {
        throw std::invalid_argument("$.headers." + std::string(name) + ": expected an object");
    }
    const std::string where = "$.headers." + std::string(name);
    return {text(v.get_object(), "country_code", where), text(v.get_object(), "party_id", where)};
}

}  // namespace

std::string module_enum(std::string_view id) {
    for (const auto& [module, name] : kModules) {
        if (module == id) {
            return std::string(name);
        }
    }
    return "CUSTOM";
}

std::optional<std::string> module_id(std::string_view name) {
    for (const auto& [module, wire] : kModules) {
        if (wire == name) {
            return std::string(module);
        }
    }
    return std::nullopt;
}

std::string serialize(const ScnMessage& m) {
    json::object headers;
    headers["Authorization"] = "";
    if (m.signature) {
        headers["SCN-Signature"] = *m.signature;
    }
    headers["X-Request-ID"] = m.request_id;
    headers["X-Correlation-ID"] = m.correlation_id;
    headers["sender"] = party_json(m.sender);
    headers["receiver"] = party_json(m.receiver);
    json::object params;
    for (const auto& [k, v] : m.query_params) {
        params[k] = v;
    }
    json::object o;
    o["module"] = m.module;
    o["interface_role"] = scpi::to_string(m.interface_role);
    o["method"] = m.method;
    o["headers"] = std::move(headers);
    o["url_path"] = m.url_path;
    o["query_params"] = std::move(params);
    if (m.proxy_uid) {
        o["proxy_uid"] = *m.proxy_uid;
    }
    if (m.proxy_resource) {
        o["proxy_resource"] = *m.proxy_resource;
    }
    if (m.custom_module_id) {
        o["custom_module_id"] = *m.custom_module_id;
    }
    if (m.body) {
        o["body"] = *m.body;
    }
    return json::serialize(o);
}

ScnMessage parse_scn_message(std::string_view body) {
    boost::system::error_code ec;
    const auto doc = json::parse(body, ec);
    if (ec || !doc.is_object()) {
        throw std::invalid_argument("the message body is not a JSON object");
    }
    const auto& o = doc.get_object();
    ScnMessage m;
    m.module = text(o, "module", "$");
    const auto interface_role = scpi::enum_from_string<scpi::InterfaceRole>(text(o, "interface_role", "$"));
    if (!interface_role) {
        throw std::invalid_argument("$.interface_role: expected SENDER or RECEIVER");
    }
    m.interface_role = *interface_role;
    m.method = text(o, "method", "$");
    const auto& h = member(o, "headers", "$");
    if (!h.is_object()) {
        throw std::invalid_argument("$.headers: expected an object");
    }
    m.request_id = optional_text(h.get_object(), "X-Request-ID").value_or("");
    m.signature = optional_text(h.get_object(), "SCN-Signature");
    m.correlation_id = text(h.get_object(), "X-Correlation-ID", "$.headers");
    m.sender = party(h.get_object(), "sender");
    m.receiver = party(h.get_object(), "receiver");
    m.url_path = optional_text(o, "url_path").value_or("");
    if (const auto* q = o.if_contains("query_params"); q != nullptr && q->is_object()) {
        for (const auto& [k, v] : q->get_object()) {
            m.query_params.emplace_back(std::string(k),
                                        v.is_string() ? std::string(v.get_string()) : json::serialize(v));
        }
    }
    m.proxy_uid = optional_text(o, "proxy_uid");
    m.proxy_resource = optional_text(o, "proxy_resource");
    m.custom_module_id = optional_text(o, "custom_module_id");
    if (const auto* b = o.if_contains("body"); b != nullptr && !b->is_null()) {
        m.body = *b;
    }
    if (m.module == "CUSTOM" ? !m.custom_module_id : !module_id(m.module)) {
        throw std::invalid_argument("$.module: unknown module " + m.module);
    }
    return m;
}

std::string sign_message(std::string_view body, const eth::PrivateKey& key) {
    const auto digest =
        eth::personal_message_hash(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
    return eth::to_hex(key.sign(digest).rsv(), /*prefix=*/false);
}

std::optional<eth::Address> message_signer(std::string_view body, std::string_view signature) {
    const auto bytes = eth::from_hex(signature);
    if (!bytes || bytes->size() != 65 || ((*bytes)[64] != 27 && (*bytes)[64] != 28)) {
        return std::nullopt;
    }
    eth::Signature sig;
    std::copy(bytes->begin(), bytes->begin() + 32, sig.r.begin());
    std::copy(bytes->begin() + 32, bytes->begin() + 64, sig.s.begin());
    sig.recovery_id = (*bytes)[64] - 27;
    try {
        return eth::recover(
            eth::personal_message_hash(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size())),
            sig);
    } catch (const eth::EthError&) {
        return std::nullopt;
    }
}

}  // namespace scn::node
