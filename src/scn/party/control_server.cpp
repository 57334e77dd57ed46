#include <scn/core/datetime.hpp>
#include <scn/party/control_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/scpi/json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace scn::party {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

/// A control API failure: answered as `{"error": message}` with `status`.
struct ControlError : std::runtime_error {
    ControlError(unsigned http_status, const std::string& message) : std::runtime_error(message), status(http_status) {}
    unsigned status;
};

http::Response reply(unsigned status, const json::value& body) {
    return http::Response::json(status, json::serialize(body));
}

http::Response error_reply(unsigned status, std::string_view message) {
    return reply(status, json::object{{"error", message}});
}

json::object body_object(const http::Request& req) {
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec) {
        throw ControlError(400, "the body is not JSON: " + ec.message());
    }
    if (!v.is_object()) {
        throw ControlError(400, "the body must be a JSON object");
    }
    return std::move(v.as_object());
}

std::string required_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string() || v->get_string().empty()) {
        throw ControlError(400, std::string(key) + ": required, a non-empty string");
    }
    return std::string(v->get_string());
}

std::optional<std::string> optional_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        throw ControlError(400, std::string(key) + ": expected a string");
    }
    return std::string(v->get_string());
}

/// An enum member named in the body (or in the path), with the list of valid names in the error.
template <typename E>
E enum_value(std::string_view text, std::string_view what) {
    if (const auto e = scpi::enum_from_string<E>(text)) {
        return *e;
    }
    std::string names;
    for (const auto name : scpi::enum_names<E>()) {
        names += (names.empty() ? "" : ", ") + std::string(name);
    }
    throw ControlError(400, std::string(what) + ": '" + std::string(text) + "' is not one of " + names);
}

json::object clock_json(const core::VirtualClock& clock) {
    return {{"now", core::format_datetime(clock.now())}, {"offset_ms", clock.offset().count()}};
}

unsigned refusal_status(Cpo::StartAtCharger::Refusal r) {
    using R = Cpo::StartAtCharger::Refusal;
    switch (r) {
        case R::unknown_location:
        case R::unknown_evse:
            return 404;
        case R::evse_not_available:
            return 409;
        case R::unknown_token:
        case R::not_allowed:
            return 403;
        case R::msp_unreachable:
            return 502;
        case R::none:
            break;
    }
    return 500;
}

std::string_view refusal_name(Cpo::StartAtCharger::Refusal r) {
    using R = Cpo::StartAtCharger::Refusal;
    switch (r) {
        case R::unknown_location:
            return "unknown_location";
        case R::unknown_evse:
            return "unknown_evse";
        case R::evse_not_available:
            return "evse_not_available";
        case R::unknown_token:
            return "unknown_token";
        case R::not_allowed:
            return "not_allowed";
        case R::msp_unreachable:
            return "msp_unreachable";
        case R::none:
            break;
    }
    return "none";
}

}  // namespace

ControlServer::ControlServer(boost::asio::io_context& ioc, PartyServer& party, core::VirtualClock& clock,
                             ControlOptions options, core::Logger log)
    : ioc_(ioc),
      party_(party),
      cpo_(dynamic_cast<Cpo*>(&party)),
      msp_(dynamic_cast<Msp*>(&party)),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)) {
    if (party_.interceptor() == nullptr) {
        throw std::logic_error("the party's interception must be enabled before it starts for its control API");
    }
    if (options_.console_buffer > 0) {
        console::ConsoleOptions o;
        o.buffer = options_.console_buffer;
        o.kind = "party";
        o.title = "mock " + party_.name();
        for (const auto& role : party_.config().roles) {
            o.title += " " + role.country_code + "/" + role.party_id;
        }
        console_ = std::make_unique<console::Console>(std::move(o), clock_);
        console_->set_parties([this]() -> boost::asio::awaitable<json::value> { co_return parties_json(); });
        party_.set_console(console_.get());
    }
}

ControlServer::~ControlServer() {
    if (console_) {
        party_.set_console(nullptr);
    }
}

json::value ControlServer::parties_json() const {
    // The party itself (each of its roles), the parties the node reported (HubClientInfo), and a bilateral peer.
    json::array out;
    for (const auto& role : party_.config().roles) {
        out.push_back(json::object{{"id", role.country_code + "/" + role.party_id},
                                   {"role", role.role},
                                   {"name", role.business_name},
                                   {"status", "CONNECTED"},
                                   {"self", true},
                                   {"registry", nullptr},
                                   {"url", party_.versions_url()}});
    }
    for (const auto& info : party_.client_infos()) {
        const std::string id = info.country_code + "/" + info.party_id;
        const bool own =
            std::any_of(party_.config().roles.begin(), party_.config().roles.end(),
                        [&](const config::RoleConfig& r) { return r.country_code + "/" + r.party_id == id; });
        if (own) {
            continue;
        }
        out.push_back(json::object{{"id", id},
                                   {"role", scpi::to_string(info.role)},
                                   {"name", "reported by the node"},
                                   {"status", scpi::to_string(info.status)},
                                   {"registry", nullptr},
                                   {"url", ""}});
    }
    if (const auto& peer = party_.bilateral()) {
        for (const auto& role : peer->roles) {
            out.push_back(json::object{{"id", role.country_code + "/" + role.party_id},
                                       {"role", scpi::to_string(role.role)},
                                       {"name", role.business_details.name},
                                       {"status", "REGISTERED (bilateral)"},
                                       {"registry", nullptr},
                                       {"url", peer->versions_url}});
        }
    }
    return json::object{{"parties", std::move(out)}};
}

std::uint16_t ControlServer::start() {
    http::ServerOptions o;
    o.address = options_.bind;
    o.port = options_.port;
    o.body_limit = 1024 * 1024;
    o.access_log = log_;
    o.hooks.not_found = [](const http::Request& req) {
        return error_reply(
            404, "no such control endpoint: " + req.method_name + " " + req.path + " (GET /control lists them)");
    };
    o.hooks.method_not_allowed = [](const http::Request& req, const std::vector<http::Method>&) {
        return error_reply(405, req.method_name + " is not allowed on " + req.path);
    };
    o.hooks.error_response = [log = log_](const http::Request& req, std::exception_ptr failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const ControlError& e) {
            return error_reply(e.status, e.what());
        } catch (const std::invalid_argument& e) {
            return error_reply(400, e.what());
        } catch (const std::exception& e) {
            log.error("control " + req.method_name + " " + req.path + " failed: " + e.what());
            return error_reply(500, std::string("internal error: ") + e.what());
        }
    };
    o.hooks.protocol_error = [](unsigned status, std::string_view reason) { return error_reply(status, reason); };
    if (cpo_ != nullptr) {
        // What the control API reads or changes includes every START the CPO answered before.
        o.hooks.around = [cpo = cpo_](http::Request& req, const http::Handler& handler) -> Awaitable {
            if (cpo->starts_pending()) {
                co_await cpo->catch_up();
            }
            co_return co_await handler(req);
        };
    }
    server_ = std::make_unique<http::Server>(ioc_, std::move(o), routes());
    return server_->start();
}

void ControlServer::stop() {
    if (server_) {
        server_->stop();
    }
}

std::uint16_t ControlServer::port() const {
    return server_ ? server_->port() : 0;
}

std::string ControlServer::url() const {
    return "http://" + (options_.bind == "0.0.0.0" ? std::string("127.0.0.1") : options_.bind) + ":" +
           std::to_string(port());
}

json::array ControlServer::faults_json() const {
    json::array out;
    for (const auto& f : party_.interceptor()->faults()) {
        out.push_back(to_json(f));
    }
    return out;
}

http::Router ControlServer::routes() {
    http::Router r;
    if (console_) {
        console_->add_routes(r);  // the party's live console: GET /console
    }
    using M = http::Method;
    const auto need_cpo = [this](std::string_view what) -> Cpo& {
        if (cpo_ == nullptr) {
            throw ControlError(404, std::string(what) + " is the CPO's; this is the MSP's control API");
        }
        return *cpo_;
    };

    r.add(M::get, "/control", [](http::Request&) -> Awaitable {
        co_return reply(
            200,
            json::object{
                {"endpoints",
                 json::array{"GET /control/state", "PUT /control/evses/{evse_uid}/status", "POST /control/sessions",
                             "PUT /control/commands/{COMMAND}/next", "GET /control/commands", "PUT /control/faults",
                             "GET /control/faults", "DELETE /control/faults", "POST /control/clock/advance",
                             "GET /control/clock", "GET /control/received?module=&since=", "POST /control/reset"}}});
    });

    r.add(M::get, "/control/state", [this](http::Request&) -> Awaitable {
        json::object o = cpo_ != nullptr ? cpo_->control_state() : msp_->control_state();
        o["party"] = party_.name();
        json::array roles;
        for (const auto& role : party_.config().roles) {
            roles.push_back({{"country_code", role.country_code}, {"party_id", role.party_id}, {"role", role.role}});
        }
        o["roles"] = std::move(roles);
        o["url"] = party_.public_url();
        json::array partners;
        for (const auto role : {scpi::Role::CPO, scpi::Role::EMSP}) {
            for (const auto& p : party_.connected_parties(role)) {
                const auto& roles_here = party_.config().roles;
                if (std::any_of(roles_here.begin(), roles_here.end(), [&](const config::RoleConfig& mine) {
                        return mine.country_code == p.country_code && mine.party_id == p.party_id;
                    })) {
                    continue;  // the node lists this party too
                }
                partners.push_back({{"country_code", p.country_code},
                                    {"party_id", p.party_id},
                                    {"role", scpi::to_string(p.role)},
                                    {"via", "node"}});
            }
        }
        if (const auto& b = party_.bilateral()) {
            for (const auto& role : b->roles) {
                partners.push_back({{"country_code", role.country_code},
                                    {"party_id", role.party_id},
                                    {"role", scpi::to_string(role.role)},
                                    {"via", "credentials"},
                                    {"versions_url", b->versions_url}});
            }
        }
        o["partners"] = std::move(partners);
        o["clock"] = clock_json(clock_);
        co_return reply(200, o);
    });

    r.add(M::put, "/control/evses/{evse_uid}/status", [this, need_cpo](http::Request& req) -> Awaitable {
        auto& cpo = need_cpo("an EVSE");
        const auto body = body_object(req);
        const auto status = enum_value<scpi::Status>(required_string(body, "status"), "status");
        const std::string evse_uid(req.param("evse_uid"));
        if (!cpo.control_evse_status(evse_uid, optional_string(body, "location_id"), status)) {
            throw ControlError(404, "no EVSE " + evse_uid + " at this CPO");
        }
        co_return reply(200, json::object{{"evse_uid", evse_uid}, {"status", scpi::to_string(status)}});
    });

    r.add(M::post, "/control/sessions", [need_cpo](http::Request& req) -> Awaitable {
        auto& cpo = need_cpo("starting a session at a charger");
        const auto body = body_object(req);
        auto location_id = required_string(body, "location_id");
        auto evse_uid = required_string(body, "evse_uid");
        auto token_uid = required_string(body, "token_uid");
        const auto started =
            co_await cpo.start_at_charger(std::move(location_id), std::move(evse_uid), std::move(token_uid));
        if (started.session_id) {
            co_return reply(201, json::object{{"session_id", *started.session_id}});
        }
        json::object refused{{"error", started.message}, {"refusal", refusal_name(started.refusal)}};
        if (started.allowed) {
            refused["allowed"] = scpi::to_string(*started.allowed);
        }
        co_return reply(refusal_status(started.refusal), refused);
    });

    r.add(M::put, "/control/commands/{command}/next", [need_cpo](http::Request& req) -> Awaitable {
        auto& cpo = need_cpo("a command");
        const auto type = enum_value<scpi::CommandType>(req.param("command"), "command");
        const auto body = body_object(req);
        Cpo::ScriptedCommand next;
        if (const auto response = optional_string(body, "response")) {
            next.response = enum_value<scpi::CommandResponseType>(*response, "response");
        }
        if (const auto result = optional_string(body, "result")) {
            next.result = *result == "NONE"
                              ? std::nullopt
                              : std::optional(enum_value<scpi::CommandResultType>(*result, "result (or NONE)"));
        }
        if (const auto* delay = body.if_contains("delay_ms")) {
            const auto* n = delay->if_int64();
            if (n == nullptr || *n < 0 || *n > 600'000) {
                throw ControlError(400, "delay_ms: expected milliseconds from 0 to 600000");
            }
            next.delay = std::chrono::milliseconds(*n);
        }
        for (const auto& [key, value] : body) {
            if (key != "response" && key != "result" && key != "delay_ms") {
                throw ControlError(400, std::string(key) + ": unknown member (known: response, result, delay_ms)");
            }
        }
        cpo.script_command(type, next);
        co_return reply(200, json::object{{"command", scpi::to_string(type)},
                                          {"response", scpi::to_string(next.response)},
                                          {"result", next.result ? scpi::to_string(*next.result) : "NONE"},
                                          {"delay_ms", next.delay.count()}});
    });
    r.add(M::get, "/control/commands", [need_cpo](http::Request&) -> Awaitable {
        auto& cpo = need_cpo("a command");
        co_return reply(200, cpo.scripted_json());
    });

    r.add(M::put, "/control/faults", [this](http::Request& req) -> Awaitable {
        boost::system::error_code ec;
        const auto v = json::parse(req.body, ec);
        if (ec) {
            throw ControlError(400, "the body is not JSON: " + ec.message());
        }
        party_.interceptor()->set_faults(parse_faults(v));
        co_return reply(200, json::object{{"faults", faults_json()}});
    });
    r.add(M::get, "/control/faults", [this](http::Request&) -> Awaitable {
        co_return reply(200, json::object{{"faults", faults_json()}});
    });
    r.add(M::del, "/control/faults", [this](http::Request&) -> Awaitable {
        party_.interceptor()->clear_faults();
        co_return reply(200, json::object{{"faults", json::array()}});
    });

    r.add(M::post, "/control/clock/advance", [this](http::Request& req) -> Awaitable {
        const auto body = body_object(req);
        const auto* seconds = body.if_contains("seconds");
        const auto* n = seconds != nullptr ? seconds->if_int64() : nullptr;
        if (n == nullptr || *n <= 0 || *n > 366LL * 86400) {
            throw ControlError(400, "seconds: required, a whole number of seconds from 1 to 31622400");
        }
        const auto from = clock_.now();
        clock_.advance(std::chrono::seconds(*n));
        for (auto* p : {&party_, sibling_}) {
            if (auto* cpo = dynamic_cast<Cpo*>(p)) {
                cpo->clock_advanced(from);
            }
        }
        log_.info("Clock advanced by " + std::to_string(*n) + " s to " + core::format_datetime(clock_.now()));
        co_return reply(200, clock_json(clock_));
    });
    r.add(M::get, "/control/clock", [this](http::Request&) -> Awaitable { co_return reply(200, clock_json(clock_)); });

    r.add(M::get, "/control/received", [this](http::Request& req) -> Awaitable {
        const auto module = req.query_param("module").value_or("");
        std::uint64_t after = 0;
        std::optional<core::TimePoint> since_time;
        if (const auto since = req.query_param("since"); since && !since->empty()) {
            const auto* end = since->data() + since->size();
            if (std::from_chars(since->data(), end, after).ptr != end) {
                since_time = core::parse_datetime(*since);
                after = 0;
                if (!since_time) {
                    throw ControlError(400, "since: expected a sequence number or a DateTime, not '" + *since + "'");
                }
            }
        }
        json::array out;
        for (const auto& request : party_.interceptor()->received(module, after, since_time)) {
            out.push_back(to_json(request));
        }
        // last_seq: the newest request the party received, to ask for what comes after it next time.
        co_return reply(200,
                        json::object{{"requests", std::move(out)}, {"last_seq", party_.interceptor()->last_seq()}});
    });

    r.add(M::post, "/control/reset", [this](http::Request&) -> Awaitable {
        if (cpo_ != nullptr) {
            cpo_->reset();
        } else {
            msp_->reset();
        }
        party_.interceptor()->clear_faults();
        party_.interceptor()->clear_received();
        co_return reply(200, json::object{{"reset", true}, {"clock", clock_json(clock_)}});
    });
    return r;
}

}  // namespace scn::party
