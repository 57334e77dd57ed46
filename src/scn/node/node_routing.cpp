#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/eth/notary.hpp>
#include <scn/node/envelope_scan.hpp>
#include <scn/node/node_routing.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace scn::node {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

constexpr std::array kRequiredHeaders{"Authorization",          "X-Request-ID",       "X-Correlation-ID",
                                      "SCPI-From-Country-Code", "SCPI-From-Party-Id", "SCPI-To-Country-Code",
                                      "SCPI-To-Party-Id"};

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

/// What the notary signs of a party's request: the routing headers, the paging parameters and the body.
json::value notary_values(const http::Request& req, const json::value& body) {
    return service::request_values(req.headers, req.query_params(), body);
}

/// Why a recipient's answer does not carry a valid signature of the recipient (or its operator); nullopt if it does.
std::optional<std::string> response_signature_problem(const http::Response& response,
                                                      const std::optional<registry::PartyListing>& listing) {
    boost::system::error_code ec;
    const auto envelope = json::parse(response.body, ec);
    const auto* member = !ec && envelope.is_object() ? envelope.get_object().if_contains("scn_signature") : nullptr;
    if (member == nullptr || !member->is_string()) {
        return "Missing SCN Signature";
    }
    try {
        const auto signature = eth::notary::deserialize(member->get_string());
        const auto result =
            eth::notary::verify(signature, service::response_values(envelope.get_object(), response.headers));
        if (!result.valid()) {
            return result.error;
        }
        const std::string actual = result.signer->lower();
        if (!listing || (actual != listing->address && actual != listing->operator_address)) {
            return "Actual signatory " + actual + " differs from the recipient's registry address or operator";
        }
    } catch (const eth::notary::NotaryError& e) {
        return e.what();
    }
    return std::nullopt;
}

/// After the node changed signed response headers (`original` holds their previous values), the answer's
/// signature gets a rewrite and the node's own signature.
void resign_response(http::Response& answer, json::object original, const eth::PrivateKey& wallet) {
    if (original.empty()) {
        return;  // nothing signed was changed: the answer goes back as the recipient sent it
    }
    boost::system::error_code ec;
    auto envelope = json::parse(answer.body, ec);
    const auto* member = !ec && envelope.is_object() ? envelope.get_object().if_contains("scn_signature") : nullptr;
    if (member == nullptr || !member->is_string()) {
        return;
    }
    try {
        auto signature = eth::notary::deserialize(member->get_string());
        auto& object = envelope.get_object();
        const auto values = service::response_values(object, answer.headers);
        object["scn_signature"] =
            eth::notary::serialize(eth::notary::rewrite(std::move(signature), std::move(original), values, wallet));
        answer.body = scpi::dump(envelope);
    } catch (const eth::notary::NotaryError&) {
        // verified before it got here; nothing to rewrite otherwise
    }
}

}  // namespace

/// Sends a forwarded request and turns the outcome into the answer for the caller: the recipient's status and
/// envelope with the headers a node relays, or the routing error (4002 timeout, 4003 unreachable, 3000 not JSON).
boost::asio::awaitable<NodeServer::Routing::Delivered> NodeServer::Routing::send(NodeServer& n, http::ClientRequest out,
                                                                                 const Forward& f, std::string via) {
    const auto started = std::chrono::steady_clock::now();
    const std::string who = f.to.country_code + "/" + f.to.party_id;
    http::ClientResponse res;
    try {
        res = co_await n.client_.send(std::move(out));
    } catch (const http::ClientError& e) {
        n.log_.info("→ " + who + " " + f.method_name + " " + f.log_path + via + " failed: " + e.what());
        const int code = e.kind() == http::ClientError::Kind::timeout ? 4002 : 4003;
        co_return Delivered{n.error(code, 200, e.what()), code};
    }
    const auto scan = scan_envelope(res.body);
    if (!scan.json_object) {
        co_return n.error(3000, 200, "Could not parse JSON response of forwarded SCPI request: not a JSON object");
    }
    const auto status_code = static_cast<int>(scan.status_code.value_or(0));
    n.log_.info("→ " + who + " " + f.method_name + " " + f.log_path + via + " " + std::to_string(res.status) + " " +
                std::to_string(status_code) + " " + core::format_millis(std::chrono::steady_clock::now() - started, 1) +
                " ms");
    http::Response answer = http::Response::json(res.status, std::move(res.body));
    for (const auto* name : {"Location", "Link", "X-Total-Count", "X-Limit"}) {
        if (const auto v = res.headers.get(name)) {
            answer.headers.add(name, *v);
        }
    }
    co_return Delivered{std::move(answer), scan.status_code};
}

Awaitable NodeServer::Routing::route(http::Request& req, const Spec& spec) {
    auto& n = node;
    const auto fail = [&](int code, unsigned status, const std::string& message) {
        return n.error(code, status, message);
    };
    for (const auto* name : kRequiredHeaders) {
        if (!req.header(name)) {
            co_return fail(2001, 400,
                           std::string("Missing request header '") + name + "' for method parameter of type String");
        }
    }
    json::value body;
    if (!req.body.empty() && spec.kind != Kind::custom) {
        try {
            body = scpi::parse_json(req.body);
        } catch (const scpi::ParseError& e) {
            co_return fail(2001, 400, e.what());
        }
    }
    const PartyRef from{std::string(*req.header("SCPI-From-Country-Code")),
                        std::string(*req.header("SCPI-From-Party-Id"))};
    const PartyRef to{std::string(*req.header("SCPI-To-Country-Code")), std::string(*req.header("SCPI-To-Party-Id"))};
    for (const auto* cc : {&from.country_code, &to.country_code}) {
        if (cc->size() != 2) {
            co_return fail(2001, 400, "Given country_code \"" + *cc + "\" not 2 characters");
        }
    }
    for (const auto* pid : {&from.party_id, &to.party_id}) {
        if (pid->size() != 3) {
            co_return fail(2001, 400, "Given party-id \"" + *pid + "\" not 3 characters");
        }
    }
    const auto sender = n.store_.platform_by_token_c(token_of(req));
    if (!sender) {
        co_return fail(2001, 400, "Invalid CREDENTIALS_TOKEN_C");
    }
    if (n.store_.platform_of(from) != sender->id) {
        co_return fail(2001, 400, "Could not find role on sending platform using SCPI-from-* headers");
    }
    n.store_.renew(sender->id);

    Forward f;
    f.sender_wants_signed_answer = n.store_.rules(sender->id).signatures;
    f.module = spec.module;
    f.interface_role = spec.interface_role;
    if (spec.kind == Kind::custom) {
        const std::string interface(req.param("interface"));
        if (interface != "sender" && interface != "receiver") {
            co_return fail(2001, 400, "No interface " + interface + " found. Expected one of [SENDER, RECEIVER].");
        }
        f.module = std::string(req.param("module"));
        f.interface_role = upper(interface);
    }
    f.method = req.method;
    f.method_name = req.method_name;
    f.from = from;
    f.to = to;
    f.request_id = std::string(*req.header("X-Request-ID"));
    f.correlation_id = std::string(*req.header("X-Correlation-ID"));
    f.log_path = req.path;
    if (const auto sig = req.header("SCN-Signature")) {
        f.signature = std::string(*sig);
    }
    std::optional<std::string> used_proxy;
    if (spec.kind == Kind::follow_page || spec.kind == Kind::get_cdr || spec.kind == Kind::command_result ||
        spec.kind == Kind::charging_result) {
        const std::string id(req.param("id"));
        auto stored = n.store_.proxy(id, from, to);
        if (!stored) {
            co_return fail(2003, 404, "Proxied resource not found");
        }
        f.resource = std::move(stored);
        used_proxy = id;
    } else {
        f.url_path = spec.kind == Kind::command ? std::string(req.param("command")) : std::string(req.param("rest"));
        // The reference node drops the query of DELETE requests; a charging-profile DELETE keeps its response_url.
        if (req.method != http::Method::del || spec.kind == Kind::charging_async) {
            f.query = req.query_params();
        }
    }

    // Where the recipient is: connected here, or listed under another node.
    const auto recipient = n.store_.platform_of(to);
    std::string remote_node;
    if (!recipient) {
        const std::string cc = upper(to.country_code);
        const std::string pid = upper(to.party_id);
        const auto listing = co_await n.registry_.party(cc, pid);
        if (!listing || listing->node_url.empty() || listing->node_url == n.url()) {
            co_return fail(4001, 200, "Receiver not registered on Smart Charging Network");
        }
        remote_node = listing->node_url;
    }
    // SCN-Signature (§6): checked when the party sent one, or when the recipient's rules ask for signatures.
    std::optional<eth::notary::Signature> signature;
    const bool required = recipient && n.store_.rules(*recipient).signatures;
    if (f.signature || required) {
        if (!f.signature) {
            co_return fail(2001, 400, "Missing SCN Signature");
        }
        try {
            signature = eth::notary::deserialize(*f.signature);
        } catch (const eth::notary::NotaryError& e) {
            co_return fail(2001, 400, std::string("Invalid signature: ") + e.what());
        }
        const auto result = eth::notary::verify(*signature, notary_values(req, body));
        if (!result.valid()) {
            co_return fail(2001, 400, "Invalid signature: " + result.error + ".");
        }
        const std::string fcc = upper(from.country_code);
        const std::string fpid = upper(from.party_id);
        const auto listing = co_await n.registry_.party(fcc, fpid);
        const std::string actual = result.signer->lower();
        if (!listing || (actual != listing->address && actual != listing->operator_address)) {
            co_return fail(2001, 400,
                           "Actual signatory " + actual + " differs from expected signatory " +
                               (listing ? listing->address : std::string("(not listed)")) + " (party) or " +
                               (listing ? listing->operator_address : std::string("(not listed)")) + " (operator)");
        }
    }

    if (spec.kind == Kind::command || spec.kind == Kind::charging_async) {
        // The recipient answers at a node, which relays the result to the original response_url: in the body
        // (commands, PUT charging profile) or in the query (GET and DELETE charging profile).
        auto* obj = body.if_object();
        std::string* in_query = nullptr;
        std::optional<std::string> original;
        if (obj != nullptr && obj->contains("response_url") && obj->at("response_url").is_string()) {
            original = std::string(obj->at("response_url").get_string());
        } else {
            for (auto& [name, value] : f.query) {
                if (name == "response_url") {
                    in_query = &value;
                    original = value;
                }
            }
        }
        if (!original) {
            co_return fail(2001, 400, "$.response_url: missing required member");
        }
        const std::string result_path = spec.kind == Kind::command
                                            ? "/scpi/sender/2.2/commands/" + std::string(req.param("command")) + "/"
                                            : std::string("/scpi/2.2/sender/chargingprofiles/result/");
        std::string proxied;
        if (recipient) {
            proxied = n.url() + result_path + std::to_string(n.store_.add_proxy(*original, to, from));
        } else {
            // The recipient's node records the alias and relays the result back through this node (§5.6).
            const auto alias = core::random_uuid();
            f.proxy_uid = alias;
            f.resource = *original;
            proxied = join_url(remote_node, result_path + alias);
        }
        if (in_query != nullptr) {
            *in_query = proxied;
        } else {
            (*obj)["response_url"] = proxied;
            if (signature) {
                // The node changed a signed value: it keeps the sender's signature as a rewrite and signs again.
                json::object originals;
                originals["$['body']['response_url']"] = *original;
                f.signature = eth::notary::serialize(
                    eth::notary::rewrite(*signature, std::move(originals), notary_values(req, body), n.wallet_));
            }
        }
        if (!req.body.empty()) {
            f.body = json::serialize(body);
        }
    } else if (!req.body.empty()) {
        f.body = req.body;
    }

    // Not a conditional expression: GCC 12 destroys the wrong temporary when both arms co_await.
    Delivered delivered;
    if (recipient) {
        delivered = co_await deliver_local(*recipient, std::move(f));
    } else {
        const bool checked_remotely = f.signature.has_value();  // the recipient's node verifies those answers
        const bool check_here = f.sender_wants_signed_answer && !checked_remotely;
        delivered = co_await deliver_remote(remote_node, std::move(f));
        if (check_here) {
            delivered = co_await require_signed_answer(std::move(delivered), to);
        }
    }
    auto& reply = delivered.response;

    // Post-processing on the sender's node: proxied Link and Location, relayed counts.
    json::object rewritten;  // signed response headers the node changes, with their original values
    // 2xx, not only 200: a CDR receiver answering 201 Created still gets its Location proxied.
    const bool success = reply.status / 100 == 2 && delivered.status_code == 1000;
    http::Response answer = http::Response::json(reply.status, std::move(reply.body));
    if (success && recipient) {
        n.store_.renew(*recipient);
    }
    if (success && (spec.kind == Kind::page || spec.kind == Kind::follow_page)) {
        for (const auto* name : {"X-Total-Count", "X-Limit"}) {
            if (const auto v = reply.headers.get(name)) {
                answer.headers.add(name, *v);
            }
        }
        if (const auto link = reply.headers.get("Link")) {
            rewritten["$['headers']['link']"] = std::string(*link);
            if (const auto next = next_link(*link)) {
                const auto id = n.store_.add_proxy(*next, from, to);
                answer.headers.add("Link", "<" + n.url() + "/scpi/sender/2.2/" + spec.module + "/page/" +
                                               std::to_string(id) + ">; rel=\"next\"");
            }
        }
        if (spec.kind == Kind::follow_page && used_proxy) {
            n.store_.delete_proxy(*used_proxy);  // page links are single-use
        }
    }
    if (success && spec.kind == Kind::custom) {
        for (const auto* name : {"Location", "Link", "X-Total-Count", "X-Limit"}) {
            if (const auto v = reply.headers.get(name)) {
                answer.headers.add(name, *v);
            }
        }
    }
    if (success && spec.kind == Kind::post_cdr) {
        if (const auto location = reply.headers.get("Location")) {
            rewritten["$['headers']['location']"] = std::string(*location);
            const auto id = n.store_.add_proxy(std::string(*location), from, to);
            answer.headers.add("Location", n.url() + "/scpi/receiver/2.2/cdrs/" + std::to_string(id));
        }
    }
    resign_response(answer, std::move(rewritten), n.wallet_);
    co_return answer;
}

boost::asio::awaitable<NodeServer::Routing::Delivered> NodeServer::Routing::deliver_local(std::int64_t recipient,
                                                                                          Forward f) {
    auto& n = node;
    const auto fail = [&](int code, unsigned status, const std::string& message) {
        return n.error(code, status, message);
    };
    const auto rules = n.store_.rules(recipient);
    if (const auto refusal = rules_refusal(rules, {upper(f.from.country_code), upper(f.from.party_id)}, f.module)) {
        co_return Delivered{fail(2000, 400, *refusal), 2000};
    }
    const auto platform = n.store_.platform(recipient);
    std::string url;
    if (f.resource && !f.proxy_uid) {
        url = *f.resource;
    } else {
        const auto endpoint = n.store_.endpoint_url(recipient, f.module, f.interface_role);
        if (!endpoint) {
            co_return Delivered{fail(2001, 400, "Receiver does not support the requested module"), 2001};
        }
        url = http::with_query(join_url(*endpoint, f.url_path), f.query);
    }
    http::ClientRequest out;
    out.method = f.method;
    out.url = url;
    out.timeout = n.config_.forward_timeout;
    out.connect_timeout = std::min(n.config_.forward_timeout, std::chrono::milliseconds(5000));
    out.headers.add("Authorization", "Token " + (platform ? platform->token_b.value_or("") : std::string()));
    out.headers.add("X-Request-ID", core::request_uuid());
    out.headers.add("X-Correlation-ID", f.correlation_id);
    out.headers.add("SCPI-From-Country-Code", f.from.country_code);
    out.headers.add("SCPI-From-Party-Id", f.from.party_id);
    out.headers.add("SCPI-To-Country-Code", f.to.country_code);
    out.headers.add("SCPI-To-Party-Id", f.to.party_id);
    if (f.signature) {
        out.headers.add("SCN-Signature", *f.signature);
    }
    if (f.body) {
        out.headers.add("Content-Type", "application/json");
        out.body = std::move(*f.body);
    }
    // §6.1: signing is active for a signed request, when the recipient's rules ask for signatures, and when the
    // sender's own rules do.
    const bool signing = f.signature || rules.signatures || f.sender_wants_signed_answer;
    const PartyRef to = f.to;
    auto delivered = co_await send(n, std::move(out), f, "");
    if (signing) {
        delivered = co_await require_signed_answer(std::move(delivered), to);
    }
    co_return delivered;
}

boost::asio::awaitable<NodeServer::Routing::Delivered> NodeServer::Routing::require_signed_answer(Delivered delivered,
                                                                                                  const PartyRef& to) {
    if (delivered.status_code == 4002 || delivered.status_code == 4003) {
        co_return delivered;  // no answer came: the routing error stands
    }
    const std::string cc = upper(to.country_code);
    const std::string pid = upper(to.party_id);
    const auto listing = co_await node.registry_.party(cc, pid);
    if (const auto problem = response_signature_problem(delivered.response, listing)) {
        co_return Delivered{node.error(3000, 200, "Unable to verify response signature: " + *problem), 3000};
    }
    co_return delivered;
}

boost::asio::awaitable<NodeServer::Routing::Delivered> NodeServer::Routing::deliver_remote(std::string node_url,
                                                                                           Forward f) {
    auto& n = node;
    ScnMessage m;
    m.module = module_enum(f.module);
    if (m.module == "CUSTOM") {
        m.custom_module_id = f.module;
    }
    m.interface_role = f.interface_role;
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
    http::ClientRequest out;
    out.method = http::Method::post;
    out.url = join_url(node_url, "/scn/message");
    out.timeout = n.config_.forward_timeout;
    out.connect_timeout = std::min(n.config_.forward_timeout, std::chrono::milliseconds(5000));
    out.body = serialize(m);
    out.headers.add("X-Request-ID", core::request_uuid());
    out.headers.add("SCN-Signature", sign_message(out.body, n.wallet_));
    out.headers.add("Content-Type", "application/json");
    co_return co_await send(n, std::move(out), f, " via " + node_url);
}

bool NodeServer::Routing::same_origin_as_party(const std::string& url, std::int64_t platform) {
    const auto origin = [](std::string_view u) -> std::string {
        const auto parsed = boost::urls::parse_uri(u);
        if (!parsed) {
            return {};
        }
        return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host()) + ":" +
               std::string(parsed->port());
    };
    const auto wanted = origin(url);
    if (wanted.empty()) {
        return false;
    }
    if (const auto p = node.store_.platform(platform); p && origin(p->versions_url) == wanted) {
        return true;
    }
    const auto endpoints = node.store_.endpoints(platform);
    return std::any_of(endpoints.begin(), endpoints.end(), [&](const Endpoint& e) { return origin(e.url) == wanted; });
}

Awaitable NodeServer::Routing::message(http::Request& req) {
    auto& n = node;
    const auto fail = [&](int code, unsigned status, const std::string& message) {
        return n.error(code, status, message);
    };
    for (const auto* name : {"X-Request-ID", "SCN-Signature"}) {
        if (!req.header(name)) {
            co_return fail(2001, 400,
                           std::string("Missing request header '") + name + "' for method parameter of type String");
        }
    }
    ScnMessage m;
    try {
        m = parse_scn_message(req.body);
    } catch (const std::invalid_argument& e) {
        co_return fail(2001, 400, e.what());
    }
    const std::string cc = upper(m.sender.country_code);
    const std::string pid = upper(m.sender.party_id);
    const auto sender = co_await n.registry_.party(cc, pid);
    if (!sender || sender->node_url.empty()) {
        co_return fail(4001, 200, "Sending party not registered on Smart Charging Network");
    }
    const auto recipient = n.store_.platform_of(m.receiver);
    if (!recipient) {
        co_return fail(4001, 200, "Recipient unknown to SCN Node entered in Registry");
    }
    const auto signer = message_signer(req.body, *req.header("SCN-Signature"));
    if (!signer || signer->lower() != sender->operator_address) {
        co_return fail(4003, 200, "Could not verify SCN-Signature of request");
    }
    if (m.proxy_resource && !m.proxy_uid && !same_origin_as_party(*m.proxy_resource, *recipient)) {
        // The URL will be called with the recipient's token: only ever on the recipient's own servers.
        co_return fail(2003, 404, "Proxied resource not found");
    }
    if (m.proxy_uid && m.proxy_resource) {
        // A command's response_url: the recipient posts its result here, and it travels back to the sender's node.
        n.store_.add_proxy(*m.proxy_resource, m.receiver, m.sender, m.proxy_uid);
    }
    Forward f;
    f.module = m.module == "CUSTOM" ? m.custom_module_id.value_or("") : module_id(m.module).value_or("");
    f.interface_role = m.interface_role;
    f.method = http::method_from_string(m.method);
    f.method_name = m.method;
    f.from = m.sender;
    f.to = m.receiver;
    f.request_id = m.request_id;
    f.correlation_id = m.correlation_id;
    f.signature = m.signature;
    f.url_path = m.url_path;
    f.query = m.query_params;
    f.proxy_uid = m.proxy_uid;
    if (!m.proxy_uid) {
        f.resource = m.proxy_resource;
    }
    if (m.body) {
        f.body =
            m.module == "CUSTOM" && m.body->is_string() ? std::string(m.body->get_string()) : json::serialize(*m.body);
    }
    f.log_path =
        req.path + " (" + m.method + " " + m.module + " from " + m.sender.country_code + "/" + m.sender.party_id + ")";
    auto delivered = co_await deliver_local(*recipient, std::move(f));
    co_return std::move(delivered.response);
}

void NodeServer::Routing::add_routes(http::Router& router) {
    using M = http::Method;
    const auto add = [&](M method, const std::string& pattern, Spec spec) {
        router.add(method, pattern,
                   [this, spec](http::Request& req) -> Awaitable { co_return co_await route(req, spec); });
    };
    for (const std::string module : {"locations", "sessions", "cdrs", "tariffs", "tokens"}) {
        add(M::get, "/scpi/sender/2.2/" + module, {Kind::page, module, "SENDER"});
        add(M::get, "/scpi/sender/2.2/" + module + "/page/{id}", {Kind::follow_page, module, "SENDER"});
        for (const auto m : {M::get, M::post, M::put}) {
            add(m, "/scpi/sender/2.2/" + module + "/{rest...}", {Kind::plain, module, "SENDER"});
        }
        if (module != "cdrs") {
            for (const auto m : {M::get, M::put, M::patch, M::del}) {
                add(m, "/scpi/receiver/2.2/" + module + "/{rest...}", {Kind::plain, module, "RECEIVER"});
            }
        }
    }
    add(M::post, "/scpi/receiver/2.2/cdrs", {Kind::post_cdr, "cdrs", "RECEIVER"});
    add(M::get, "/scpi/receiver/2.2/cdrs/{id}", {Kind::get_cdr, "cdrs", "RECEIVER"});
    add(M::post, "/scpi/receiver/2.2/commands/{command}", {Kind::command, "commands", "RECEIVER"});
    add(M::post, "/scpi/sender/2.2/commands/{command}/{id}", {Kind::command_result, "commands", "SENDER"});

    // Charging profiles: served where the reference node serves them (/scpi/2.2/{role}/…) and where it advertises
    // them (/scpi/{role}/2.2/…). Results come back on the result route, which the reference node cannot reach.
    for (const std::string sender : {"/scpi/2.2/sender/chargingprofiles", "/scpi/sender/2.2/chargingprofiles"}) {
        add(M::post, sender + "/result/{id}", {Kind::charging_result, "chargingprofiles", "SENDER"});
        add(M::put, sender + "/{rest...}", {Kind::plain, "chargingprofiles", "SENDER"});
    }
    for (const std::string receiver : {"/scpi/2.2/receiver/chargingprofiles", "/scpi/receiver/2.2/chargingprofiles"}) {
        for (const auto m : {M::get, M::put, M::del}) {
            add(m, receiver + "/{rest...}", {Kind::charging_async, "chargingprofiles", "RECEIVER"});
        }
    }
    // Custom modules: any method, raw bodies, the interface in the path.
    for (const auto m : {M::get, M::post, M::put, M::patch, M::del}) {
        add(m, "/scpi/custom/{interface}/{module}", {Kind::custom, "", ""});
        add(m, "/scpi/custom/{interface}/{module}/{rest...}", {Kind::custom, "", ""});
    }
    router.add(M::post, "/scn/message", [this](http::Request& req) -> Awaitable { co_return co_await message(req); });
}

}  // namespace scn::node
