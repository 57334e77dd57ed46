// The mock CPO's charging simulation: the sessions' stored state and its resumption, one ticker for all of them, the
// updates they push (OCPI 2.2 §9.2.2) and what they cost so far (§11).
#include <scn/core/datetime.hpp>
#include <scn/party/cpo.hpp>
#include <scn/pricing/tariff_pricing.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdio>

namespace scn::party {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kChargerStartDelay = 500ms;
/// Sessions whose ticks fall due this close together are ticked in one batch (one timer, one transaction).
constexpr auto kTickBatch = 50ms;
/// The summary line: every few seconds while more sessions than this charge.
constexpr std::size_t kSummaryAbove = 100;
constexpr auto kSummaryEvery = 5s;

/// Where a session's pushes go: the recipient's sessions receiver, at the session's id (OCPI 2.2 §9.2.2).
std::string session_target(const scpi::Session& s) {
    return "sessions/" + s.country_code + "/" + s.party_id + "/" + s.id;
}

std::string kwh_text(double kwh) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.4f", kwh);
    return buf.data();
}

json::object routing_json(const scpi::RoutingHeaders& r) {
    return {{"from_country_code", r.from_country_code},
            {"from_party_id", r.from_party_id},
            {"to_country_code", r.to_country_code},
            {"to_party_id", r.to_party_id}};
}

scpi::RoutingHeaders routing_from_json(const json::value& v) {
    const auto& o = v.as_object();
    return {std::string(o.at("from_country_code").as_string()), std::string(o.at("from_party_id").as_string()),
            std::string(o.at("to_country_code").as_string()), std::string(o.at("to_party_id").as_string())};
}

}  // namespace

void Cpo::save_reservation_session(const std::string& reservation_id, const ReservationSession& r) {
    const json::object o{{"session_id", r.session_id},
                         {"to", routing_json(r.to_msp)},
                         {"correlation", r.correlation},
                         {"response_url", r.response_url}};
    store_.set_setting("reservation_session:" + reservation_id, scpi::dump(o));
}

std::optional<Cpo::ReservationSession> Cpo::reservation_session(const std::string& reservation_id) {
    const auto text = store_.setting("reservation_session:" + reservation_id);
    if (!text) {
        return std::nullopt;
    }
    const auto o = scpi::parse_json(*text).as_object();
    return ReservationSession{std::string(o.at("session_id").as_string()), routing_from_json(o.at("to")),
                              std::string(o.at("correlation").as_string()),
                              std::string(o.at("response_url").as_string())};
}

void Cpo::end_reservation_session(const std::string& reservation_id) {
    const auto r = reservation_session(reservation_id);
    store_.erase_setting("reservation_session:" + reservation_id);
    if (!r) {
        return;
    }
    const auto& me = config_.roles.front();
    const auto stored = store_.session({me.country_code, me.party_id, r->session_id});
    if (!stored) {
        return;
    }
    auto s = scpi::from_json<scpi::Session>(scpi::parse_json(*stored));
    const auto now = clock_.now();
    s.status = scpi::SessionStatus::COMPLETED;  // never used (OCPI 2.2 §9.1); free, so no CDR
    s.end_date_time = now;
    s.last_updated = now;
    store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), now);
    push_session(s, r->to_msp, r->correlation);
}

void Cpo::persist(const Charging& c) {
    json::object state;
    state["power_kw"] = c.power_kw;
    state["tariff_id"] = c.tariff_id;
    state["to"] = routing_json(c.to_msp);
    state["correlation"] = c.correlation;
    state["last_tick"] = core::format_datetime(c.last_tick);
    state["limits"] = limits_json(c);
    // The session goes in as the text it writes itself, not as a JSON tree first: {"session":…, the rest}.
    std::string text = scpi::dump(state);
    text.insert(1, "\"session\":" + scpi::to_text(c.session) + ",");
    store_.put_charging(c.session.id, text);
}

void Cpo::resume_charging() {
    for (const auto& [id, text] : store_.charging()) {
        const auto state = scpi::parse_json(text).as_object();
        auto c = std::make_unique<Charging>();
        c->session = scpi::from_json<scpi::Session>(state.at("session"));
        c->power_kw = state.at("power_kw").to_number<double>();
        c->tariff_id = std::string(state.at("tariff_id").as_string());
        c->to_msp = routing_from_json(state.at("to"));
        c->correlation = std::string(state.at("correlation").as_string());
        restore_limits(*c, state);
        // The charger kept charging while this process was down: the session is priced from its start to now.
        c->last_tick = *core::parse_datetime(std::string_view(state.at("last_tick").as_string()));
        charging_[id] = std::move(c);
        log_.info("Session " + id + " resumed");
        schedule(id, kAnnounceDelay);
    }
}

void Cpo::schedule(const std::string& session_id, std::chrono::milliseconds delay) {
    auto& c = *charging_.at(session_id);
    unschedule(c);
    c.next_tick = clock_.now() + delay;
    agenda_.emplace(*c.next_tick, session_id);
    arm_ticker();
}

void Cpo::unschedule(Charging& c) {
    if (c.next_tick) {
        agenda_.erase({*c.next_tick, c.session.id});
        c.next_tick.reset();
    }
}

void Cpo::arm_ticker() {
    if (agenda_.empty()) {
        return;  // an armed ticker finds nothing to do
    }
    // The agenda is in clock time, which a test may move on; the timer waits in real time. Compared in real time, so
    // that a ticker armed before the clock moved is not taken for early enough.
    const auto at = std::max(agenda_.begin()->first, ticker_floor_);
    const auto expiry = std::chrono::steady_clock::now() +
                        std::max(std::chrono::steady_clock::duration::zero(),
                                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(at - clock_.now()));
    if (ticker_at_ && *ticker_at_ <= expiry) {
        return;  // armed early enough
    }
    ticker_at_ = expiry;
    ticker_.expires_at(expiry);
    ticker_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) {
            run_ticks();
        }
    });
}

void Cpo::run_ticks() {
    ticker_at_.reset();
    const auto now = clock_.now();
    // A batch runs for a slice of time at most, so that requests and answers are served between slices.
    const auto started = std::chrono::steady_clock::now();
    bool more = false;
    {
        store::Transaction tx(store_.database());
        while (!agenda_.empty() && agenda_.begin()->first <= now) {
            if (std::chrono::steady_clock::now() - started >= kTickSlice) {
                more = true;
                break;
            }
            const std::string id = agenda_.begin()->second;
            agenda_.erase(agenda_.begin());
            auto& c = *charging_.at(id);
            c.next_tick.reset();
            try {
                store::Transaction one(store_.database());  // a session that fails leaves the others' writes alone
                tick(id);
                one.commit();
            } catch (const std::exception& e) {
                log_.error("Session " + id + " not updated: " + e.what());
                if (const auto it = charging_.find(id); it != charging_.end() && !it->second->next_tick) {
                    schedule(id,
                             std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_update_interval));
                }
            }
        }
        tx.commit();
    }
    // The rest of this batch right after what waits; sessions that fall due in the next moments with the next batch.
    ticker_floor_ = more ? now : now + kTickBatch;
    log_summary(now);
    arm_ticker();
}

void Cpo::log_summary(core::TimePoint now) {
    if (charging_.size() <= kSummaryAbove || now - last_summary_ < kSummaryEvery) {
        return;
    }
    last_summary_ = now;
    const auto& st = delivery_.stats();
    // The oldest of what waits: a queued message, or a session's update not sent yet.
    std::optional<double> oldest_s;
    if (const auto created = store_.outbox().oldest()) {
        oldest_s = std::chrono::duration<double>(now - *created).count();
    }
    if (const auto touched = delivery_.live_oldest()) {
        const double s = std::chrono::duration<double>(now - *touched).count();
        oldest_s = oldest_s ? std::max(*oldest_s, s) : s;
    }
    std::string oldest;
    if (oldest_s) {
        std::array<char, 48> age{};
        std::snprintf(age.data(), age.size(), ", the oldest waiting %.1f s", *oldest_s);
        oldest = age.data();
    }
    log_.info(std::to_string(charging_.size()) + " sessions charging; pushes: " + std::to_string(st.delivered) +
              " delivered, " + std::to_string(st.replaced) + " replaced by a newer state before delivery, " +
              std::to_string(store_.outbox().pending() + delivery_.live_waiting()) + " waiting" + oldest + ", " +
              std::to_string(st.failed) + " failed attempts");
}

void Cpo::tick(const std::string& session_id) {
    const auto it = charging_.find(session_id);
    if (it == charging_.end()) {
        return;
    }
    auto& c = *it->second;
    auto& s = c.session;
    const auto now = clock_.now();
    if (s.status != scpi::SessionStatus::ACTIVE) {
        if (!c.announced) {
            // PENDING (or RESERVATION) as long as the charger has not begun (OCPI 2.2 §9.4.2 SessionStatus).
            c.announced = true;
            s.last_updated = now;
            store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), now);
            push_session(s, c.to_msp, c.correlation);
            schedule(session_id, kChargerStartDelay);
            return;
        }
        const auto loc = location(s.location_id);
        const auto* evse = loc ? loc->find_evse(s.evse_uid) : nullptr;
        if (evse == nullptr || evse->status != scpi::Status::CHARGING) {
            finish(session_id);  // the charger is no longer usable: the start failed (INVALID)
            return;
        }
        s.status = scpi::SessionStatus::ACTIVE;
        s.start_date_time = now;  // the moment it became ACTIVE (OCPI 2.2 §9.3.1)
        update(c, now, PushKind::notable);
        persist(c);  // kept for a restart: ACTIVE since when (the updates in between are not)
        schedule(session_id, std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_update_interval));
        return;
    }
    if (profile_ended(c, now)) {
        update(c, now);
    } else {
        // A routine update: nothing is priced, written or queued now. The delivery asks for the state when a request
        // is free to carry it (render_live()), a read of the sessions writes it first (flush_sessions()).
        c.last_tick = now;
        s.last_updated = now;
        unsaved_.insert(session_id);
        delivery_.touch("session:" + session_id);
        if (log_.enabled(core::LogLevel::debug)) {
            bring_up_to_date(c);
            log_.debug("Session " + s.id + " " + std::string(scpi::to_string(s.status)) + " - " + kwh_text(s.kwh) +
                       " kWh");
        }
    }
    schedule(session_id, std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_update_interval));
}

bool Cpo::profile_ended(const Charging& c, core::TimePoint at) {
    return c.profile && c.profile->duration && c.profile->start_date_time &&
           at >= *c.profile->start_date_time + std::chrono::seconds(*c.profile->duration);
}

void Cpo::bring_up_to_date(Charging& c) {
    if (c.session.status == scpi::SessionStatus::ACTIVE && c.priced_at != c.last_tick) {
        price_so_far(c, c.last_tick);
    }
}

std::optional<LiveMessage> Cpo::render_live(const std::string& key) {
    constexpr std::string_view kPrefix = "session:";
    if (!key.starts_with(kPrefix)) {
        return std::nullopt;
    }
    const auto it = charging_.find(key.substr(kPrefix.size()));
    if (it == charging_.end()) {
        return std::nullopt;  // ended: its last state went with send()
    }
    auto& c = *it->second;
    bring_up_to_date(c);
    const auto& s = c.session;
    return LiveMessage{"PUT", session_target(s), scpi::to_text(s), c.to_msp, c.correlation};
}

void Cpo::flush_sessions() {
    if (unsaved_.empty()) {
        return;
    }
    store::Transaction tx(store_.database());
    for (const auto& id : unsaved_) {
        if (const auto it = charging_.find(id); it != charging_.end()) {
            auto& c = *it->second;
            bring_up_to_date(c);
            const auto& s = c.session;
            store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), s.last_updated);
        }
    }
    tx.commit();
    unsaved_.clear();
}

void Cpo::update(Charging& c, core::TimePoint at, PushKind kind) {
    auto& s = c.session;
    bool back_at_full_power = false;
    if (profile_ended(c, at)) {
        c.profile.reset();  // its time is up: the charger is back at full power
        push_active_profile(c, at);
        back_at_full_power = true;
    }
    price_so_far(c, at);
    c.last_tick = at;
    s.last_updated = at;
    const auto text = scpi::to_text(s);
    store_.put_session({s.country_code, s.party_id, s.id}, text, at);
    unsaved_.erase(s.id);
    if (back_at_full_power) {
        persist(c);  // the rest of an update is derived again from the start after a restart
    }
    push_session(s, c.to_msp, c.correlation, text, kind);
}

pricing::PricedCdr Cpo::price_so_far(Charging& c, core::TimePoint now) {
    auto& s = c.session;
    const auto tariff = tariffs_.find(c.tariff_id);
    const scpi::Tariff* applied = tariff == tariffs_.end() ? nullptr : &tariff->second;
    if (!c.site) {
        const auto loc = location(s.location_id);
        std::optional<double> current;
        if (loc) {
            if (const auto* evse = loc->find_evse(s.evse_uid)) {
                for (const auto& con : evse->connectors) {
                    if (con.id == s.connector_id && con.max_amperage > 0) {
                        current = con.max_amperage;
                    }
                }
            }
        }
        c.site = Charging::Site{pricing::TimeZone(loc ? loc->time_zone : std::string()), current};
    }
    // Priced per OCPI 2.2 §11 in the location's local time: periods cut where a price changes, then priced exactly.
    const auto& zone = c.site->zone;
    const auto current = c.site->current;
    // At the very start the session still has its first period (of no energy yet).
    const auto end = std::max(now, s.start_date_time + 1ms);
    // At the connector's power, or what charging profiles allowed when (OCPI 2.2 §14).
    auto periods = charging_periods(c, applied, zone, end, current);
    auto priced =
        pricing::price_periods(applied != nullptr ? *applied : scpi::Tariff{}, zone, s.start_date_time, end, periods);
    s.kwh = pricing::to_double(priced.total_energy);
    s.charging_periods = std::move(periods);
    s.total_cost = priced.total.price();
    c.priced_at = now;
    return priced;
}

void Cpo::push_session(const scpi::Session& session, const scpi::RoutingHeaders& to_msp, const std::string& correlation,
                       const std::optional<std::string>& text, PushKind kind) {
    const std::string target = session_target(session);
    const std::string body = text ? *text : scpi::to_text(session);
    if (kind == PushKind::catch_up) {
        delivery_.send("session:" + session.id, "PUT", target, body, to_msp, correlation);
    } else {
        // A whole-object PUT: one the recipient has not taken yet is replaced by this newer state.
        delivery_.send_state("session:" + session.id, "PUT", target, body, to_msp, correlation);
    }
    // Every update of a charging session at debug; changes of status at info (and a summary while many charge).
    const auto level = kind == PushKind::notable ? core::LogLevel::info : core::LogLevel::debug;
    if (log_.enabled(level)) {
        log_.log(level, "Session " + session.id + " " + std::string(scpi::to_string(session.status)) + " - " +
                            kwh_text(session.kwh) + " kWh");
    }
}

}  // namespace scn::party
