// The mock CPO's tokens receiver (OCPI 2.2 §12.2.2) and the authorization of a token presented at a charger:
// whitelist, or real-time authorization at the token's eMSP (OCPI 2.2 §12.2.1).
#include <scn/party/cpo.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

namespace scn::party {
namespace json = boost::json;

namespace {

constexpr std::string_view kTokens = "/scpi/receiver/2.2/tokens";
constexpr auto kAuthorizeTimeout = std::chrono::seconds(5);

/// The `type` query parameter (default RFID); 2001 for a value that is not a TokenType.
scpi::TokenType type_param(const http::Request& req, scpi::TokenType otherwise = scpi::TokenType::RFID) {
    const auto text = req.query_param("type");
    if (!text) {
        return otherwise;
    }
    const auto type = scpi::enum_from_string<scpi::TokenType>(*text);
    if (!type) {
        throw scpi::Error::invalid("query parameter type must be AD_HOC_USER, APP_USER, OTHER or RFID, got \"" + *text +
                                   "\"");
    }
    return *type;
}

/// The URL's owner must be the sending party when routing headers name one (OCPI 2.2 §4.1.6 client-owned objects:
/// a party may only push its own tokens).
void check_sender(const http::Request& req, std::string_view cc, std::string_view pid) {
    const auto from_cc = req.header(scpi::header::kFromCountryCode);
    const auto from_pid = req.header(scpi::header::kFromPartyId);
    if (!from_cc && !from_pid) {
        return;  // a bilateral peer without routing headers
    }
    if (!from_cc || !from_pid || !http::iequals(*from_cc, cc) || !http::iequals(*from_pid, pid)) {
        throw scpi::Error{2001, 404,
                          "tokens of " + std::string(cc) + "/" + std::string(pid) +
                              " can only be pushed by that party (" + std::string(from_cc.value_or("?")) + "/" +
                              std::string(from_pid.value_or("?")) + " sent this)"};
    }
}

/// The token's identity in the body must be the URL's (OCPI 2.2 §4.1.6: mismatch is 2001).
void check_identity(const scpi::Token& t, std::string_view cc, std::string_view pid, std::string_view uid,
                    scpi::TokenType type) {
    const auto mismatch = [](std::string_view what, std::string_view body, std::string_view url) {
        throw scpi::Error::invalid(std::string(what) + " in the body (" + std::string(body) +
                                   ") does not match the URL (" + std::string(url) + ")");
    };
    if (!http::iequals(t.country_code, cc)) {
        mismatch("country_code", t.country_code, cc);
    }
    if (!http::iequals(t.party_id, pid)) {
        mismatch("party_id", t.party_id, pid);
    }
    if (!http::iequals(t.uid, uid)) {
        mismatch("uid", t.uid, uid);
    }
    if (t.type != type) {
        mismatch("type", scpi::to_string(t.type), scpi::to_string(type));
    }
}

}  // namespace

void Cpo::add_token_routes(http::Router& router) {
    const std::string one = std::string(kTokens) + "/{country_code}/{party_id}/{token_uid}";
    router.add(http::Method::put, one, module_route([this](http::Request& req) { return put_token(req, false); }));
    router.add(http::Method::patch, one, module_route([this](http::Request& req) { return put_token(req, true); }));
    router.add(http::Method::get, one, module_route([this](http::Request& req) { return get_token(req); }));
    // The receiver has no list, no POST and no DELETE (tokens are never deleted, only made invalid): 405.
    for (const auto m :
         {http::Method::get, http::Method::post, http::Method::put, http::Method::patch, http::Method::del}) {
        router.add(m, std::string(kTokens), module_route([](http::Request& req) -> http::Response {
                       throw scpi::Error::method_not_allowed(req.method_name + " is not supported on " + req.path +
                                                             " (tokens receiver: GET, PUT or PATCH one token)");
                   }));
    }
}

http::Response Cpo::get_token(http::Request& req) {
    const auto cc = req.param("country_code");
    const auto pid = req.param("party_id");
    const auto uid = req.param("token_uid");
    const auto type = type_param(req);
    const auto token = tokens_.get(cc, pid, uid, type);
    if (!token) {
        throw scpi::Error::unknown_token("no token " + std::string(cc) + "/" + std::string(pid) + "/" +
                                         std::string(uid) + " of type " + std::string(scpi::to_string(type)));
    }
    return service::ok(scpi::to_json(*token), clock_);
}

http::Response Cpo::put_token(http::Request& req, bool patch) {
    const auto cc = req.param("country_code");
    const auto pid = req.param("party_id");
    const auto uid = req.param("token_uid");
    check_sender(req, cc, pid);
    const auto body = scpi::parse_json(req.body);
    if (!body.is_object()) {
        throw scpi::ParseError("$", "expected a Token object");
    }
    scpi::Token token;
    bool created = false;
    if (!patch) {
        // PUT: the whole token. Without ?type the body says which type it is; with it, both must agree.
        token = scpi::from_json<scpi::Token>(body);
        check_identity(token, cc, pid, uid, type_param(req, token.type));
    } else {
        // PATCH: members present replace the stored ones; last_updated is required (OCPI 2.2 §4.1.9 / §12.2.2.3).
        const auto& changes = body.get_object();
        if (!changes.contains("last_updated")) {
            throw scpi::ParseError("$.last_updated", "missing required member (every PATCH carries last_updated)");
        }
        const auto type = type_param(req);
        const auto stored = tokens_.get(cc, pid, uid, type);
        if (!stored) {
            throw scpi::Error::unknown_token("no token " + std::string(cc) + "/" + std::string(pid) + "/" +
                                             std::string(uid) + " of type " + std::string(scpi::to_string(type)) +
                                             " to PATCH (PUT it first)");
        }
        auto merged = scpi::to_json(*stored).as_object();
        for (const auto& [key, value] : changes) {
            merged[key] = value;
        }
        token = scpi::from_json<scpi::Token>(merged);
        check_identity(token, cc, pid, uid, type);
    }
    created = tokens_.put(token);
    log_.info("Token " + token.country_code + "/" + token.party_id + "/" + token.uid + " (" +
              std::string(scpi::to_string(token.type)) + ") " +
              (patch     ? "patched"
               : created ? "stored"
                         : "replaced") +
              ": valid " + (token.valid ? "true" : "false") + ", whitelist " +
              std::string(scpi::to_string(token.whitelist)));
    return service::ok(json::value(), clock_, created ? 201 : 200);
}

boost::asio::awaitable<Cpo::StartAtCharger> Cpo::start_at_charger(std::string location_id, std::string evse_uid,
                                                                  std::string token_uid) {
    using Refusal = StartAtCharger::Refusal;
    const auto alive = std::weak_ptr<int>(alive_);
    StartAtCharger out;
    const auto refuse = [&out](Refusal why, std::string message) {
        out.refusal = why;
        out.message = std::move(message);
        return out;
    };
    // What the charger itself can tell before anyone is asked.
    const auto check_place = [&]() -> std::optional<Placement> {
        auto where = place(location_id, evse_uid, std::nullopt, token_uid);
        if (auto* p = std::get_if<Placement>(&where)) {
            return std::move(*p);
        }
        const auto& r = std::get<CommandOutcome>(where);
        const std::string message = r.response.message.empty() ? "refused" : r.response.message.front().text;
        if (r.status_code == 2003) {
            refuse(Refusal::unknown_location, message);
        } else if (message.starts_with("Unknown EVSE")) {
            refuse(Refusal::unknown_evse, message);
        } else {
            refuse(Refusal::evse_not_available, message);
        }
        return std::nullopt;
    };
    if (!check_place()) {
        co_return out;
    }

    // The whitelist (OCPI 2.2 §12.4.4): ALWAYS, ALLOWED and ALLOWED_OFFLINE tokens that are valid start at once.
    const auto stored = tokens_.find_uid(token_uid);
    const scpi::Token* token = stored.empty() ? nullptr : &stored.front();
    const auto whitelisted = [](const scpi::Token& t) { return t.whitelist != scpi::WhitelistType::NEVER; };
    if (token != nullptr && token->valid && whitelisted(*token)) {
        auto where = check_place();
        if (!where) {
            co_return out;
        }
        out.session_id = begin_session(*where, {scpi::cdr_token_of(*token),
                                                scpi::AuthMethod::WHITELIST,
                                                std::nullopt,
                                                to_party(token->country_code, token->party_id),
                                                {}});
        out.message = "whitelisted token";
        co_return out;
    }
    if (token != nullptr && !token->valid && token->whitelist == scpi::WhitelistType::ALWAYS) {
        co_return refuse(Refusal::not_allowed, "token " + token_uid + " is not valid");
    }

    // Real-time authorization at the token's eMSP (OCPI 2.2 §12.2.1.2). A token not stored here: the eMSPs this CPO
    // knows are asked in turn until one knows it.
    std::vector<scpi::RoutingHeaders> ask;
    const auto type = token != nullptr ? token->type : scpi::TokenType::RFID;
    if (token != nullptr) {
        ask.push_back(to_party(token->country_code, token->party_id));
    } else {
        ask = status_recipients();
    }
    const auto peer = delivery_.peer();
    if (!peer) {
        co_return refuse(Refusal::msp_unreachable, "no node or peer to ask for the authorization of " + token_uid);
    }
    scpi::LocationReferences where_ref{location_id, {evse_uid}};
    std::optional<std::string> failure;
    std::optional<scpi::AuthorizationInfo> info;
    bool known_nowhere = true;
    if (ask.empty()) {
        ask.push_back({});  // bilaterally, without knowing the eMSP: the peer itself, no routing headers
    }
    for (const auto& to : ask) {
        try {
            const auto base = co_await delivery_.endpoint(*peer, "tokens", scpi::InterfaceRole::SENDER);
            if (alive.expired()) {
                co_return refuse(Refusal::msp_unreachable, "the CPO stopped");
            }
            if (!base) {
                known_nowhere = false;
                failure = "the peer offers no tokens sender interface";
                break;
            }
            service::Call call;
            call.method = http::Method::post;
            call.url = *base + "/" + token_uid + "/authorize?type=" + std::string(scpi::to_string(type));
            call.token = peer->token;
            call.dialect = &dialect();
            if (!to.to_party_id.empty()) {
                call.routing = to;
            }
            call.body = scpi::to_text(where_ref);
            call.timeout = kAuthorizeTimeout;
            call.signer = request_signer();
            const bool signed_request = call.signer.has_value();
            const auto reply = co_await service::call(client_, std::move(call));
            if (alive.expired()) {
                co_return refuse(Refusal::msp_unreachable, "the CPO stopped");
            }
            if (const auto problem = signed_request && reply.ok()
                                         ? service::answer_signature_problem(reply.body, reply.headers)
                                         : std::nullopt) {
                known_nowhere = false;
                failure = "the authorization of " + token_uid + " has no valid signature: " + *problem;
                continue;
            }
            if (reply.status_code == 2004) {
                continue;  // not this eMSP's token
            }
            known_nowhere = false;
            if (!reply.ok()) {
                failure = "authorization of " + token_uid + " failed: " + reply.describe();
                continue;
            }
            info = scpi::from_json<scpi::AuthorizationInfo>(reply.data);
            break;
        } catch (const std::exception& e) {
            if (alive.expired()) {
                co_return refuse(Refusal::msp_unreachable, "the CPO stopped");
            }
            known_nowhere = false;
            failure = std::string("cannot reach the eMSP: ") + e.what();
        }
    }
    if (!info) {
        if (known_nowhere || !failure) {
            co_return refuse(Refusal::unknown_token, "token " + token_uid + " is unknown to its eMSP");
        }
        co_return refuse(Refusal::msp_unreachable, *failure);
    }
    out.allowed = info->allowed;
    if (info->allowed != scpi::AllowedType::ALLOWED) {
        co_return refuse(Refusal::not_allowed,
                         "the eMSP answered " + std::string(scpi::to_string(info->allowed)) + " for " + token_uid);
    }
    // The EVSE may have been taken while the eMSP was asked.
    auto where = check_place();
    if (!where) {
        co_return out;
    }
    out.session_id = begin_session(*where, {scpi::cdr_token_of(info->token),
                                            scpi::AuthMethod::AUTH_REQUEST,
                                            info->authorization_reference,
                                            to_party(info->token.country_code, info->token.party_id),
                                            {}});
    out.message = "authorized by the eMSP";
    co_return out;
}

}  // namespace scn::party
