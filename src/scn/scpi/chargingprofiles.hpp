#pragma once

// The ChargingProfiles module (OCPI 2.2 §14): smart-charging limits set on an ongoing session, answered at once
// and confirmed asynchronously at a response_url, like commands.

#include <scn/scpi/common.hpp>

namespace scn::scpi {

SCN_ENUM(ChargingRateUnit, W, A);
SCN_ENUM(ChargingProfileResponseType, ACCEPTED, NOT_SUPPORTED, REJECTED, TOO_OFTEN, UNKNOWN_SESSION);
SCN_ENUM(ChargingProfileResultType, ACCEPTED, REJECTED, UNKNOWN);

/// One step of a profile (OCPI 2.2 §14.4.4): from `start_period` seconds after the profile's start, at most `limit`.
struct ChargingProfilePeriod {
    int start_period = 0;
    double limit = 0;
    friend bool operator==(const ChargingProfilePeriod&, const ChargingProfilePeriod&) = default;
};
template <class V>
void describe(V& v, ChargingProfilePeriod& x) {
    v("start_period", x.start_period);
    v("limit", x.limit);
}

/// OCPI 2.2 §14.4.3: maxima (W for the total power, A per phase), not targets.
struct ChargingProfile {
    std::optional<TimePoint> start_date_time;
    std::optional<int> duration;  ///< seconds
    ChargingRateUnit charging_rate_unit = ChargingRateUnit::W;
    std::optional<double> min_charging_rate;
    std::vector<ChargingProfilePeriod> charging_profile_period;
    friend bool operator==(const ChargingProfile&, const ChargingProfile&) = default;
};
template <class V>
void describe(V& v, ChargingProfile& x) {
    v("start_date_time", x.start_date_time);
    v("duration", x.duration);
    v("charging_rate_unit", x.charging_rate_unit);
    v("min_charging_rate", x.min_charging_rate);
    v("charging_profile_period", x.charging_profile_period);
}

/// The body of a PUT to the receiver (OCPI 2.2 §14.3.1.2).
struct SetChargingProfile {
    ChargingProfile charging_profile;
    std::string response_url;
    friend bool operator==(const SetChargingProfile&, const SetChargingProfile&) = default;
};
template <class V>
void describe(V& v, SetChargingProfile& x) {
    v("charging_profile", x.charging_profile);
    v("response_url", x.response_url, opt::String{255});
}

/// The receiver's immediate answer (OCPI 2.2 §14.3.1).
struct ChargingProfileResponse {
    ChargingProfileResponseType result = ChargingProfileResponseType::ACCEPTED;
    int timeout = 30;
    friend bool operator==(const ChargingProfileResponse&, const ChargingProfileResponse&) = default;
};
template <class V>
void describe(V& v, ChargingProfileResponse& x) {
    v("result", x.result);
    v("timeout", x.timeout);
}

/// A set PUT's asynchronous result (OCPI 2.2 §14.3.2).
struct ChargingProfileResult {
    ChargingProfileResultType result = ChargingProfileResultType::ACCEPTED;
    friend bool operator==(const ChargingProfileResult&, const ChargingProfileResult&) = default;
};
template <class V>
void describe(V& v, ChargingProfileResult& x) {
    v("result", x.result);
}

/// The schedule in force on a session from `start_date_time` (OCPI 2.2 §14.4.1).
struct ActiveChargingProfile {
    TimePoint start_date_time{};
    ChargingProfile charging_profile;
    friend bool operator==(const ActiveChargingProfile&, const ActiveChargingProfile&) = default;
};
template <class V>
void describe(V& v, ActiveChargingProfile& x) {
    v("start_date_time", x.start_date_time);
    v("charging_profile", x.charging_profile);
}

/// A GET's asynchronous result: the active profile when ACCEPTED (OCPI 2.2 §14.3.2).
struct ActiveChargingProfileResult {
    ChargingProfileResultType result = ChargingProfileResultType::ACCEPTED;
    std::optional<ActiveChargingProfile> profile;
    friend bool operator==(const ActiveChargingProfileResult&, const ActiveChargingProfileResult&) = default;
};
template <class V>
void describe(V& v, ActiveChargingProfileResult& x) {
    v("result", x.result);
    v("profile", x.profile);
}

/// A DELETE's asynchronous result (OCPI 2.2 §14.3.2).
struct ClearProfileResult {
    ChargingProfileResultType result = ChargingProfileResultType::ACCEPTED;
    friend bool operator==(const ClearProfileResult&, const ClearProfileResult&) = default;
};
template <class V>
void describe(V& v, ClearProfileResult& x) {
    v("result", x.result);
}

}  // namespace scn::scpi
