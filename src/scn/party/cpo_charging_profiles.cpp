// The mock CPO's smart charging: the charging profiles receiver (OCPI 2.2 §14), limits set on an ongoing session,
// answered at once and confirmed at the sender's response_url, the simulated charger delivering at most the limit in
// force; and a driver's charging preferences on a session (OCPI 2.2 §9.2.1.3).
#include <scn/core/datetime.hpp>
#include <scn/party/cpo.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace scn::party {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kProfileTimeout = 30;
constexpr auto kResultDelay = 300ms;
/// A GET may ask for the schedule of at most a day ahead.
constexpr int kMaxDuration = 86400;

double round1(double v) {
    return std::round(v * 10.0) / 10.0;
}

http::Response answer(scpi::ChargingProfileResponseType result, core::TimePoint now) {
    scpi::ChargingProfileResponse r;
    r.result = result;
    r.timeout = kProfileTimeout;
    const json::value data = scpi::to_json(r);
    return http::Response::json(200, scpi::envelope(1000, std::nullopt, &data, now));
}

/// The query parameter `name`, required (OCPI 2.2 §14.2.2.1, §14.2.2.3): 2001 when missing or empty.
std::string required_param(const http::Request& req, std::string_view name) {
    auto v = req.query_param(name);
    if (!v || v->empty()) {
        throw scpi::Error::invalid("missing query parameter " + std::string(name) + " (OCPI 2.2 §14.2.2)");
    }
    return std::move(*v);
}

/// What a profile may contain (OCPI 2.2 §14.4.3, §14.4.4): 2001 naming the member that is wrong.
void check_profile(const scpi::ChargingProfile& p) {
    if (p.duration && *p.duration <= 0) {
        throw scpi::ParseError("$.charging_profile.duration", "must be a positive number of seconds");
    }
    if (p.min_charging_rate && !(std::isfinite(*p.min_charging_rate) && *p.min_charging_rate >= 0)) {
        throw scpi::ParseError("$.charging_profile.min_charging_rate", "must not be negative");
    }
    for (std::size_t i = 0; i < p.charging_profile_period.size(); ++i) {
        const auto& period = p.charging_profile_period[i];
        const std::string path = "$.charging_profile.charging_profile_period[" + std::to_string(i) + "]";
        if (period.start_period < 0) {
            throw scpi::ParseError(path + ".start_period", "must not be negative");
        }
        if (i > 0 && period.start_period <= p.charging_profile_period[i - 1].start_period) {
            throw scpi::ParseError(path + ".start_period", "periods must be in increasing start_period order");
        }
        if (!std::isfinite(period.limit) || period.limit < 0) {
            throw scpi::ParseError(path + ".limit", "must not be negative");
        }
    }
}

bool owned_by(const scpi::CdrToken& token, const scpi::RoutingHeaders& routing) {
    return token.country_code && token.party_id && http::iequals(*token.country_code, routing.from_country_code) &&
           http::iequals(*token.party_id, routing.from_party_id);
}

/// kW per ampere of a per-phase current limit at `c` (voltage × phases, as its power is computed).
double kw_per_ampere(const scpi::Connector& c) {
    const double phases = c.power_type == scpi::PowerType::AC_3_PHASE ? 3.0 : 1.0;
    return c.max_voltage * phases / 1000.0;
}

}  // namespace

void Cpo::add_charging_profile_routes(http::Router& router) {
    const std::string path = "/scpi/receiver/2.2/chargingprofiles/{session_id}";
    router.add(http::Method::put, path, module_route([this](http::Request& req) { return set_charging_profile(req); }));
    router.add(http::Method::get, path, module_route([this](http::Request& req) { return get_charging_profile(req); }));
    router.add(http::Method::del, path,
               module_route([this](http::Request& req) { return clear_charging_profile(req); }));
    router.add(http::Method::put, "/scpi/sender/2.2/sessions/{session_id}/charging_preferences",
               module_route([this](http::Request& req) { return set_charging_preferences(req); }));
}

// OCPI 2.2 §14.2.1.2: the CPO tells the eMSP (on its chargingprofiles SENDER interface) when the charging profile in
// force changed by itself; here, when a profile set on the session ends. Sessions without a profile set never get one.
void Cpo::push_active_profile(const Charging& c, core::TimePoint now) {
    scpi::ActiveChargingProfile active;
    active.start_date_time = now;
    active.charging_profile.start_date_time = now;
    active.charging_profile.charging_rate_unit = scpi::ChargingRateUnit::W;
    active.charging_profile.charging_profile_period.push_back({0, round1(power_at(c, now) * 1000.0)});
    delivery_.send("session:" + c.session.id, "PUT", "sender:chargingprofiles/" + c.session.id, scpi::to_text(active),
                   c.to_msp, c.correlation);
    log_.info("Session " + c.session.id + " charging profile ended: the active profile sent to the eMSP");
}

// OCPI 2.2 §9.2.1.3: the eMSP sends the driver's preferences for a session it owns; an EVSE without the
// CHARGING_PREFERENCES_CAPABLE capability cannot take them. The mock charger does not discharge.
http::Response Cpo::set_charging_preferences(http::Request& req) {
    const auto routing = service::routing_of(req);
    const auto preferences = scpi::from_json<scpi::ChargingPreferences>(scpi::parse_json(req.body));
    const std::string session_id(req.param("session_id"));
    const auto it = charging_.find(session_id);
    if (it == charging_.end() || !owned_by(it->second->session.cdr_token, routing)) {
        throw scpi::Error::not_found("unknown session " + session_id + " (or not one of the caller's, or ended)");
    }
    auto& c = *it->second;
    const auto loc = location(c.session.location_id);
    const auto* evse = loc ? loc->find_evse(c.session.evse_uid) : nullptr;
    if (evse == nullptr || std::find(evse->capabilities.begin(), evse->capabilities.end(),
                                     scpi::Capability::CHARGING_PREFERENCES_CAPABLE) == evse->capabilities.end()) {
        throw scpi::Error(2001, 404,
                          "EVSE " + c.session.evse_uid +
                              " does not take charging preferences (it lacks the "
                              "CHARGING_PREFERENCES_CAPABLE capability)");
    }
    using R = scpi::ChargingPreferencesResponse;
    R result = R::ACCEPTED;
    const bool smart =
        preferences.profile_type == scpi::ProfileType::CHEAP || preferences.profile_type == scpi::ProfileType::GREEN;
    if (preferences.discharge_allowed.value_or(false)) {
        result = R::NOT_POSSIBLE;
    } else if (smart && !preferences.departure_time) {
        result = R::DEPARTURE_REQUIRED;
    } else if (smart && !preferences.energy_need) {
        result = R::ENERGY_NEED_REQUIRED;
    } else if (preferences.departure_time && *preferences.departure_time <= clock_.now()) {
        result = R::NOT_POSSIBLE;
    }
    log_.info("Session " + session_id + " charging preferences " +
              std::string(scpi::to_string(preferences.profile_type)) + ": " + std::string(scpi::to_string(result)));
    return service::ok(json::value(scpi::to_string(result)), clock_);
}

std::variant<Cpo::Charging*, scpi::ChargingProfileResponseType> Cpo::profile_target(
    std::string_view session_id, const scpi::RoutingHeaders& routing) {
    const auto it = charging_.find(std::string(session_id));
    // Another party's session is not disclosed: unknown to the caller, as an ended one.
    if (it == charging_.end() || !owned_by(it->second->session.cdr_token, routing)) {
        return scpi::ChargingProfileResponseType::UNKNOWN_SESSION;
    }
    auto& c = *it->second;
    if (c.session.status != scpi::SessionStatus::ACTIVE) {
        return scpi::ChargingProfileResponseType::REJECTED;  // the charger has not begun yet
    }
    const auto loc = location(c.session.location_id);
    const auto* evse = loc ? loc->find_evse(c.session.evse_uid) : nullptr;
    if (evse == nullptr || std::find(evse->capabilities.begin(), evse->capabilities.end(),
                                     scpi::Capability::CHARGING_PROFILE_CAPABLE) == evse->capabilities.end()) {
        return scpi::ChargingProfileResponseType::NOT_SUPPORTED;
    }
    return &c;
}

http::Response Cpo::set_charging_profile(http::Request& req) {
    const auto routing = service::routing_of(req);
    const std::string correlation(req.header(scpi::header::kCorrelationId).value_or(""));
    auto set = scpi::from_json<scpi::SetChargingProfile>(scpi::parse_json(req.body));
    if (set.response_url.empty()) {
        throw scpi::ParseError("$.response_url", "must not be empty");
    }
    check_profile(set.charging_profile);
    const auto target = profile_target(req.param("session_id"), routing);
    const auto now = clock_.now();
    if (const auto* refused = std::get_if<scpi::ChargingProfileResponseType>(&target)) {
        return answer(*refused, now);
    }
    auto& c = *std::get<Charging*>(target);
    apply_profile(c, std::move(set.charging_profile), now);
    persist(c);
    send_profile_result(set.response_url, scpi::to_text(scpi::ChargingProfileResult{}), routing.reversed(),
                        correlation);
    std::array<char, 32> kw{};
    std::snprintf(kw.data(), kw.size(), "%.2f", power_at(c, now));
    log_.info("Session " + c.session.id + " charging profile set: now " + kw.data() + " kW");
    return answer(scpi::ChargingProfileResponseType::ACCEPTED, now);
}

http::Response Cpo::get_charging_profile(http::Request& req) {
    const auto routing = service::routing_of(req);
    const std::string correlation(req.header(scpi::header::kCorrelationId).value_or(""));
    const auto duration_text = required_param(req, "duration");
    const auto response_url = required_param(req, "response_url");
    int duration = 0;
    const auto* end = duration_text.data() + duration_text.size();
    const auto [ptr, ec] = std::from_chars(duration_text.data(), end, duration);
    if (ec != std::errc() || ptr != end || duration <= 0 || duration > kMaxDuration) {
        throw scpi::Error::invalid("duration must be a number of seconds from 1 to " + std::to_string(kMaxDuration) +
                                   ", not '" + duration_text + "'");
    }
    const auto target = profile_target(req.param("session_id"), routing);
    const auto now = clock_.now();
    if (const auto* refused = std::get_if<scpi::ChargingProfileResponseType>(&target)) {
        return answer(*refused, now);
    }
    const auto& c = *std::get<Charging*>(target);
    // The charger's composite schedule for the coming `duration` seconds, in W (OCPI 2.2 §14.4.1).
    scpi::ActiveChargingProfile active;
    active.start_date_time = now;
    active.charging_profile.start_date_time = now;
    active.charging_profile.duration = duration;
    active.charging_profile.charging_rate_unit = scpi::ChargingRateUnit::W;
    auto& periods = active.charging_profile.charging_profile_period;
    periods.push_back({0, round1(power_at(c, now) * 1000.0)});
    for (const auto& step : c.power_steps) {
        const auto offset = std::chrono::duration_cast<std::chrono::seconds>(step.from - now).count();
        if (step.from <= now || offset >= duration) {
            continue;
        }
        if (periods.back().start_period == static_cast<int>(offset)) {
            periods.pop_back();  // two steps within a second: the later one holds
        }
        periods.push_back({static_cast<int>(offset), round1(step.kw * 1000.0)});
    }
    scpi::ActiveChargingProfileResult result;
    result.profile = std::move(active);
    send_profile_result(response_url, scpi::to_text(result), routing.reversed(), correlation);
    return answer(scpi::ChargingProfileResponseType::ACCEPTED, now);
}

http::Response Cpo::clear_charging_profile(http::Request& req) {
    const auto routing = service::routing_of(req);
    const std::string correlation(req.header(scpi::header::kCorrelationId).value_or(""));
    const auto response_url = required_param(req, "response_url");
    const auto target = profile_target(req.param("session_id"), routing);
    const auto now = clock_.now();
    if (const auto* refused = std::get_if<scpi::ChargingProfileResponseType>(&target)) {
        return answer(*refused, now);
    }
    auto& c = *std::get<Charging*>(target);
    scpi::ClearProfileResult result;
    if (c.profile) {
        apply_profile(c, std::nullopt, now);
        persist(c);
        log_.info("Session " + c.session.id + " charging profile cleared");
    } else {
        result.result = scpi::ChargingProfileResultType::UNKNOWN;  // no profile to clear (OCPI 2.2 §14.4.5)
    }
    send_profile_result(response_url, scpi::to_text(result), routing.reversed(), correlation);
    return answer(scpi::ChargingProfileResponseType::ACCEPTED, now);
}

void Cpo::apply_profile(Charging& c, std::optional<scpi::ChargingProfile> profile, core::TimePoint now) {
    // The past stays as it was; from now on the new profile (or none) decides.
    auto& steps = c.power_steps;
    steps.erase(std::remove_if(steps.begin(), steps.end(), [now](const auto& s) { return s.from >= now; }),
                steps.end());
    const auto add = [&](core::TimePoint from, double kw) {
        const double before = steps.empty() ? c.power_kw : steps.back().kw;
        if (kw != before) {
            steps.push_back({from, kw});
        }
    };
    if (!profile) {
        c.profile.reset();
        add(now, c.power_kw);
        return;
    }
    double per_ampere = 0;
    if (const auto loc = location(c.session.location_id)) {
        if (const auto* evse = loc->find_evse(c.session.evse_uid)) {
            for (const auto& con : evse->connectors) {
                if (con.id == c.session.connector_id) {
                    per_ampere = kw_per_ampere(con);
                }
            }
        }
    }
    const auto limit_kw = [&](double limit) {
        const double kw =
            profile->charging_rate_unit == scpi::ChargingRateUnit::W ? limit / 1000.0 : limit * per_ampere;
        return std::min(c.power_kw, kw);
    };
    const auto start = profile->start_date_time.value_or(now);
    profile->start_date_time = start;
    const auto end = profile->duration ? start + std::chrono::seconds(*profile->duration) : core::TimePoint::max();
    // The limit in force now, then each later change up to the end of the profile.
    const auto& periods = profile->charging_profile_period;
    double current = c.power_kw;
    for (const auto& p : periods) {
        if (start + std::chrono::seconds(p.start_period) <= now && now < end) {
            current = limit_kw(p.limit);
        }
    }
    add(now, current);
    for (const auto& p : periods) {
        const auto from = start + std::chrono::seconds(p.start_period);
        if (from > now && from < end) {
            add(from, limit_kw(p.limit));
        }
    }
    if (end > now && end != core::TimePoint::max()) {
        add(end, c.power_kw);
    }
    c.profile = std::move(profile);
}

void Cpo::send_profile_result(const std::string& response_url, std::string body, const scpi::RoutingHeaders& to_msp,
                              const std::string& correlation) {
    after(kResultDelay, [this, response_url, body = std::move(body), to_msp, correlation] {
        delivery_.send("result:" + response_url, "POST", response_url, body, to_msp, correlation);
    });
}

double Cpo::power_at(const Charging& c, core::TimePoint t) {
    double kw = c.power_kw;
    for (const auto& step : c.power_steps) {
        if (step.from > t) {
            break;
        }
        kw = step.kw;
    }
    return kw;
}

std::vector<scpi::ChargingPeriod> Cpo::charging_periods(const Charging& c, const scpi::Tariff* tariff,
                                                        const pricing::TimeZone& zone, core::TimePoint end,
                                                        std::optional<double> current) {
    const auto start = c.session.start_date_time;
    // Each stretch of constant power is built on its own, so every change of power opens a period with its
    // MAX_POWER (and MAX_CURRENT scaled alike). Energy and duration restrictions of a tariff are placed within
    // each stretch only.
    std::vector<core::TimePoint> bounds{start};
    for (const auto& step : c.power_steps) {
        if (step.from > start && step.from < end) {
            bounds.push_back(step.from);
        }
    }
    bounds.push_back(end);
    std::vector<scpi::ChargingPeriod> out;
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
        const double kw = power_at(c, bounds[i]);
        std::optional<double> amps = current;
        if (amps && c.power_kw > 0) {
            *amps = round1(*amps * kw / c.power_kw);
        }
        const pricing::SimulatedSession stretch{bounds[i], bounds[i + 1], bounds[i + 1], kw, amps};
        auto periods = pricing::build_periods(tariff, zone, stretch);
        out.insert(out.end(), std::make_move_iterator(periods.begin()), std::make_move_iterator(periods.end()));
    }
    return out;
}

json::value Cpo::limits_json(const Charging& c) {
    json::array steps;
    for (const auto& s : c.power_steps) {
        json::object o;
        o["from"] = core::format_datetime(s.from);
        o["kw"] = s.kw;
        steps.push_back(std::move(o));
    }
    json::object out;
    out["steps"] = std::move(steps);
    if (c.profile) {
        out["profile"] = scpi::to_json(*c.profile);
    }
    return out;
}

void Cpo::restore_limits(Charging& c, const json::object& state) {
    const auto* limits = state.if_contains("limits");
    if (limits == nullptr || !limits->is_object()) {
        return;  // saved before charging profiles existed
    }
    const auto& o = limits->get_object();
    if (const auto* steps = o.if_contains("steps"); steps != nullptr && steps->is_array()) {
        for (const auto& s : steps->get_array()) {
            const auto from = core::parse_datetime(std::string_view(s.at("from").as_string()));
            if (from) {
                c.power_steps.push_back({*from, s.at("kw").to_number<double>()});
            }
        }
    }
    if (const auto* p = o.if_contains("profile")) {
        c.profile = scpi::from_json<scpi::ChargingProfile>(*p);
    }
}

}  // namespace scn::party
