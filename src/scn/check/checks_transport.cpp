// Versions, authorization and envelope checks (OCPI 2.2 §4 Transport and format, §6 Version information).
#include <scn/check/context.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::check {
namespace json = boost::json;

namespace {

std::optional<std::string> refused_with(const Exchange& x, unsigned http_status) {
    if (!x.answered()) {
        return x.describe();
    }
    if (x.http_status != http_status) {
        return x.describe();
    }
    return std::nullopt;
}

/// Through a node, a bad token is answered by the node: a 4xx with status 2001 (the reference node says 400).
std::optional<std::string> refused_by_node(const Exchange& x) {
    if (x.answered() && x.http_status / 100 == 4 && x.status_code == 2001) {
        return std::nullopt;
    }
    return x.describe();
}

}  // namespace

boost::asio::awaitable<bool> check_versions(Context& ctx) {
    const Check v01{"V-01", "Version information lists 2.2", "OCPI 2.2 §6.1 Version information endpoint"};
    const Check v02{"V-02", "Version details list the endpoints", "OCPI 2.2 §6.2 Version details endpoint"};
    const Check v03{"V-03", "Interfaces point the way the role needs", "OCPI 2.2 §6.2, module interfaces per role"};
    const Check v04{"V-04", "Versions need a token", "OCPI 2.2 §4.1.1 Security and authentication"};
    const Check v05{"V-05", "Versions are read-only", "OCPI 2.2 §6.1 Version information endpoint"};
    if (ctx.target.via_node()) {
        for (const auto* c : {&v01, &v02, &v03, &v04, &v05}) {
            ctx.skip(*c, "through a node: the node answers versions itself");
        }
        co_return true;
    }
    ctx.begin();
    const auto info = co_await ctx.get_config(ctx.target.options().versions_url);
    const std::string_view version = ctx.target.options().dialect->version;
    std::optional<std::string> details_url;
    std::optional<std::string> problem = not_ok(info);
    if (!problem && !info.data.is_array()) {
        problem = "data is not an array of versions";
    }
    if (!problem) {
        for (const auto& v : info.data.get_array()) {
            const auto* o = v.if_object();
            if (o == nullptr || !o->contains("version") || !o->contains("url") || !o->at("url").is_string()) {
                problem = "a version entry without version and url: " + json::serialize(v);
                break;
            }
            if (o->at("version") == json::value(json::string(version))) {
                details_url = std::string(o->at("url").get_string());
            }
        }
        if (!problem && !details_url) {
            problem = "no version \"" + std::string(version) + "\" among " + json::serialize(info.data);
        }
    }
    ctx.verdict(v01, &info, "1000 with [{\"version\": \"" + std::string(version) + "\", \"url\": …}]", problem);
    if (problem) {
        co_return false;
    }

    ctx.begin();
    const auto details = co_await ctx.get_config(*details_url);
    problem = not_ok(details);
    std::vector<std::pair<std::string, std::string>> endpoints;
    const auto* d = details.data.if_object();
    if (!problem && (d == nullptr || !d->contains("endpoints") || !d->at("endpoints").is_array())) {
        problem = "data has no endpoints array";
    }
    if (!problem && d->if_contains("version") != nullptr && d->at("version") != json::value(json::string(version))) {
        problem = "version is " + json::serialize(d->at("version")) + ", not \"" + std::string(version) + "\"";
    }
    if (!problem) {
        for (const auto& e : d->at("endpoints").get_array()) {
            const auto* o = e.if_object();
            const auto* id = o != nullptr ? o->if_contains("identifier") : nullptr;
            const auto* role = o != nullptr ? o->if_contains("role") : nullptr;
            const auto* url = o != nullptr ? o->if_contains("url") : nullptr;
            if (id == nullptr || role == nullptr || url == nullptr || !id->is_string() || !role->is_string() ||
                !url->is_string()) {
                problem = "an endpoint without identifier, role and url: " + json::serialize(e);
                break;
            }
            const std::string u(url->get_string());
            if (*role != "SENDER" && *role != "RECEIVER") {
                problem = "role " + json::serialize(*role) + " is neither SENDER nor RECEIVER";
            } else if (!u.starts_with("http://") && !u.starts_with("https://")) {
                problem = "endpoint URL " + u + " is not absolute";
            } else if (u.ends_with("/")) {
                problem = "endpoint URL " + u + " ends with a slash";
            }
            if (problem) {
                break;
            }
            endpoints.emplace_back(std::string(id->get_string()) + "/" + std::string(role->get_string()), u);
        }
    }
    if (!problem && std::none_of(endpoints.begin(), endpoints.end(),
                                 [](const auto& e) { return e.first.starts_with("credentials/"); })) {
        problem = "no credentials endpoint";
    }
    ctx.verdict(v02, &details, "1000 with version \"2.2\" and endpoints {identifier, role, absolute url}", problem);
    if (problem) {
        co_return false;
    }
    ctx.target.set_endpoints(endpoints);

    // A CPO sends locations, sessions, CDRs and tariffs and receives tokens and commands; an eMSP the other way.
    ctx.begin();
    const bool cpo = ctx.cpo();
    std::string wrong;
    std::string missing;
    for (const char* module : {"locations", "sessions", "cdrs", "tariffs", "tokens", "commands"}) {
        const bool cpo_sends = std::string_view(module) != "tokens" && std::string_view(module) != "commands";
        const bool sends = std::string_view(module) == "commands" ? !cpo : cpo == cpo_sends;
        const auto right =
            ctx.target.endpoint(module, sends ? scpi::InterfaceRole::SENDER : scpi::InterfaceRole::RECEIVER);
        const auto other =
            ctx.target.endpoint(module, sends ? scpi::InterfaceRole::RECEIVER : scpi::InterfaceRole::SENDER);
        if (!right && other) {
            wrong += std::string(wrong.empty() ? "" : ", ") + module + " as " + (sends ? "RECEIVER" : "SENDER");
        } else if (!right) {
            missing += std::string(missing.empty() ? "" : ", ") + module;
        }
    }
    if (wrong.empty()) {
        ctx.pass(v03, &details, missing.empty() ? "" : "not offered: " + missing);
    } else {
        ctx.fail(v03, &details,
                 cpo ? "locations, sessions, cdrs, tariffs as SENDER; tokens, commands as RECEIVER"
                     : "locations, sessions, cdrs, tariffs as RECEIVER; tokens, commands as SENDER",
                 "declared " + wrong);
    }

    ctx.begin();
    const auto anonymous = co_await ctx.get_config(ctx.target.options().versions_url, Auth::none);
    ctx.verdict(v04, &anonymous, "HTTP 401", refused_with(anonymous, 401));

    ctx.begin();
    Request post;
    post.method = http::Method::post;
    post.url = ctx.target.options().versions_url;
    post.routing = false;
    post.body = "{}";
    const auto posted = co_await ctx.target.send(post);
    ctx.verdict(v05, &posted, "HTTP 405", refused_with(posted, 405));
    co_return true;
}

boost::asio::awaitable<void> check_authorization(Context& ctx) {
    const Check g06{"G-06", "No Authorization header is refused", "OCPI 2.2 §4.1.1 Security and authentication"};
    const Check g07{"G-07", "An unknown token is refused", "OCPI 2.2 §4.1.1 Security and authentication"};
    const Check g08{"G-08", "Another scheme than Token is refused", "OCPI 2.2 §4.1.1 Security and authentication"};
    const auto module = ctx.cpo() ? "locations" : "tokens";
    const auto url = ctx.target.endpoint(module, scpi::InterfaceRole::SENDER);
    if (!url) {
        for (const auto* c : {&g06, &g07, &g08}) {
            ctx.skip(*c, std::string("the party offers no ") + module + " sender interface");
        }
        co_return;
    }
    const bool node = ctx.target.via_node();
    const auto judge = [&](const Exchange& x) { return node ? refused_by_node(x) : refused_with(x, 401); };
    const std::string expected = node ? "a 4xx with status 2001 from the node" : "HTTP 401";
    ctx.begin();
    auto x = co_await ctx.get(*url + "?limit=1", Auth::none);
    ctx.verdict(g06, &x, expected, judge(x));
    ctx.begin();
    // "unknown-token-of-the-checker", Base64-encoded as OCPI 2.2 asks.
    x = co_await ctx.get(*url + "?limit=1", Auth::custom, "Token dW5rbm93bi10b2tlbi1vZi10aGUtY2hlY2tlcg==");
    ctx.verdict(g07, &x, expected, judge(x));
    ctx.begin();
    x = co_await ctx.get(*url + "?limit=1", Auth::custom, "Bearer " + ctx.target.options().token);
    ctx.verdict(g08, &x, expected, judge(x));
}

void check_envelopes(Context& ctx) {
    const Check g01{"G-01", "Answers are SCPI envelopes", "OCPI 2.2 §4.1.6 Response format"};
    const Check g02{"G-02", "Answers are application/json", "OCPI 2.2 §4.1.6 Response format"};
    const Check g03{"G-03", "X-Request-ID and X-Correlation-ID are echoed", "OCPI 2.2 §4.2 Unique message IDs"};
    const Check g04{"G-04", "Routing headers come back swapped", "OCPI 2.2 §4.1.5 Message routing headers"};
    std::optional<std::string> envelope, content_type, echo, routing;
    const Exchange *bad_envelope = nullptr, *bad_type = nullptr, *bad_echo = nullptr, *bad_routing = nullptr;
    std::size_t answers = 0;
    const auto& t = ctx.target;
    for (const auto& x : t.exchanges()) {
        if (x.http_status / 100 != 2) {
            continue;
        }
        ++answers;
        if (!envelope) {
            std::optional<std::string> p;
            boost::system::error_code ec;
            const auto doc = json::parse(x.body, ec);
            const auto* o = !ec ? doc.if_object() : nullptr;
            if (o == nullptr) {
                p = "not a JSON object: " + x.body.substr(0, 80);
            } else if (const auto* sc = o->if_contains("status_code"); sc == nullptr || !sc->is_int64()) {
                p = "no integer status_code";
            } else if (const auto* ts = o->if_contains("timestamp"); ts == nullptr || !ts->is_string()) {
                p = "no timestamp";
            } else {
                p = datetime_problem(ts->get_string());
                if (p) {
                    p = "timestamp " + *p;
                }
            }
            if (p) {
                envelope = p;
                bad_envelope = &x;
            }
        }
        const auto type = x.headers.get("Content-Type");
        if (!content_type && (!type || !type->starts_with("application/json"))) {
            content_type = "Content-Type: " + std::string(type.value_or("(none)"));
            bad_type = &x;
        }
        if (x.functional && !echo && !t.via_node()) {
            const auto rid = x.headers.get(scpi::header::kRequestId);
            const auto cid = x.headers.get(scpi::header::kCorrelationId);
            if (rid != x.request_id || cid != x.correlation_id) {
                echo = "X-Request-ID " + std::string(rid.value_or("(none)")) + ", X-Correlation-ID " +
                       std::string(cid.value_or("(none)"));
                bad_echo = &x;
            }
        }
        if (x.functional && !routing && !t.via_node() && t.options().routing) {
            const auto& r = *t.options().routing;
            const auto h = [&](std::string_view name) {
                return std::string(x.headers.get(t.options().dialect->header(name)).value_or("(none)"));
            };
            if (h(scpi::header::kToCountryCode) != r.from_country_code ||
                h(scpi::header::kToPartyId) != r.from_party_id ||
                h(scpi::header::kFromCountryCode) != r.to_country_code ||
                h(scpi::header::kFromPartyId) != r.to_party_id) {
                routing = "From " + h(scpi::header::kFromCountryCode) + "/" + h(scpi::header::kFromPartyId) + ", To " +
                          h(scpi::header::kToCountryCode) + "/" + h(scpi::header::kToPartyId);
                bad_routing = &x;
            }
        }
    }
    ctx.begin();
    if (answers == 0) {
        for (const auto* c : {&g01, &g02, &g03, &g04}) {
            ctx.skip(*c, "no successful answer to look at");
        }
        return;
    }
    const std::string seen = "in " + std::to_string(answers) + " successful answers";
    ctx.verdict(g01, bad_envelope, "a JSON object with an integer status_code and a UTC timestamp, " + seen, envelope);
    ctx.verdict(g02, bad_type, "Content-Type: application/json, " + seen, content_type);
    if (t.via_node()) {
        ctx.skip(g03, "through a node: the node answers with its own ids");
        ctx.skip(g04, "through a node: the node does not relay routing headers back");
        return;
    }
    ctx.verdict(g03, bad_echo, "the ids the checker sent, " + seen, echo);
    if (!t.options().routing) {
        ctx.skip(g04, "no routing headers sent (give --from and --to)");
    } else {
        const auto& r = *t.options().routing;
        ctx.verdict(
            g04, bad_routing,
            "From " + r.to_country_code + "/" + r.to_party_id + ", To " + r.from_country_code + "/" + r.from_party_id,
            routing);
    }
}

}  // namespace scn::check
