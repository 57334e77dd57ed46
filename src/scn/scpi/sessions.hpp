#pragma once

#include <scn/scpi/cdrs.hpp>

namespace scn::scpi {

SCN_ENUM(SessionStatus, ACTIVE, COMPLETED, INVALID, PENDING, RESERVATION);
SCN_ENUM(ProfileType, CHEAP, FAST, GREEN, REGULAR);
SCN_ENUM(ChargingPreferencesResponse, ACCEPTED, DEPARTURE_REQUIRED, ENERGY_NEED_REQUIRED, NOT_POSSIBLE,
         PROFILE_TYPE_NOT_SUPPORTED);

struct Session {
    std::string country_code;
    std::string party_id;
    std::string id;
    TimePoint start_date_time{};
    std::optional<TimePoint> end_date_time;
    double kwh = 0;
    CdrToken cdr_token;
    AuthMethod auth_method = AuthMethod::COMMAND;
    std::optional<std::string> authorization_reference;
    std::string location_id;
    std::string evse_uid;
    std::string connector_id;
    std::optional<std::string> meter_id;
    std::string currency;
    std::vector<ChargingPeriod> charging_periods;
    std::optional<Price> total_cost;
    SessionStatus status = SessionStatus::PENDING;
    TimePoint last_updated{};
    friend bool operator==(const Session&, const Session&) = default;
};
template <class V>
void describe(V& v, Session& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("id", x.id, opt::CiString{36});
    v("start_date_time", x.start_date_time);
    v("end_date_time", x.end_date_time);
    v("kwh", x.kwh);
    v("cdr_token", x.cdr_token);
    v("auth_method", x.auth_method);
    v("authorization_reference", x.authorization_reference, opt::CiString{36});
    v("location_id", x.location_id, opt::CiString{36});
    v("evse_uid", x.evse_uid, opt::CiString{36});
    v("connector_id", x.connector_id, opt::CiString{36});
    v("meter_id", x.meter_id, opt::String{255});
    v("currency", x.currency, opt::String{3});
    v("charging_periods", x.charging_periods);
    v("total_cost", x.total_cost);
    v("status", x.status);
    v("last_updated", x.last_updated);
}

struct ChargingPreferences {
    ProfileType profile_type = ProfileType::REGULAR;
    std::optional<TimePoint> departure_time;
    std::optional<double> energy_need;
    std::optional<bool> discharge_allowed;
    friend bool operator==(const ChargingPreferences&, const ChargingPreferences&) = default;
};
template <class V>
void describe(V& v, ChargingPreferences& x) {
    v("profile_type", x.profile_type);
    v("departure_time", x.departure_time);
    v("energy_need", x.energy_need);
    v("discharge_allowed", x.discharge_allowed);
}

/// Applies a PATCH body to a stored session (both JSON objects): members present replace the stored ones, except
/// `charging_periods`, which are appended. Throws ParseError if the patch lacks `last_updated` or is not an object,
/// and checks that the result is still a valid Session.
void apply_session_patch(boost::json::object& stored, const boost::json::value& patch);

}  // namespace scn::scpi
