#pragma once

#include <scn/scpi/common.hpp>
#include <scn/scpi/tariffs.hpp>

namespace scn::scpi {

SCN_ENUM(AuthMethod, AUTH_REQUEST, COMMAND, WHITELIST);
SCN_ENUM(CdrDimensionType, CURRENT, ENERGY, ENERGY_EXPORT, ENERGY_IMPORT, MAX_CURRENT, MIN_CURRENT, MAX_POWER,
         MIN_POWER, PARKING_TIME, POWER, RESERVATION_TIME, STATE_OF_CHARGE, TIME);

struct CdrDimension {
    CdrDimensionType type = CdrDimensionType::ENERGY;
    double volume = 0;
    friend bool operator==(const CdrDimension&, const CdrDimension&) = default;
};
template <class V>
void describe(V& v, CdrDimension& x) {
    v("type", x.type);
    v("volume", x.volume);
}

struct ChargingPeriod {
    TimePoint start_date_time{};
    std::vector<CdrDimension> dimensions;
    std::optional<std::string> tariff_id;
    friend bool operator==(const ChargingPeriod&, const ChargingPeriod&) = default;
};
template <class V>
void describe(V& v, ChargingPeriod& x) {
    v("start_date_time", x.start_date_time);
    v("dimensions", x.dimensions, opt::NonEmpty{});
    v("tariff_id", x.tariff_id, opt::CiString{36});
}

/// The token as it appears in sessions and CDRs. `country_code`/`party_id` are 2.2.1 additions: accepted, and
/// written too, since 2.2.1 made them required and 2.2 peers ignore unknown members.
struct CdrToken {
    std::optional<std::string> country_code;
    std::optional<std::string> party_id;
    std::string uid;
    TokenType type = TokenType::RFID;
    std::string contract_id;
    friend bool operator==(const CdrToken&, const CdrToken&) = default;
};
template <class V>
void describe(V& v, CdrToken& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("uid", x.uid, opt::CiString{36});
    v("type", x.type);
    v("contract_id", x.contract_id, opt::CiString{36});
}

struct CdrLocation {
    std::string id;
    std::optional<std::string> name;
    std::string address;
    std::string city;
    std::optional<std::string> postal_code;
    std::optional<std::string> state;
    std::string country;
    GeoLocation coordinates;
    std::string evse_uid;
    std::string evse_id;
    std::string connector_id;
    ConnectorType connector_standard = ConnectorType::IEC_62196_T2;
    ConnectorFormat connector_format = ConnectorFormat::SOCKET;
    PowerType connector_power_type = PowerType::AC_3_PHASE;
    friend bool operator==(const CdrLocation&, const CdrLocation&) = default;
};
template <class V>
void describe(V& v, CdrLocation& x) {
    v("id", x.id, opt::CiString{36});
    v("name", x.name, opt::String{255});
    v("address", x.address, opt::String{255});
    v("city", x.city, opt::String{45});
    v("postal_code", x.postal_code, opt::String{10});
    v("state", x.state, opt::String{45});
    v("country", x.country, opt::String{3});
    v("coordinates", x.coordinates);
    v("evse_uid", x.evse_uid, opt::CiString{36});
    v("evse_id", x.evse_id, opt::CiString{48});
    v("connector_id", x.connector_id, opt::CiString{36});
    v("connector_standard", x.connector_standard);
    v("connector_format", x.connector_format);
    v("connector_power_type", x.connector_power_type);
}

struct SignedValue {
    std::string nature;
    std::string plain_data;
    std::string signed_data;
    friend bool operator==(const SignedValue&, const SignedValue&) = default;
};
template <class V>
void describe(V& v, SignedValue& x) {
    v("nature", x.nature, opt::CiString{32});
    v("plain_data", x.plain_data, opt::String{5000});
    v("signed_data", x.signed_data, opt::String{5000});
}

struct SignedData {
    std::string encoding_method;
    std::optional<int> encoding_method_version;
    std::optional<std::string> public_key;
    std::vector<SignedValue> signed_values;
    std::optional<std::string> url;
    friend bool operator==(const SignedData&, const SignedData&) = default;
};
template <class V>
void describe(V& v, SignedData& x) {
    v("encoding_method", x.encoding_method, opt::CiString{36});
    v("encoding_method_version", x.encoding_method_version);
    v("public_key", x.public_key, opt::String{512});
    v("signed_values", x.signed_values, opt::NonEmpty{});
    v("url", x.url, opt::String{512});
}

struct Cdr {
    std::string country_code;
    std::string party_id;
    std::string id;
    TimePoint start_date_time{};
    TimePoint end_date_time{};
    std::optional<std::string> session_id;
    CdrToken cdr_token;
    AuthMethod auth_method = AuthMethod::COMMAND;
    std::optional<std::string> authorization_reference;
    CdrLocation cdr_location;
    std::optional<std::string> meter_id;
    std::string currency;
    std::vector<Tariff> tariffs;
    std::vector<ChargingPeriod> charging_periods;
    std::optional<SignedData> signed_data;
    Price total_cost;
    std::optional<Price> total_fixed_cost;
    double total_energy = 0;
    std::optional<Price> total_energy_cost;
    double total_time = 0;
    std::optional<Price> total_time_cost;
    std::optional<double> total_parking_time;
    std::optional<Price> total_parking_cost;
    std::optional<Price> total_reservation_cost;
    std::optional<std::string> remark;
    std::optional<std::string> invoice_reference_id;
    std::optional<bool> credit;
    std::optional<std::string> credit_reference_id;
    std::optional<bool> home_charging_compensation;
    TimePoint last_updated{};
    friend bool operator==(const Cdr&, const Cdr&) = default;
};
template <class V>
void describe(V& v, Cdr& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("id", x.id, opt::CiString{39});
    v("start_date_time", x.start_date_time);
    v("end_date_time", x.end_date_time);
    v("session_id", x.session_id, opt::CiString{36});
    v("cdr_token", x.cdr_token);
    v("auth_method", x.auth_method);
    v("authorization_reference", x.authorization_reference, opt::CiString{36});
    v("cdr_location", x.cdr_location);
    v("meter_id", x.meter_id, opt::String{255});
    v("currency", x.currency, opt::String{3});
    v("tariffs", x.tariffs);
    v("charging_periods", x.charging_periods, opt::NonEmpty{});
    v("signed_data", x.signed_data);
    v("total_cost", x.total_cost);
    v("total_fixed_cost", x.total_fixed_cost);
    v("total_energy", x.total_energy);
    v("total_energy_cost", x.total_energy_cost);
    v("total_time", x.total_time);
    v("total_time_cost", x.total_time_cost);
    v("total_parking_time", x.total_parking_time);
    v("total_parking_cost", x.total_parking_cost);
    v("total_reservation_cost", x.total_reservation_cost);
    v("remark", x.remark, opt::String{255});
    v("invoice_reference_id", x.invoice_reference_id, opt::CiString{39});
    v("credit", x.credit);
    v("credit_reference_id", x.credit_reference_id, opt::CiString{39});
    v("home_charging_compensation", x.home_charging_compensation, opt::Since221{});
    v("last_updated", x.last_updated);
}

/// Dimensions that only Sessions may carry (OCPI 2.2 §10.4.2 CdrDimensionType: "session only").
inline bool is_session_only(CdrDimensionType t) {
    return t == CdrDimensionType::CURRENT || t == CdrDimensionType::ENERGY_EXPORT ||
           t == CdrDimensionType::ENERGY_IMPORT || t == CdrDimensionType::POWER ||
           t == CdrDimensionType::STATE_OF_CHARGE;
}

/// The rules a CDR receiver checks beyond the members' types (OCPI 2.2 §10.3.1): no session-only dimensions, a
/// credit CDR names the CDR it credits, and only credit CDR ids may be longer than 36 characters. Throws ParseError
/// naming the JSON path.
inline void check_cdr(const Cdr& cdr) {
    for (std::size_t i = 0; i < cdr.charging_periods.size(); ++i) {
        const auto& dims = cdr.charging_periods[i].dimensions;
        for (std::size_t j = 0; j < dims.size(); ++j) {
            if (is_session_only(dims[j].type)) {
                throw ParseError(
                    "$.charging_periods[" + std::to_string(i) + "].dimensions[" + std::to_string(j) + "].type",
                    std::string(to_string(dims[j].type)) + " is only allowed in Sessions, not in a CDR");
            }
        }
    }
    const bool credit = cdr.credit.value_or(false);
    if (credit && !cdr.credit_reference_id) {
        throw ParseError("$.credit_reference_id", "missing required member (required when credit is true)");
    }
    if (!credit && cdr.id.size() > 36) {
        throw ParseError("$.id", "longer than 36 characters (only credit CDR ids may have up to 39)");
    }
}

}  // namespace scn::scpi
