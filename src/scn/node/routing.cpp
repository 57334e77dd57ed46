#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/routing.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/node/scn_message.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json.hpp>

namespace scn::node {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

bool same_party(const PartyRef& a, const PartyRef& b) {
    return http::iequals(a.country_code, b.country_code) && http::iequals(a.party_id, b.party_id);
}

}  // namespace

Awaitable Routing::route(http::Request& req, const RouteSpec& spec) {
    auto& store = node_.store;
    Exchange x;
    x.request = parse_routed(req, spec);
    const auto& r = x.request;
    const auto sender = store.platform_id_by_token_c(r.token);
    if (!sender) {
        throw errors::invalid_token_c();
    }
    if (store.platform_of(r.from) != *sender) {
        throw errors::unknown_sender_role();
    }
    store.renew(*sender);

    // Where the recipient is: connected here, the hub itself, or listed under another node.
    x.local = store.platform_of(r.to);
    const bool to_hub = !x.local && same_party(r.to, kHubParty);
    if (!x.local && !to_hub) {
        const auto listing =
            co_await node_.registry.party(core::ascii_upper(r.to.country_code), core::ascii_upper(r.to.party_id));
        if (!listing || listing->node_url.empty() || listing->node_url == node_.url) {
            throw errors::receiver_not_registered();
        }
        x.remote_node = listing->node_url;
    }
    // §6.1: the request is verified when it is signed, or when the node or a local recipient's rules ask for it.
    const bool required = signing_.required_by_node() || (x.local && store.rules(*x.local).signatures);
    if (r.signature || required) {
        x.signature = co_await signing_.verify_request(r);
    }

    auto& f = x.forward;
    f.module = r.route.module;
    f.interface = r.route.interface;
    f.method = r.method;
    f.method_name = r.method_name;
    f.from = r.from;
    f.to = r.to;
    f.request_id = r.request_id;
    f.correlation_id = r.correlation_id;
    f.signature = r.signature;
    f.sender_wants_signed_answer = signing_.required_by_node() || store.rules(*sender).signatures;
    if (to_hub) {
        f.log_path = r.path;
        co_return co_await hub_.answer(x, *sender);
    }
    f.log_path = std::move(x.request.path);  // the rest of the way only the forward names it

    const auto& handler = handlers_.of(spec.kind);
    handler.prepare(x);
    // Not a conditional expression: GCC 12 destroys the wrong temporary when both arms co_await.
    Delivered delivered;
    if (x.local) {
        delivered = co_await forwarder_.to_local(*x.local, std::move(f));
    } else {
        const bool checked_remotely = f.signature.has_value();  // the recipient's node verifies those answers
        const bool check_here = f.sender_wants_signed_answer && !checked_remotely;
        delivered = co_await forwarder_.to_remote(x.remote_node, std::move(f));
        if (check_here) {
            co_await signing_.verify_answer(delivered.response, delivered.status_code, r.to);
        }
    }

    http::Response answer = http::Response::json(delivered.response.status, std::move(delivered.response.body));
    if (delivered.success()) {
        if (x.local) {
            store.renew(*x.local);
        }
        json::object rewritten;  // signed answer headers the node changes, with their original values
        handler.finish(x, delivered.response.headers, answer, rewritten);
        signing_.resign_answer(answer, std::move(rewritten));
    }
    co_return answer;
}

Awaitable Routing::message(http::Request& req) {
    static constexpr std::array<std::string_view, 2> kRequired{scpi::header::kRequestId, scpi::header::kSignature};
    require_headers(req, kRequired);
    ScnMessage m;
    try {
        m = parse_scn_message(req.body);
    } catch (const std::invalid_argument& e) {
        throw errors::invalid(e.what());
    }
    const auto sender =
        co_await node_.registry.party(core::ascii_upper(m.sender.country_code), core::ascii_upper(m.sender.party_id));
    if (!sender || sender->node_url.empty()) {
        throw errors::unknown_receiver("Sending party not registered on Smart Charging Network");
    }
    const auto recipient = node_.store.platform_of(m.receiver);
    if (!recipient) {
        throw errors::unknown_receiver("Recipient unknown to SCN Node entered in Registry");
    }
    const auto signer = message_signer(req.body, *req.header(scpi::header::kSignature));
    if (!signer || signer->lower() != sender->operator_address) {
        throw errors::unreachable("Could not verify SCN-Signature of request");
    }
    if (m.proxy_resource && !m.proxy_uid && !proxies_.on_party_servers(*m.proxy_resource, *recipient)) {
        // The URL will be called with the recipient's token: only ever on the recipient's own servers.
        throw errors::proxied_resource_not_found();
    }
    if (m.proxy_uid && m.proxy_resource) {
        // A command's response_url: the recipient posts its result here, and it travels back to the sender's node.
        node_.store.add_proxy(*m.proxy_resource, m.receiver, m.sender, m.proxy_uid);
    }
    Forward f;
    f.module = m.module == "CUSTOM" ? m.custom_module_id.value_or("") : module_id(m.module).value_or("");
    f.interface = m.interface_role;
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
    f.sender_wants_signed_answer = signing_.required_by_node();
    f.log_path =
        req.path + " (" + m.method + " " + m.module + " from " + m.sender.country_code + "/" + m.sender.party_id + ")";
    auto delivered = co_await forwarder_.to_local(*recipient, std::move(f));
    co_return std::move(delivered.response);
}

void Routing::set_console(console::Console* console, ErrorResponse error_response) {
    console_ = console;
    error_response_ = std::move(error_response);
}

Awaitable Routing::recorded(http::Request& req, const RouteSpec* spec) {
    // Where a routed request and its answer meet: both are kept for the console, errors with the envelope the
    // error boundary answers them with. The request is copied first: routing takes its body.
    auto kept = console_->take();
    auto& x = *kept;
    x.direction = console::Direction::routed;
    x.at = node_.clock.now();
    x.method = req.method_name;
    x.path = req.path;
    x.query = req.query;
    x.request_headers = req.headers;
    console::copy_body(x.request_body, req.body, console_->body_cap());
    const auto started = std::chrono::steady_clock::now();
    http::Response res;
    std::exception_ptr failure;
    try {
        if (spec != nullptr) {  // not a conditional expression: GCC 12 and two co_await arms (see route())
            res = co_await route(req, *spec);
        } else {
            res = co_await message(req);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        res = error_response_(req, failure);
    }
    x.latency = std::chrono::steady_clock::now() - started;
    x.status = res.status;
    x.response_headers = res.headers;
    console::keep_response(x.response_body, res, console_->body_cap());
    console_->record(std::move(kept));
    co_return res;
}

void Routing::add_routes(http::Router& router) {
    using M = http::Method;
    using enum RouteKind;
    constexpr auto kSender = scpi::InterfaceRole::SENDER;
    constexpr auto kReceiver = scpi::InterfaceRole::RECEIVER;
    const auto add = [&](M method, const std::string& pattern, RouteSpec spec) {
        router.add(method, pattern, [this, spec](http::Request& req) -> Awaitable {
            if (console_ != nullptr) {
                co_return co_await recorded(req, &spec);
            }
            co_return co_await route(req, spec);
        });
    };
    for (const std::string module : {"locations", "sessions", "cdrs", "tariffs", "tokens"}) {
        add(M::get, "/scpi/sender/2.2/" + module, {page, module, kSender});
        add(M::get, "/scpi/sender/2.2/" + module + "/page/{id}", {follow_page, module, kSender});
        for (const auto m : {M::get, M::post, M::put}) {
            add(m, "/scpi/sender/2.2/" + module + "/{rest...}", {forward, module, kSender});
        }
        if (module != "cdrs") {
            for (const auto m : {M::get, M::put, M::patch, M::del}) {
                add(m, "/scpi/receiver/2.2/" + module + "/{rest...}", {forward, module, kReceiver});
            }
        }
    }
    add(M::post, "/scpi/receiver/2.2/cdrs", {post_cdr, "cdrs", kReceiver});
    add(M::get, "/scpi/receiver/2.2/cdrs/{id}", {get_cdr, "cdrs", kReceiver});
    add(M::post, "/scpi/receiver/2.2/commands/{command}", {command, "commands", kReceiver});
    add(M::post, "/scpi/sender/2.2/commands/{command}/{id}", {command_result, "commands", kSender});

    // Charging profiles: served where the reference node serves them (/scpi/2.2/{role}/…) and where it advertises
    // them (/scpi/{role}/2.2/…). Results come back on the result route, which the reference node cannot reach.
    for (const std::string sender : {"/scpi/2.2/sender/chargingprofiles", "/scpi/sender/2.2/chargingprofiles"}) {
        add(M::post, sender + "/result/{id}", {charging_result, "chargingprofiles", kSender});
        add(M::put, sender + "/{rest...}", {forward, "chargingprofiles", kSender});
    }
    for (const std::string receiver : {"/scpi/2.2/receiver/chargingprofiles", "/scpi/receiver/2.2/chargingprofiles"}) {
        for (const auto m : {M::get, M::put, M::del}) {
            add(m, receiver + "/{rest...}", {charging_async, "chargingprofiles", kReceiver});
        }
    }
    // Custom modules: any method, raw bodies, the interface in the path.
    for (const auto m : {M::get, M::post, M::put, M::patch, M::del}) {
        add(m, "/scpi/custom/{interface}/{module}", {custom, "", kSender});
        add(m, "/scpi/custom/{interface}/{module}/{rest...}", {custom, "", kSender});
    }
    router.add(M::post, "/scn/message", [this](http::Request& req) -> Awaitable {
        if (console_ != nullptr) {
            co_return co_await recorded(req, nullptr);
        }
        co_return co_await message(req);
    });
}

}  // namespace scn::node
