// What the control API does to the mock CPO: scripted command answers, EVSE statuses set by hand, the catch-up after
// the virtual clock moved on, its state at a glance, and the reset to the shipped data.
#include <scn/core/datetime.hpp>
#include <scn/party/cpo.hpp>
#include <scn/scpi/json.hpp>

#include <boost/json.hpp>

#include <stdexcept>

namespace scn::party {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

/// How many locations a search for an EVSE reads at most (a generated data set can hold many more).
constexpr std::size_t kMaxSearchedLocations = 10'000;
/// How many skipped updates of one session are sent after the clock moved on.
constexpr std::size_t kMaxCatchUp = 1000;

std::string response_url_of(scpi::CommandType type, const json::value& body) {
    switch (type) {
        case scpi::CommandType::START_SESSION:
            return scpi::from_json<scpi::StartSession>(body).response_url;
        case scpi::CommandType::STOP_SESSION:
            return scpi::from_json<scpi::StopSession>(body).response_url;
        case scpi::CommandType::RESERVE_NOW:
            return scpi::from_json<scpi::ReserveNow>(body).response_url;
        case scpi::CommandType::CANCEL_RESERVATION:
            return scpi::from_json<scpi::CancelReservation>(body).response_url;
        case scpi::CommandType::UNLOCK_CONNECTOR:
            return scpi::from_json<scpi::UnlockConnector>(body).response_url;
    }
    return {};
}

}  // namespace

std::optional<Cpo::CommandOutcome> Cpo::scripted_command(scpi::CommandType type, const json::value& body,
                                                         const ScriptedCommand& next,
                                                         const scpi::RoutingHeaders& routing,
                                                         const std::string& correlation) {
    const auto response_url = response_url_of(type, body);  // a body that is no command is still 2001
    if (next.response == scpi::CommandResponseType::ACCEPTED && next.result == scpi::CommandResultType::ACCEPTED) {
        return std::nullopt;
    }
    CommandOutcome outcome;
    outcome.response.result = next.response;
    outcome.response.timeout = 30;
    outcome.response.message.push_back({"en", "scripted by the control API"});
    if (next.response == scpi::CommandResponseType::ACCEPTED && next.result) {
        result_delay_ = next.delay;
        send_result(response_url, *next.result, "scripted by the control API", routing.reversed(), correlation);
    }
    log_.info(std::string(scpi::to_string(type)) +
              " answered as scripted: " + std::string(scpi::to_string(next.response)) + ", result " +
              (next.result ? std::string(scpi::to_string(*next.result)) : std::string("none")));
    return outcome;
}

json::object Cpo::scripted_json() const {
    json::object scripted;
    for (const auto& [type, next] : scripted_) {
        scripted[scpi::to_string(type)] = {
            {"response", scpi::to_string(next.response)},
            {"result", next.result ? json::value(scpi::to_string(*next.result)) : json::value("NONE")},
            {"delay_ms", next.delay.count()}};
    }
    return scripted;
}

bool Cpo::control_evse_status(const std::string& evse_uid, const std::optional<std::string>& location_id,
                              scpi::Status status) {
    std::optional<std::string> where = location_id;
    if (!where) {
        const std::size_t total = locations_.count({});
        if (total > kMaxSearchedLocations) {
            throw std::invalid_argument("the CPO has " + std::to_string(total) +
                                        " locations: name the EVSE's location_id in the body");
        }
        locations_.page({}, 0, total, [&](std::string_view text) {
            if (!where && text.find(evse_uid) != std::string_view::npos) {
                const auto loc = scpi::from_json<scpi::Location>(scpi::parse_json(text));
                if (loc.find_evse(evse_uid) != nullptr) {
                    where = loc.id;
                }
            }
        });
    }
    const auto loc = where ? location(*where) : nullptr;
    if (!loc || loc->find_evse(evse_uid) == nullptr) {
        return false;
    }
    set_evse_status(loc->id, evse_uid, status);
    if (status != scpi::Status::CHARGING) {
        // A charger that went out of order (or was blocked) ends what ran on it.
        std::vector<std::string> ended;
        for (const auto& [id, c] : charging_) {
            if (c->session.location_id == loc->id && c->session.evse_uid == evse_uid) {
                ended.push_back(id);
            }
        }
        for (const auto& id : ended) {
            log_.info("Session " + id + " ends: EVSE " + evse_uid + " is " + std::string(scpi::to_string(status)));
            finish(id);
        }
    }
    return true;
}

json::object Cpo::control_state() {
    json::array evses;
    locations_.page({}, 0, 100, [&](std::string_view text) {
        const auto loc = scpi::from_json<scpi::Location>(scpi::parse_json(text));
        for (const auto& e : loc.evses) {
            evses.push_back({{"location_id", loc.id}, {"evse_uid", e.uid}, {"status", scpi::to_string(e.status)}});
        }
    });
    json::array sessions;
    for (const auto& [id, c] : charging_) {
        bring_up_to_date(*c);
        const auto& s = c->session;
        sessions.push_back({{"id", s.id},
                            {"status", scpi::to_string(s.status)},
                            {"location_id", s.location_id},
                            {"evse_uid", s.evse_uid},
                            {"connector_id", s.connector_id},
                            {"token_uid", s.cdr_token.uid},
                            {"kwh", s.kwh},
                            {"start_date_time", core::format_datetime(s.start_date_time)},
                            {"power_kw", c->power_kw}});
    }
    json::object o;
    o["locations"] = locations_.count({});
    o["evses"] = std::move(evses);
    o["sessions"] = std::move(sessions);
    o["stored_sessions"] = store_.count_sessions({});
    o["stored_cdrs"] = store_.count_cdrs({});
    o["tokens"] = tokens_.count();
    o["scripted_commands"] = scripted_json();
    o["outbox"] = {{"queued", store_.outbox().pending()}, {"dead_letters", store_.outbox().dead_count()}};
    return o;
}

void Cpo::clock_advanced(core::TimePoint from) {
    const auto now = clock_.now();
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_update_interval);
    std::vector<std::string> ids;
    for (const auto& [id, c] : charging_) {
        ids.push_back(id);
    }
    store::Transaction tx(store_.database());
    for (const auto& id : ids) {
        const auto it = charging_.find(id);
        if (it == charging_.end() || it->second->session.status != scpi::SessionStatus::ACTIVE) {
            continue;
        }
        auto& c = *it->second;
        // The updates a charger would have sent in the skipped time, at their times, then one now.
        auto at = std::max(c.last_tick, from) + interval;
        std::size_t sent = 0;
        if (now - at > interval * static_cast<std::int64_t>(kMaxCatchUp)) {
            at = now - interval * static_cast<std::int64_t>(kMaxCatchUp);
        }
        for (; at < now && sent < kMaxCatchUp; at += interval, ++sent) {
            update(c, at, PushKind::catch_up);
        }
        update(c, now);
        schedule(id, interval);
    }
    tx.commit();
    expire_reservations();
}

void Cpo::reset() {
    agenda_.clear();
    ticker_.cancel();
    ticker_at_.reset();
    charging_.clear();
    unsaved_.clear();
    scripted_.clear();
    result_delay_.reset();
    session_owners_.clear();
    store_.reset_objects();
    tariffs_.clear();
    load_data();  // the shipped locations (statuses as in the data), tariffs, sessions and CDRs
    log_.info("Reset to the shipped data");
}

}  // namespace scn::party
