#include <scn/core/random.hpp>
#include <scn/node/node_routing.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

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

std::string elapsed_ms(std::chrono::steady_clock::duration d) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1f", std::chrono::duration<double, std::milli>(d).count());
    return buf.data();
}

}  // namespace

Awaitable NodeServer::Routing::route(http::Request& req, const Spec& spec) {
    auto& n = node;
    const auto fail = [&](int code, unsigned status, const std::string& message) {
        return service::error(code, status, message, n.clock_);
    };
    for (const auto* name : kRequiredHeaders) {
        if (!req.header(name)) {
            co_return fail(2001, 400,
                           std::string("Missing request header '") + name + "' for method parameter of type String");
        }
    }
    json::value body;
    if (!req.body.empty()) {
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
    const auto recipient = n.store_.platform_of(to);
    if (!recipient) {
        const std::string cc = upper(to.country_code);
        const std::string pid = upper(to.party_id);
        const auto listing = co_await n.registry_.party(cc, pid);
        if (listing && !listing->node_url.empty()) {
            co_return fail(4003, 200,
                           "Receiver " + to.country_code + "/" + to.party_id + " is connected to " + listing->node_url +
                               "; forwarding to other nodes is not available yet");
        }
        co_return fail(4001, 200, "Receiver not registered on Smart Charging Network");
    }
    if (const auto refusal =
            rules_refusal(n.store_.rules(*recipient), {upper(from.country_code), upper(from.party_id)}, spec.module)) {
        co_return fail(2000, 400, *refusal);
    }
    const auto recipient_platform = n.store_.platform(*recipient);

    // Where the request goes.
    std::string url;
    std::optional<std::string> used_proxy;
    if (spec.kind == Kind::follow_page || spec.kind == Kind::get_cdr || spec.kind == Kind::command_result) {
        const std::string id(req.param("id"));
        const auto stored = n.store_.proxy(id, from, to);
        if (!stored) {
            co_return fail(2003, 404, "Proxied resource not found");
        }
        url = *stored;
        used_proxy = id;
    } else {
        const auto endpoint = n.store_.endpoint_url(*recipient, spec.module, spec.interface_role);
        if (!endpoint) {
            co_return fail(2001, 400, "Receiver does not support the requested module");
        }
        url = join_url(*endpoint, req.param("rest"));
        if (spec.kind == Kind::command) {
            url = join_url(*endpoint, req.param("command"));
        }
        if (!req.query.empty() && req.method != http::Method::del) {
            url += "?" + req.query;
        }
    }
    if (spec.kind == Kind::command) {
        // The recipient answers the command at the node, which relays the result to the original response_url.
        auto* obj = body.if_object();
        const auto* original = obj != nullptr ? obj->if_contains("response_url") : nullptr;
        if (original == nullptr || !original->is_string()) {
            co_return fail(2001, 400, "$.response_url: missing required member");
        }
        const auto id = n.store_.add_proxy(std::string(original->get_string()), to, from);
        (*obj)["response_url"] =
            n.url() + "/scpi/sender/2.2/commands/" + std::string(req.param("command")) + "/" + std::to_string(id);
    }

    http::ClientRequest out;
    out.method = req.method;
    out.url = url;
    out.timeout = n.config_.forward_timeout;
    out.connect_timeout = std::min(n.config_.forward_timeout, std::chrono::milliseconds(5000));
    out.headers.add("Authorization", "Token " + recipient_platform->token_b.value_or(""));
    out.headers.add("X-Request-ID", core::random_uuid());
    out.headers.add("X-Correlation-ID", *req.header("X-Correlation-ID"));
    out.headers.add("SCPI-From-Country-Code", from.country_code);
    out.headers.add("SCPI-From-Party-Id", from.party_id);
    out.headers.add("SCPI-To-Country-Code", to.country_code);
    out.headers.add("SCPI-To-Party-Id", to.party_id);
    if (const auto sig = req.header("SCN-Signature")) {
        out.headers.add("SCN-Signature", *sig);
    }
    if (!req.body.empty()) {
        out.headers.add("Content-Type", "application/json");
        out.body = spec.kind == Kind::command ? json::serialize(body) : req.body;
    }
    const auto started = std::chrono::steady_clock::now();
    http::ClientResponse res;
    try {
        res = co_await n.client_.send(std::move(out));
    } catch (const http::ClientError& e) {
        n.log_.info("→ " + to.country_code + "/" + to.party_id + " " + req.method_name + " " + req.path +
                    " failed: " + e.what());
        co_return e.kind() == http::ClientError::Kind::timeout ? fail(4002, 200, e.what()) : fail(4003, 200, e.what());
    }
    boost::system::error_code ec;
    const json::value reply = json::parse(res.body, ec);
    if (ec || !reply.is_object()) {
        co_return fail(3000, 200,
                       "Could not parse JSON response of forwarded SCPI request: " +
                           (ec ? ec.message() : std::string("not an object")));
    }
    const auto* code = reply.get_object().if_contains("status_code");
    const int status_code = code != nullptr && code->is_int64() ? static_cast<int>(code->get_int64()) : 0;
    n.log_.info("→ " + to.country_code + "/" + to.party_id + " " + req.method_name + " " + req.path + " " +
                std::to_string(res.status) + " " + std::to_string(status_code) + " " +
                elapsed_ms(std::chrono::steady_clock::now() - started) + " ms");

    http::Response answer = http::Response::json(res.status, std::move(res.body));
    const bool success = res.status == 200 && status_code == 1000;
    if (success) {
        n.store_.renew(*recipient);
    }
    if (success && (spec.kind == Kind::page || spec.kind == Kind::follow_page)) {
        for (const auto* name : {"X-Total-Count", "X-Limit"}) {
            if (const auto v = res.headers.get(name)) {
                answer.headers.add(name, *v);
            }
        }
        if (const auto link = res.headers.get("Link")) {
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
    if (success && spec.kind == Kind::post_cdr) {
        if (const auto location = res.headers.get("Location")) {
            const auto id = n.store_.add_proxy(std::string(*location), from, to);
            answer.headers.add("Location", n.url() + "/scpi/receiver/2.2/cdrs/" + std::to_string(id));
        }
    }
    co_return answer;
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
}

}  // namespace scn::node
