// The mock CPO's commands receiver (OCPI 2.2 §13): the commands, their results, reservations and the end of a session.
#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/party/cpo.hpp>
#include <scn/pricing/tariff_pricing.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>

namespace scn::party {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kCommandTimeout = 30;
constexpr auto kResultDelay = 300ms;
constexpr auto kMaxReservation = std::chrono::hours(12);

/// Power the connector delivers, in kW: max_electric_power when given, else voltage x amperage (x3 for 3-phase AC,
/// whose max_voltage is line-to-neutral).
double connector_kw(const scpi::Connector& c) {
    if (c.max_electric_power && *c.max_electric_power > 0) {
        return *c.max_electric_power / 1000.0;
    }
    const double phases = c.power_type == scpi::PowerType::AC_3_PHASE ? 3.0 : 1.0;
    return c.max_voltage * c.max_amperage * phases / 1000.0;
}

Cpo::CommandOutcome response(scpi::CommandResponseType type, const std::string& message = {}) {
    Cpo::CommandOutcome r;
    r.response.result = type;
    r.response.timeout = kCommandTimeout;
    if (!message.empty()) {
        r.response.message.push_back({"en", message});
    }
    return r;
}

/// An unknown location: status 2003 with the REJECTED response, as the reference sequence has it.
Cpo::CommandOutcome unknown_location(const std::string& location_id) {
    auto r = response(scpi::CommandResponseType::REJECTED, "Unknown location " + location_id);
    r.status_code = 2003;
    return r;
}

/// Whether the party that sent a command (its SCPI-From headers) is the eMSP of a token.
bool owned_by(const std::optional<std::string>& country_code, const std::optional<std::string>& party_id,
              const scpi::RoutingHeaders& routing) {
    return country_code && party_id && http::iequals(*country_code, routing.from_country_code) &&
           http::iequals(*party_id, routing.from_party_id);
}

/// A token of another eMSP in a command: eMSPs may only use their own tokens (OCPI 2.2 §13.1).
std::optional<Cpo::CommandOutcome> foreign_token(const scpi::Token& token, const scpi::RoutingHeaders& routing) {
    if (owned_by(token.country_code, token.party_id, routing)) {
        return std::nullopt;
    }
    return response(scpi::CommandResponseType::REJECTED, "Token " + token.uid + " belongs to " + token.country_code +
                                                             "/" + token.party_id + ", not to " +
                                                             routing.from_country_code + "/" + routing.from_party_id);
}

/// The members of the command objects (OCPI 2.2 §13.3) that only some commands have. A body carrying one that its
/// command does not have is the body of another command (e.g. a StopSession posted to START_SESSION): 2001.
void check_command_members(scpi::CommandType type, const json::value& body) {
    using T = scpi::CommandType;
    static constexpr std::array<std::string_view, 8> kSpecific = {
        "token",      "location_id", "evse_uid",      "connector_id", "authorization_reference",
        "session_id", "expiry_date", "reservation_id"};
    const auto own = [type](std::string_view m) {
        switch (type) {
            case T::START_SESSION:
                return m == "token" || m == "location_id" || m == "evse_uid" || m == "connector_id" ||
                       m == "authorization_reference";
            case T::STOP_SESSION:
                return m == "session_id";
            case T::RESERVE_NOW:
                return m == "token" || m == "expiry_date" || m == "reservation_id" || m == "location_id" ||
                       m == "evse_uid" || m == "authorization_reference";
            case T::CANCEL_RESERVATION:
                return m == "reservation_id";
            case T::UNLOCK_CONNECTOR:
                return m == "location_id" || m == "evse_uid" || m == "connector_id";
        }
        return false;
    };
    if (!body.is_object()) {
        return;  // the model's reader names the problem
    }
    for (const auto m : kSpecific) {
        if (body.get_object().contains(m) && !own(m)) {
            throw scpi::ParseError("$." + std::string(m), "not a member of " + std::string(scpi::to_string(type)) +
                                                              " (is this the body of another command?)");
        }
    }
}

template <typename T>
T command_body(scpi::CommandType type, const json::value& body) {
    check_command_members(type, body);
    return scpi::from_json<T>(body);
}

}  // namespace

http::Response Cpo::command(http::Request& req) {
    const auto type = scpi::enum_from_string<scpi::CommandType>(req.param("command"));
    if (!type) {
        throw scpi::Error::not_found("unknown command " + std::string(req.param("command")) +
                                     " (expected START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION or "
                                     "UNLOCK_CONNECTOR)");
    }
    const auto routing = service::routing_of(req);
    const std::string correlation(req.header(scpi::header::kCorrelationId).value_or(""));
    const auto body = scpi::parse_json(req.body);
    // What a command writes (the session, the EVSE's status and its pushes, the result to come) is written at once.
    store::Transaction tx(store_.database());
    if (const auto scripted = scripted_.find(*type); scripted != scripted_.end()) {
        const auto next = scripted->second;
        scripted_.erase(scripted);
        if (auto outcome = scripted_command(*type, body, next, routing, correlation)) {
            tx.commit();
            const json::value data = scpi::to_json(outcome->response);
            return http::Response::json(200, scpi::envelope(outcome->status_code, std::nullopt, &data, clock_.now()));
        }
        // Scripted ACCEPTED / ACCEPTED: the command takes effect as usual, its result after the scripted delay.
        result_delay_ = next.delay;
    }
    // The scripted delay is this command's only, whether it posts a result or is refused first.
    const std::shared_ptr<void> forget_delay(nullptr, [this](void*) { result_delay_.reset(); });
    CommandOutcome r;
    switch (*type) {
        case scpi::CommandType::START_SESSION:
            r = start_session(command_body<scpi::StartSession>(*type, body), routing, correlation);
            break;
        case scpi::CommandType::STOP_SESSION:
            r = stop_session(command_body<scpi::StopSession>(*type, body), routing, correlation);
            break;
        case scpi::CommandType::RESERVE_NOW:
            r = reserve_now(command_body<scpi::ReserveNow>(*type, body), routing, correlation);
            break;
        case scpi::CommandType::CANCEL_RESERVATION:
            r = cancel_reservation(command_body<scpi::CancelReservation>(*type, body), routing, correlation);
            break;
        case scpi::CommandType::UNLOCK_CONNECTOR:
            r = unlock_connector(command_body<scpi::UnlockConnector>(*type, body), routing, correlation);
            break;
    }
    tx.commit();
    const json::value data = scpi::to_json(r.response);
    return http::Response::json(200, scpi::envelope(r.status_code, std::nullopt, &data, clock_.now()));
}

void Cpo::after(std::chrono::milliseconds delay, std::function<void()> fn) {
    const auto at = std::chrono::steady_clock::now() + delay;
    const bool earliest = later_.empty() || at < later_.begin()->first;
    later_.emplace(at, std::move(fn));  // after the others due at the same time
    if (earliest) {
        arm_later();
    }
}

void Cpo::arm_later() {
    later_timer_.expires_at(later_.begin()->first);
    later_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            run_later();
        }
    });
}

void Cpo::run_later() {
    const auto started = std::chrono::steady_clock::now();
    for (bool first = true; !later_.empty() && later_.begin()->first <= std::chrono::steady_clock::now();
         first = false) {
        if (!first && std::chrono::steady_clock::now() - started >= catch_up_slice_) {
            // The rest after what else waits (requests, deliveries).
            boost::asio::post(ioc_, [this, alive = std::weak_ptr<int>(alive_)] {
                if (!alive.expired()) {
                    run_later();
                }
            });
            return;
        }
        auto fn = std::move(later_.begin()->second);
        later_.erase(later_.begin());
        join_write_group();  // what falls due together (a burst's results) is committed together
        fn();
    }
    if (!later_.empty()) {
        arm_later();
    }
}

void Cpo::send_result(const std::string& response_url, scpi::CommandResultType result, const std::string& message,
                      const scpi::RoutingHeaders& to_msp, const std::string& correlation) {
    scpi::CommandResult r;
    r.result = result;
    if (!message.empty()) {
        r.message.push_back({"en", message});
    }
    const auto delay = result_delay_.value_or(kResultDelay);
    result_delay_.reset();
    after(delay, [this, response_url, body = scpi::to_text(r), to_msp, correlation] {
        delivery_.send("result:" + response_url, "POST", response_url, body, to_msp, correlation);
    });
}

std::variant<Cpo::Placement, Cpo::CommandOutcome> Cpo::place(const std::string& location_id,
                                                             const std::optional<std::string>& evse_uid,
                                                             const std::optional<std::string>& connector_id,
                                                             const std::string& token_uid) {
    auto loc = location(location_id);
    if (!loc) {
        return unknown_location(location_id);
    }
    const auto reserved_for_token = [&](const scpi::Evse& e) {
        const auto r = store_.reservation_on_evse(loc->id, e.uid);
        return r && http::iequals(r->token_uid, token_uid);
    };
    const scpi::Evse* evse = nullptr;
    if (evse_uid) {
        evse = loc->find_evse(*evse_uid);
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "Unknown EVSE " + *evse_uid + " at " + loc->id);
        }
        if (claimed(loc->id, evse->uid)) {
            // A START answered a moment ago holds it: as good as CHARGING already.
            return response(scpi::CommandResponseType::REJECTED, "EVSE " + evse->uid + " is CHARGING");
        }
    } else {
        for (const auto& e : loc->evses) {
            if (claimed(loc->id, e.uid)) {
                continue;
            }
            if (e.status == scpi::Status::AVAILABLE || (e.status == scpi::Status::RESERVED && reserved_for_token(e))) {
                evse = &e;
                break;
            }
        }
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "No available EVSE at " + loc->id);
        }
    }
    auto reservation = store_.reservation_on_evse(loc->id, evse->uid);
    if (reservation && !http::iequals(reservation->token_uid, token_uid)) {
        return response(
            scpi::CommandResponseType::REJECTED,
            "EVSE " + evse->uid + " is reserved for another token until " + core::format_datetime(reservation->expiry));
    }
    if (evse->status != scpi::Status::AVAILABLE && !(evse->status == scpi::Status::RESERVED && reservation)) {
        return response(scpi::CommandResponseType::REJECTED,
                        "EVSE " + evse->uid + " is " + std::string(scpi::to_string(evse->status)));
    }
    const scpi::Connector* connector = nullptr;
    if (connector_id) {
        for (const auto& c : evse->connectors) {
            if (c.id == *connector_id) {
                connector = &c;
            }
        }
        if (connector == nullptr) {
            return response(scpi::CommandResponseType::REJECTED,
                            "Unknown connector " + *connector_id + " at " + evse->uid);
        }
    } else if (std::find(evse->capabilities.begin(), evse->capabilities.end(),
                         scpi::Capability::START_SESSION_CONNECTOR_REQUIRED) != evse->capabilities.end()) {
        return response(scpi::CommandResponseType::REJECTED,
                        "EVSE " + evse->uid + " has START_SESSION_CONNECTOR_REQUIRED: give a connector_id");
    } else if (!evse->connectors.empty()) {
        connector = &evse->connectors.front();
    } else {
        return response(scpi::CommandResponseType::REJECTED, "EVSE " + evse->uid + " has no connector");
    }
    return Placement{loc, evse, connector, std::move(reservation)};
}

std::string Cpo::begin_session(const Placement& where, const Authorization& auth) {
    const auto now = clock_.now();
    auto c = std::make_unique<Charging>();
    auto& s = c->session;
    std::optional<ReservationSession> reserved;
    if (where.reservation) {
        // Consumed by its token starting to charge: the reservation's session becomes this one (OCPI 2.2 §9.1).
        reserved = reservation_session(where.reservation->id);
        store_.delete_reservation(where.reservation->id);
        store_.erase_setting("reservation_session:" + where.reservation->id);
    }
    const auto& me = config_.roles.front();
    std::optional<std::string> stored;
    if (reserved) {
        stored = store_.session({me.country_code, me.party_id, reserved->session_id});
    }
    if (stored) {
        s = scpi::from_json<scpi::Session>(scpi::parse_json(*stored));
        s.status = scpi::SessionStatus::RESERVATION;
    } else {
        s.country_code = me.country_code;
        s.party_id = me.party_id;
        s.id = core::random_uuid();
        s.status = scpi::SessionStatus::PENDING;
    }
    s.start_date_time = now;  // while not ACTIVE, the creation time (OCPI 2.2 §9.3.1)
    s.end_date_time.reset();
    s.kwh = 0;
    s.cdr_token = auth.token;
    s.auth_method = auth.method;
    if (auth.reference) {
        s.authorization_reference = auth.reference;
    }
    s.location_id = where.location->id;
    s.evse_uid = where.evse->uid;
    s.connector_id = where.connector->id;
    s.currency = "EUR";
    s.charging_periods.clear();
    s.total_cost.reset();
    if (!where.connector->tariff_ids.empty()) {
        c->tariff_id = where.connector->tariff_ids.front();
        if (const auto t = tariffs_.find(c->tariff_id); t != tariffs_.end()) {
            s.currency = t->second.currency;
        }
    }
    s.last_updated = now;
    c->power_kw = connector_kw(*where.connector);
    c->to_msp = auth.to_msp;
    c->correlation = auth.correlation;
    c->last_tick = now;
    const std::string id = s.id;
    store_.put_session({s.country_code, s.party_id, id}, scpi::to_text(s), now);
    note_session_owner(s.cdr_token);
    persist(*c);
    charging_[id] = std::move(c);
    set_evse_status(where.location->id, where.evse->uid, scpi::Status::CHARGING);
    schedule(id, kAnnounceDelay);
    log_.info("Session " + id + " started at " + where.location->id + "/" + where.evse->uid + " (" +
              std::string(scpi::to_string(auth.method)) + ")");
    return id;
}

Cpo::CommandOutcome Cpo::start_session(const scpi::StartSession& cmd, const scpi::RoutingHeaders& routing,
                                       const std::string& correlation) {
    if (cmd.connector_id && !cmd.evse_uid) {
        throw scpi::Error::invalid("connector_id needs evse_uid (OCPI 2.2 §13.3.5 StartSession)");
    }
    if (auto refused = foreign_token(cmd.token, routing)) {
        return *refused;
    }
    auto where = place(cmd.location_id, cmd.evse_uid, cmd.connector_id, cmd.token.uid);
    if (auto* refused = std::get_if<CommandOutcome>(&where)) {
        return *refused;
    }
    // The eMSP authorized the token itself: no whitelist or real-time check here (OCPI 2.2 §13.3.5). The answer says
    // the charger was told (§13.1); its result and the session follow.
    queue_start({std::get<Placement>(std::move(where)),
                 {scpi::cdr_token_of(cmd.token), scpi::AuthMethod::COMMAND, cmd.authorization_reference,
                  routing.reversed(), correlation},
                 cmd.response_url,
                 result_delay_,
                 std::chrono::steady_clock::now()});
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::stop_session(const scpi::StopSession& cmd, const scpi::RoutingHeaders& routing,
                                      const std::string& correlation) {
    const auto it = charging_.find(cmd.session_id);
    if (it == charging_.end()) {
        return response(scpi::CommandResponseType::UNKNOWN_SESSION, "No active session " + cmd.session_id);
    }
    const auto& token = it->second->session.cdr_token;
    if (!owned_by(token.country_code, token.party_id, routing)) {
        return response(scpi::CommandResponseType::REJECTED, "Session " + cmd.session_id + " belongs to another party");
    }
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing.reversed(), correlation);
    after(kResultDelay + 100ms, [this, id = cmd.session_id] { finish(id); });
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::reserve_now(const scpi::ReserveNow& cmd, const scpi::RoutingHeaders& routing,
                                     const std::string& correlation) {
    if (auto refused = foreign_token(cmd.token, routing)) {
        return *refused;
    }
    const auto now = clock_.now();
    if (cmd.expiry_date <= now || cmd.expiry_date > now + kMaxReservation) {
        return response(scpi::CommandResponseType::REJECTED,
                        "expiry_date must be in the future and at most 12 hours ahead");
    }
    auto loc = location(cmd.location_id);
    if (!loc) {
        return unknown_location(cmd.location_id);
    }
    const auto existing = store_.reservation(cmd.reservation_id);
    if (existing) {
        const auto holder = scpi::from_json<scpi::Token>(scpi::parse_json(existing->token_json));
        if (!owned_by(holder.country_code, holder.party_id, routing)) {
            return response(scpi::CommandResponseType::REJECTED,
                            "Reservation id " + cmd.reservation_id + " is in use by another party");
        }
    }
    const scpi::Evse* evse = nullptr;
    if (cmd.evse_uid) {
        evse = loc->find_evse(*cmd.evse_uid);
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "Unknown EVSE " + *cmd.evse_uid + " at " + loc->id);
        }
    } else {
        for (const auto& e : loc->evses) {
            if (e.status == scpi::Status::AVAILABLE ||
                (existing && existing->location_id == loc->id && existing->evse_uid == e.uid)) {
                evse = &e;
                break;
            }
        }
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "No available EVSE at " + loc->id);
        }
    }
    const auto holder = store_.reservation_on_evse(loc->id, evse->uid);
    if (holder && holder->id != cmd.reservation_id) {
        return response(scpi::CommandResponseType::REJECTED,
                        "EVSE " + evse->uid + " already has reservation " + holder->id);
    }
    if (!holder && evse->status != scpi::Status::AVAILABLE) {
        return response(scpi::CommandResponseType::REJECTED,
                        "EVSE " + evse->uid + " is " + std::string(scpi::to_string(evse->status)));
    }
    if (existing && (existing->location_id != loc->id || existing->evse_uid != evse->uid)) {
        set_evse_status(existing->location_id, existing->evse_uid, scpi::Status::AVAILABLE);  // moved elsewhere
    }
    store_.put_reservation({cmd.reservation_id, loc->id, evse->uid, cmd.token.uid, scpi::to_text(cmd.token),
                            cmd.expiry_date, scpi::to_text(cmd)});
    set_evse_status(loc->id, evse->uid, scpi::Status::RESERVED);

    // A reservation is a Session in status RESERVATION (OCPI 2.2 §9.1, §13.1); a new RESERVE_NOW with the same id
    // updates it.
    const auto& me = config_.roles.front();
    const auto known = reservation_session(cmd.reservation_id);
    std::optional<std::string> stored;
    if (known) {
        stored = store_.session({me.country_code, me.party_id, known->session_id});
    }
    scpi::Session s;
    if (stored) {
        s = scpi::from_json<scpi::Session>(scpi::parse_json(*stored));
    } else {
        s.country_code = me.country_code;
        s.party_id = me.party_id;
        s.id = core::random_uuid();
        s.start_date_time = now;
        s.kwh = 0;
        s.auth_method = scpi::AuthMethod::COMMAND;
    }
    s.cdr_token = scpi::cdr_token_of(cmd.token);
    s.authorization_reference = cmd.authorization_reference;
    s.location_id = loc->id;
    s.evse_uid = evse->uid;
    s.connector_id = evse->connectors.empty() ? "#NA" : evse->connectors.front().id;
    s.currency = "EUR";
    if (!evse->connectors.empty() && !evse->connectors.front().tariff_ids.empty()) {
        if (const auto t = tariffs_.find(evse->connectors.front().tariff_ids.front()); t != tariffs_.end()) {
            s.currency = t->second.currency;
        }
    }
    s.status = scpi::SessionStatus::RESERVATION;
    s.last_updated = now;
    store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), now);
    note_session_owner(s.cdr_token);
    save_reservation_session(cmd.reservation_id, {s.id, routing.reversed(), correlation, cmd.response_url});
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing.reversed(), correlation);
    after(kResultDelay + 100ms, [this, s, to = routing.reversed(), correlation] { push_session(s, to, correlation); });
    log_.info("Reservation " + cmd.reservation_id + " holds " + loc->id + "/" + evse->uid + " until " +
              core::format_datetime(cmd.expiry_date));
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::cancel_reservation(const scpi::CancelReservation& cmd, const scpi::RoutingHeaders& routing,
                                            const std::string& correlation) {
    const auto r = store_.reservation(cmd.reservation_id);
    if (!r) {
        // Accepted, and the result says what the charger found (OCPI 2.2 §13.4.3 UNKNOWN_RESERVATION).
        send_result(cmd.response_url, scpi::CommandResultType::UNKNOWN_RESERVATION,
                    "Unknown reservation " + cmd.reservation_id, routing.reversed(), correlation);
        return response(scpi::CommandResponseType::ACCEPTED);
    }
    const auto holder = scpi::from_json<scpi::Token>(scpi::parse_json(r->token_json));
    if (!owned_by(holder.country_code, holder.party_id, routing)) {
        return response(scpi::CommandResponseType::REJECTED,
                        "Reservation " + cmd.reservation_id + " belongs to another party");
    }
    store_.delete_reservation(r->id);
    set_evse_status(r->location_id, r->evse_uid, scpi::Status::AVAILABLE);
    end_reservation_session(r->id);
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing.reversed(), correlation);
    log_.info("Reservation " + r->id + " cancelled");
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::unlock_connector(const scpi::UnlockConnector& cmd, const scpi::RoutingHeaders& routing,
                                          const std::string& correlation) {
    const auto loc = location(cmd.location_id);
    if (!loc) {
        return unknown_location(cmd.location_id);
    }
    const auto* evse = loc->find_evse(cmd.evse_uid);
    const bool known = evse != nullptr && std::any_of(evse->connectors.begin(), evse->connectors.end(),
                                                      [&](const auto& c) { return c.id == cmd.connector_id; });
    if (!known) {
        // Like an unknown location: 2003 with REJECTED (OCPI 2.2 §13.3.7).
        auto r = response(scpi::CommandResponseType::REJECTED,
                          "Unknown EVSE or connector " + cmd.evse_uid + "/" + cmd.connector_id + " at " + loc->id);
        r.status_code = 2003;
        return r;
    }
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing.reversed(), correlation);
    return response(scpi::CommandResponseType::ACCEPTED);
}

void Cpo::finish(const std::string& session_id) {
    const auto it = charging_.find(session_id);
    if (it == charging_.end()) {
        return;
    }
    auto c = std::move(it->second);
    charging_.erase(it);
    unschedule(*c);
    unsaved_.erase(session_id);
    delivery_.forget("session:" + session_id);  // its last states follow, queued
    const auto now = clock_.now();
    auto& s = c->session;
    const auto evse_back = [&] {
        const auto loc = location(s.location_id);
        const auto* evse = loc ? loc->find_evse(s.evse_uid) : nullptr;
        if (evse != nullptr && evse->status == scpi::Status::CHARGING) {
            set_evse_status(s.location_id, s.evse_uid, scpi::Status::AVAILABLE);
        }
    };
    if (s.status != scpi::SessionStatus::ACTIVE) {
        // Stopped, or the charger failed, before charging began: INVALID, not billed, no CDR (OCPI 2.2 §9.4.2).
        s.status = scpi::SessionStatus::INVALID;
        s.end_date_time = now;
        s.last_updated = now;
        store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), now);
        push_session(s, c->to_msp, c->correlation);
        store_.delete_charging(session_id);
        evse_back();
        return;
    }
    const auto priced = price_so_far(*c, now);
    s.end_date_time = now;
    s.status = scpi::SessionStatus::COMPLETED;
    s.last_updated = now;
    const auto& periods = s.charging_periods;
    const auto tariff = tariffs_.find(c->tariff_id);
    const auto loc = location(s.location_id);
    store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), now);
    push_session(s, c->to_msp, c->correlation);

    scpi::Cdr cdr;
    cdr.country_code = c->session.country_code;
    cdr.party_id = c->session.party_id;
    cdr.id = core::random_uuid();
    cdr.start_date_time = c->session.start_date_time;
    cdr.end_date_time = now;
    cdr.session_id = c->session.id;
    cdr.cdr_token = c->session.cdr_token;
    cdr.auth_method = c->session.auth_method;
    cdr.authorization_reference = c->session.authorization_reference;
    if (loc) {
        cdr.cdr_location.id = loc->id;
        cdr.cdr_location.name = loc->name;
        cdr.cdr_location.address = loc->address;
        cdr.cdr_location.city = loc->city;
        cdr.cdr_location.postal_code = loc->postal_code;
        cdr.cdr_location.state = loc->state;
        cdr.cdr_location.country = loc->country;
        cdr.cdr_location.coordinates = loc->coordinates;
        if (const auto* evse = loc->find_evse(c->session.evse_uid)) {
            cdr.cdr_location.evse_uid = evse->uid;
            cdr.cdr_location.evse_id = evse->evse_id.value_or(evse->uid);
            for (const auto& con : evse->connectors) {
                if (con.id == c->session.connector_id) {
                    cdr.cdr_location.connector_id = con.id;
                    cdr.cdr_location.connector_standard = con.standard;
                    cdr.cdr_location.connector_format = con.format;
                    cdr.cdr_location.connector_power_type = con.power_type;
                }
            }
        }
    }
    cdr.currency = c->session.currency;
    if (tariff != tariffs_.end()) {
        cdr.tariffs.push_back(tariff->second);
    }
    cdr.charging_periods = periods;
    if (dialect().is_ocpi()) {
        cdr.home_charging_compensation = false;  // OCPI 2.2.1 §10.3.1 (CDR object): a public charger, not a home one
    }
    cdr.total_cost = priced.total.price();
    if (priced.fixed.excl != 0) {
        cdr.total_fixed_cost = priced.fixed.price();
    }
    cdr.total_energy = pricing::to_double(priced.total_energy);
    if (priced.has_energy) {
        cdr.total_energy_cost = priced.energy.price();
    }
    cdr.total_time = pricing::to_double(priced.total_time);
    if (priced.has_time) {
        cdr.total_time_cost = priced.time.price();
    }
    cdr.total_parking_time = pricing::to_double(priced.total_parking_time);
    if (priced.has_parking) {
        cdr.total_parking_cost = priced.parking.price();
    }
    cdr.last_updated = now;
    // OCPI 2.2.1 peers get the 2.2.1 members too (home_charging_compensation).
    const auto text = scpi::to_text(cdr, dialect().is_ocpi() ? scpi::Members::v2_2_1 : scpi::Members::v2_2);
    (void)store_.add_cdr({cdr.country_code, cdr.party_id, cdr.id}, text, now);
    delivery_.send("session:" + c->session.id, "POST", "cdrs", text, c->to_msp, c->correlation);
    store_.delete_charging(session_id);
    evse_back();
    log_.info("CDR " + cdr.id + ": " + pricing::to_text(priced.total.excl) + " " + cdr.currency);
}

void Cpo::expire_reservations() {
    // A START that is to consume a reservation does so before the reservation can expire.
    if (std::any_of(starting_.begin(), starting_.end(), [](const PendingStart& p) { return p.where.reservation; })) {
        settle_starts();
    }
    for (const auto& r : store_.expire_reservations(clock_.now())) {
        set_evse_status(r.location_id, r.evse_uid, scpi::Status::AVAILABLE);
        // The CPO ended it: CANCELED_RESERVATION to the RESERVE_NOW's response_url (OCPI 2.2 §13.2.2).
        if (const auto rs = reservation_session(r.id)) {
            send_result(rs->response_url, scpi::CommandResultType::CANCELED_RESERVATION,
                        "Reservation " + r.id + " expired", rs->to_msp, rs->correlation);
        }
        end_reservation_session(r.id);
        log_.info("Reservation " + r.id + " expired");
    }
    reservations_timer_.expires_after(1s);
    reservations_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            expire_reservations();
        }
    });
}

void Cpo::stop_all() {
    stop();
    try {
        settle_starts();   // every START answered is carried out
        flush_sessions();  // the stored copies as the sessions were last ticked
    } catch (const std::exception& e) {
        log_.warn(std::string("the latest states of charging sessions not stored: ") + e.what());
    }
    delivery_.stop();
    reservations_timer_.cancel();
    starter_.cancel();
    ticker_.cancel();
    agenda_.clear();
    for (auto& [id, c] : charging_) {
        c->next_tick.reset();
    }
}

}  // namespace scn::party
