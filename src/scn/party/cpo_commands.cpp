// The mock CPO's commands receiver and its charging simulation.
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
constexpr auto kFirstPushDelay = 1s;
constexpr auto kMaxReservation = std::chrono::hours(12);

std::string kwh_text(double kwh) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.4f", kwh);
    return buf.data();
}

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

}  // namespace

boost::asio::awaitable<http::Response> Cpo::command(http::Request& req) {
    authenticate(req);
    const auto type = scpi::enum_from_string<scpi::CommandType>(req.param("command"));
    if (!type) {
        throw scpi::Error::not_found("unknown command " + std::string(req.param("command")) +
                                     " (expected START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION or "
                                     "UNLOCK_CONNECTOR)");
    }
    const auto routing = service::routing_of(req);
    const std::string correlation(req.header(scpi::header::kCorrelationId).value_or(""));
    CommandOutcome r;
    switch (*type) {
        case scpi::CommandType::START_SESSION:
            r = start_session(service::body_as<scpi::StartSession>(req), routing, correlation);
            break;
        case scpi::CommandType::STOP_SESSION:
            r = stop_session(service::body_as<scpi::StopSession>(req), routing, correlation);
            break;
        case scpi::CommandType::RESERVE_NOW:
            r = reserve_now(service::body_as<scpi::ReserveNow>(req), routing, correlation);
            break;
        case scpi::CommandType::CANCEL_RESERVATION:
            r = cancel_reservation(service::body_as<scpi::CancelReservation>(req), routing, correlation);
            break;
        case scpi::CommandType::UNLOCK_CONNECTOR:
            r = unlock_connector(service::body_as<scpi::UnlockConnector>(req), routing, correlation);
            break;
    }
    const json::value data = scpi::to_json(r.response);
    auto res = http::Response::json(200, scpi::envelope(r.status_code, std::nullopt, &data, clock_.now()));
    service::echo_headers(req, res, true);
    co_return res;
}

void Cpo::send_result(const std::string& response_url, scpi::CommandResultType result, const std::string& message,
                      const scpi::RoutingHeaders& routing, const std::string& correlation) {
    scpi::CommandResult r;
    r.result = result;
    if (!message.empty()) {
        r.message.push_back({"en", message});
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, kResultDelay);
    timer->async_wait([this, alive = std::weak_ptr<int>(alive_), timer, response_url, body = scpi::to_text(r),
                       back = routing.reversed(), correlation](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            delivery_.send("result:" + response_url, "POST", response_url, body, back, correlation);
        }
    });
}

Cpo::CommandOutcome Cpo::start_session(const scpi::StartSession& cmd, const scpi::RoutingHeaders& routing,
                                       const std::string& correlation) {
    auto loc = location(cmd.location_id);
    if (!loc) {
        return unknown_location(cmd.location_id);
    }
    const scpi::Evse* evse = nullptr;
    if (cmd.evse_uid) {
        evse = loc->find_evse(*cmd.evse_uid);
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "Unknown EVSE " + *cmd.evse_uid + " at " + loc->id);
        }
    } else {
        for (const auto& e : loc->evses) {
            if (e.status == scpi::Status::AVAILABLE) {
                evse = &e;
                break;
            }
        }
        if (evse == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "No available EVSE at " + loc->id);
        }
    }
    const auto reservation = store_.reservation_on_evse(loc->id, evse->uid);
    if (reservation && reservation->token_uid != cmd.token.uid) {
        return response(
            scpi::CommandResponseType::REJECTED,
            "EVSE " + evse->uid + " is reserved for another token until " + core::format_datetime(reservation->expiry));
    }
    if (evse->status != scpi::Status::AVAILABLE && !(evse->status == scpi::Status::RESERVED && reservation)) {
        return response(scpi::CommandResponseType::REJECTED,
                        "EVSE " + evse->uid + " is " + std::string(scpi::to_string(evse->status)));
    }
    const scpi::Connector* connector = &evse->connectors.front();
    if (cmd.connector_id) {
        connector = nullptr;
        for (const auto& c : evse->connectors) {
            if (c.id == *cmd.connector_id) {
                connector = &c;
            }
        }
        if (connector == nullptr) {
            return response(scpi::CommandResponseType::REJECTED, "Unknown connector " + *cmd.connector_id);
        }
    }
    if (reservation) {
        store_.delete_reservation(reservation->id);  // consumed by its token starting to charge
    }
    const auto now = clock_.now();
    auto c = std::make_unique<Charging>();
    c->session.country_code = config_.roles.front().country_code;
    c->session.party_id = config_.roles.front().party_id;
    c->session.id = core::random_uuid();
    c->session.start_date_time = now;
    c->session.kwh = 0;
    c->session.cdr_token = scpi::cdr_token_of(cmd.token);
    c->session.auth_method = scpi::AuthMethod::COMMAND;
    c->session.authorization_reference = cmd.authorization_reference;
    c->session.location_id = loc->id;
    c->session.evse_uid = evse->uid;
    c->session.connector_id = connector->id;
    c->session.currency = "EUR";
    if (!connector->tariff_ids.empty()) {
        c->tariff_id = connector->tariff_ids.front();
        if (const auto t = tariffs_.find(c->tariff_id); t != tariffs_.end()) {
            c->session.currency = t->second.currency;
        }
    }
    c->session.status = scpi::SessionStatus::ACTIVE;
    c->session.last_updated = now;
    c->power_kw = connector_kw(*connector);
    c->to_msp = routing.reversed();
    c->correlation = correlation;
    c->last_tick = now;
    const std::string id = c->session.id;
    store_.put_session({c->session.country_code, c->session.party_id, id}, scpi::to_text(c->session), now);
    persist(*c);
    charging_[id] = std::move(c);
    set_evse_status(loc->id, evse->uid, scpi::Status::CHARGING);
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing, correlation);
    schedule(id, kFirstPushDelay);
    log_.info("Session " + id + " started at " + loc->id + "/" + evse->uid);
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::stop_session(const scpi::StopSession& cmd, const scpi::RoutingHeaders& routing,
                                      const std::string& correlation) {
    if (charging_.find(cmd.session_id) == charging_.end()) {
        return response(scpi::CommandResponseType::UNKNOWN_SESSION, "No active session " + cmd.session_id);
    }
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing, correlation);
    auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, kResultDelay + 100ms);
    timer->async_wait(
        [this, alive = std::weak_ptr<int>(alive_), timer, id = cmd.session_id](const boost::system::error_code& ec) {
            if (!ec && !alive.expired()) {
                finish(id);
            }
        });
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::reserve_now(const scpi::ReserveNow& cmd, const scpi::RoutingHeaders& routing,
                                     const std::string& correlation) {
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
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing, correlation);
    log_.info("Reservation " + cmd.reservation_id + " holds " + loc->id + "/" + evse->uid + " until " +
              core::format_datetime(cmd.expiry_date));
    return response(scpi::CommandResponseType::ACCEPTED);
}

Cpo::CommandOutcome Cpo::cancel_reservation(const scpi::CancelReservation& cmd, const scpi::RoutingHeaders& routing,
                                            const std::string& correlation) {
    const auto r = store_.reservation(cmd.reservation_id);
    if (!r) {
        return response(scpi::CommandResponseType::REJECTED, "Unknown reservation " + cmd.reservation_id);
    }
    store_.delete_reservation(r->id);
    set_evse_status(r->location_id, r->evse_uid, scpi::Status::AVAILABLE);
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing, correlation);
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
        return response(scpi::CommandResponseType::REJECTED,
                        "Unknown EVSE or connector " + cmd.evse_uid + "/" + cmd.connector_id + " at " + loc->id);
    }
    send_result(cmd.response_url, scpi::CommandResultType::ACCEPTED, {}, routing, correlation);
    return response(scpi::CommandResponseType::ACCEPTED);
}

void Cpo::persist(const Charging& c) {
    json::object state;
    state["session"] = scpi::to_json(c.session);
    state["power_kw"] = c.power_kw;
    state["tariff_id"] = c.tariff_id;
    state["to"] = {{"from_country_code", c.to_msp.from_country_code},
                   {"from_party_id", c.to_msp.from_party_id},
                   {"to_country_code", c.to_msp.to_country_code},
                   {"to_party_id", c.to_msp.to_party_id}};
    state["correlation"] = c.correlation;
    state["last_tick"] = core::format_datetime(c.last_tick);
    store_.put_charging(c.session.id, scpi::dump(state));
}

void Cpo::resume_charging() {
    for (const auto& [id, text] : store_.charging()) {
        const auto state = scpi::parse_json(text).as_object();
        auto c = std::make_unique<Charging>();
        c->session = scpi::from_json<scpi::Session>(state.at("session"));
        c->power_kw = state.at("power_kw").to_number<double>();
        c->tariff_id = std::string(state.at("tariff_id").as_string());
        const auto& to = state.at("to").as_object();
        c->to_msp = {std::string(to.at("from_country_code").as_string()),
                     std::string(to.at("from_party_id").as_string()), std::string(to.at("to_country_code").as_string()),
                     std::string(to.at("to_party_id").as_string())};
        c->correlation = std::string(state.at("correlation").as_string());
        // The charger kept charging while this process was down: the next tick adds that time's energy.
        c->last_tick = *core::parse_datetime(std::string_view(state.at("last_tick").as_string()));
        charging_[id] = std::move(c);
        log_.info("Session " + id + " resumed");
        schedule(id, kFirstPushDelay);
    }
}

void Cpo::schedule(const std::string& session_id, std::chrono::milliseconds delay) {
    auto& c = *charging_.at(session_id);
    if (!c.timer) {
        c.timer = std::make_unique<boost::asio::steady_timer>(ioc_);
    }
    c.timer->expires_after(delay);
    c.timer->async_wait([this, alive = std::weak_ptr<int>(alive_), session_id](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            tick(session_id);
        }
    });
}

void Cpo::tick(const std::string& session_id) {
    const auto it = charging_.find(session_id);
    if (it == charging_.end()) {
        return;
    }
    auto& c = *it->second;
    const auto now = clock_.now();
    const double hours = std::chrono::duration<double, std::ratio<3600>>(now - c.last_tick).count();
    c.session.kwh += c.power_kw * std::max(0.0, hours);
    c.last_tick = now;
    c.session.last_updated = now;
    store_.put_session({c.session.country_code, c.session.party_id, c.session.id}, scpi::to_text(c.session), now);
    persist(c);
    push_session(c.session, c);
    schedule(session_id, std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_update_interval));
}

void Cpo::push_session(const scpi::Session& session, const Charging& c) {
    delivery_.send("session:" + session.id, "PUT",
                   "sessions/" + session.country_code + "/" + session.party_id + "/" + session.id,
                   scpi::to_text(session), c.to_msp, c.correlation);
    log_.info("Session " + session.id + " " + std::string(scpi::to_string(session.status)) + " - " +
              kwh_text(session.kwh) + " kWh");
}

void Cpo::finish(const std::string& session_id) {
    const auto it = charging_.find(session_id);
    if (it == charging_.end()) {
        return;
    }
    auto c = std::move(it->second);
    charging_.erase(it);
    if (c->timer) {
        c->timer->cancel();
    }
    const auto now = clock_.now();
    const double hours = std::chrono::duration<double, std::ratio<3600>>(now - c->last_tick).count();
    c->session.kwh += c->power_kw * std::max(0.0, hours);
    c->session.end_date_time = now;
    c->session.status = scpi::SessionStatus::COMPLETED;
    c->session.last_updated = now;

    const auto tariff = tariffs_.find(c->tariff_id);
    const scpi::Tariff* applied = tariff == tariffs_.end() ? nullptr : &tariff->second;
    const auto loc = location(c->session.location_id);
    // Priced per SCPI §5 in the location's local time: periods cut where a price changes, then priced exactly.
    const pricing::TimeZone zone(loc ? loc->time_zone : std::string());
    std::optional<double> current;
    if (loc) {
        if (const auto* evse = loc->find_evse(c->session.evse_uid)) {
            for (const auto& con : evse->connectors) {
                if (con.id == c->session.connector_id && con.max_amperage > 0) {
                    current = con.max_amperage;
                }
            }
        }
    }
    const pricing::SimulatedSession simulated{c->session.start_date_time, now, now, c->power_kw, current};
    const auto periods = pricing::build_periods(applied, zone, simulated);
    const auto priced = applied != nullptr
                            ? pricing::price_periods(*applied, zone, c->session.start_date_time, now, periods)
                            : pricing::price_periods(scpi::Tariff{}, zone, c->session.start_date_time, now, periods);
    c->session.kwh = pricing::to_double(priced.total_energy);
    c->session.charging_periods = periods;
    c->session.total_cost = priced.total.price();
    store_.put_session({c->session.country_code, c->session.party_id, c->session.id}, scpi::to_text(c->session), now);
    push_session(c->session, *c);

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
    (void)store_.add_cdr({cdr.country_code, cdr.party_id, cdr.id}, scpi::to_text(cdr), now);
    delivery_.send("session:" + c->session.id, "POST", "cdrs", scpi::to_text(cdr), c->to_msp, c->correlation);
    store_.delete_charging(session_id);
    set_evse_status(c->session.location_id, c->session.evse_uid, scpi::Status::AVAILABLE);
    log_.info("CDR " + cdr.id + ": " + pricing::to_text(priced.total.excl) + " " + cdr.currency);
}

void Cpo::expire_reservations() {
    for (const auto& r : store_.expire_reservations(clock_.now())) {
        set_evse_status(r.location_id, r.evse_uid, scpi::Status::AVAILABLE);
        log_.info("Reservation " + r.id + " expired");
    }
    reservations_timer_.expires_after(5s);
    reservations_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            expire_reservations();
        }
    });
}

void Cpo::stop_all() {
    stop();
    delivery_.stop();
    reservations_timer_.cancel();
    for (auto& [id, c] : charging_) {
        if (c->timer) {
            c->timer->cancel();
        }
    }
}

}  // namespace scn::party
