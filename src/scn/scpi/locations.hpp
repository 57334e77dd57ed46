#pragma once

#include <scn/scpi/common.hpp>

namespace scn::scpi {

SCN_ENUM(Status, AVAILABLE, BLOCKED, CHARGING, INOPERATIVE, OUTOFORDER, PLANNED, REMOVED, RESERVED, UNKNOWN);
SCN_ENUM(Capability, CHARGING_PROFILE_CAPABLE, CHARGING_PREFERENCES_CAPABLE, CHIP_CARD_SUPPORT,
         CONTACTLESS_CARD_SUPPORT, CREDIT_CARD_PAYABLE, DEBIT_CARD_PAYABLE, PED_TERMINAL, REMOTE_START_STOP_CAPABLE,
         RESERVABLE, RFID_READER, START_SESSION_CONNECTOR_REQUIRED, TOKEN_GROUP_CAPABLE, UNLOCK_CAPABLE);
SCN_ENUM(ParkingType, ALONG_MOTORWAY, PARKING_GARAGE, PARKING_LOT, ON_DRIVEWAY, ON_STREET, UNDERGROUND_GARAGE);
SCN_ENUM(ParkingRestriction, EV_ONLY, PLUGGED, DISABLED, CUSTOMERS, MOTORCYCLES);
SCN_ENUM(Facility, HOTEL, RESTAURANT, CAFE, MALL, SUPERMARKET, SPORT, RECREATION_AREA, NATURE, MUSEUM, BIKE_SHARING,
         BUS_STOP, TAXI_STAND, TRAM_STOP, METRO_STATION, TRAIN_STATION, AIRPORT, PARKING_LOT, CARPOOL_PARKING,
         FUEL_STATION, WIFI);

struct AdditionalGeoLocation {
    std::string latitude;
    std::string longitude;
    std::optional<DisplayText> name;
    friend bool operator==(const AdditionalGeoLocation&, const AdditionalGeoLocation&) = default;
};
template <class V>
void describe(V& v, AdditionalGeoLocation& x) {
    v("latitude", x.latitude, opt::String{10});
    v("longitude", x.longitude, opt::String{11});
    v("name", x.name);
}

struct PublishTokenType {
    std::optional<std::string> uid;
    std::optional<TokenType> type;
    std::optional<std::string> visual_number;
    std::optional<std::string> issuer;
    std::optional<std::string> group_id;
    friend bool operator==(const PublishTokenType&, const PublishTokenType&) = default;
};
template <class V>
void describe(V& v, PublishTokenType& x) {
    v("uid", x.uid, opt::CiString{36});
    v("type", x.type);
    v("visual_number", x.visual_number, opt::String{64});
    v("issuer", x.issuer, opt::String{64});
    v("group_id", x.group_id, opt::CiString{36});
}

struct RegularHours {
    int weekday = 1;
    std::string period_begin;
    std::string period_end;
    friend bool operator==(const RegularHours&, const RegularHours&) = default;
};
template <class V>
void describe(V& v, RegularHours& x) {
    v("weekday", x.weekday);
    v("period_begin", x.period_begin, opt::String{5});
    v("period_end", x.period_end, opt::String{5});
}

struct ExceptionalPeriod {
    TimePoint period_begin{};
    TimePoint period_end{};
    friend bool operator==(const ExceptionalPeriod&, const ExceptionalPeriod&) = default;
};
template <class V>
void describe(V& v, ExceptionalPeriod& x) {
    v("period_begin", x.period_begin);
    v("period_end", x.period_end);
}

struct Hours {
    bool twentyfourseven = false;
    std::vector<RegularHours> regular_hours;
    std::vector<ExceptionalPeriod> exceptional_openings;
    std::vector<ExceptionalPeriod> exceptional_closings;
    friend bool operator==(const Hours&, const Hours&) = default;
};
template <class V>
void describe(V& v, Hours& x) {
    v("twentyfourseven", x.twentyfourseven);
    v("regular_hours", x.regular_hours);
    v("exceptional_openings", x.exceptional_openings);
    v("exceptional_closings", x.exceptional_closings);
}

struct StatusSchedule {
    TimePoint period_begin{};
    std::optional<TimePoint> period_end;
    Status status = Status::UNKNOWN;
    friend bool operator==(const StatusSchedule&, const StatusSchedule&) = default;
};
template <class V>
void describe(V& v, StatusSchedule& x) {
    v("period_begin", x.period_begin);
    v("period_end", x.period_end);
    v("status", x.status);
}

struct Connector {
    std::string id;
    ConnectorType standard = ConnectorType::IEC_62196_T2;
    ConnectorFormat format = ConnectorFormat::SOCKET;
    PowerType power_type = PowerType::AC_3_PHASE;
    int max_voltage = 0;
    int max_amperage = 0;
    std::optional<int> max_electric_power;
    std::vector<std::string> tariff_ids;
    std::optional<std::string> terms_and_conditions;
    TimePoint last_updated{};
    friend bool operator==(const Connector&, const Connector&) = default;
};
template <class V>
void describe(V& v, Connector& x) {
    v("id", x.id, opt::CiString{36});
    v("standard", x.standard);
    v("format", x.format);
    v("power_type", x.power_type);
    v("max_voltage", x.max_voltage);
    v("max_amperage", x.max_amperage);
    v("max_electric_power", x.max_electric_power);
    v("tariff_ids", x.tariff_ids, opt::CiString{36});
    v("terms_and_conditions", x.terms_and_conditions, opt::String{255});
    v("last_updated", x.last_updated);
}

struct Evse {
    std::string uid;
    std::optional<std::string> evse_id;
    Status status = Status::UNKNOWN;
    std::vector<StatusSchedule> status_schedule;
    std::vector<Capability> capabilities;
    std::vector<Connector> connectors;
    std::optional<std::string> floor_level;
    std::optional<GeoLocation> coordinates;
    std::optional<std::string> physical_reference;
    std::vector<DisplayText> directions;
    std::vector<ParkingRestriction> parking_restrictions;
    std::vector<Image> images;
    TimePoint last_updated{};
    friend bool operator==(const Evse&, const Evse&) = default;
};
template <class V>
void describe(V& v, Evse& x) {
    v("uid", x.uid, opt::CiString{36});
    v("evse_id", x.evse_id, opt::CiString{48});
    v("status", x.status);
    v("status_schedule", x.status_schedule);
    v("capabilities", x.capabilities, opt::DropUnknown{});
    v("connectors", x.connectors, opt::NonEmpty{});
    v("floor_level", x.floor_level, opt::String{4});
    v("coordinates", x.coordinates);
    v("physical_reference", x.physical_reference, opt::String{16});
    v("directions", x.directions);
    v("parking_restrictions", x.parking_restrictions, opt::DropUnknown{});
    v("images", x.images);
    v("last_updated", x.last_updated);
}

struct Location {
    std::string country_code;
    std::string party_id;
    std::string id;
    bool publish = true;
    std::vector<PublishTokenType> publish_allowed_to;
    std::optional<std::string> name;
    std::string address;
    std::string city;
    std::optional<std::string> postal_code;
    std::optional<std::string> state;
    std::string country;
    GeoLocation coordinates;
    std::vector<AdditionalGeoLocation> related_locations;
    std::optional<ParkingType> parking_type;
    std::vector<Evse> evses;
    std::vector<DisplayText> directions;
    std::optional<BusinessDetails> operator_;  ///< `operator` on the wire
    std::optional<BusinessDetails> suboperator;
    std::optional<BusinessDetails> owner;
    std::vector<Facility> facilities;
    std::string time_zone;
    std::optional<Hours> opening_times;
    std::optional<bool> charging_when_closed;
    std::vector<Image> images;
    std::optional<EnergyMix> energy_mix;
    TimePoint last_updated{};
    friend bool operator==(const Location&, const Location&) = default;

    [[nodiscard]] const Evse* find_evse(std::string_view uid) const {
        for (const auto& e : evses) {
            if (e.uid == uid) {
                return &e;
            }
        }
        return nullptr;
    }
    [[nodiscard]] Evse* find_evse(std::string_view uid) {
        return const_cast<Evse*>(static_cast<const Location*>(this)->find_evse(uid));
    }
};
template <class V>
void describe(V& v, Location& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("id", x.id, opt::CiString{36});
    v("publish", x.publish);
    v("publish_allowed_to", x.publish_allowed_to);
    v("name", x.name, opt::String{255});
    v("address", x.address, opt::String{255});
    v("city", x.city, opt::String{45});
    v("postal_code", x.postal_code, opt::String{10});
    v("state", x.state, opt::String{45});
    v("country", x.country, opt::String{3});
    v("coordinates", x.coordinates);
    v("related_locations", x.related_locations);
    v("parking_type", x.parking_type);
    v("evses", x.evses);
    v("directions", x.directions);
    v("operator", x.operator_);
    v("suboperator", x.suboperator);
    v("owner", x.owner);
    v("facilities", x.facilities, opt::DropUnknown{});
    v("time_zone", x.time_zone, opt::String{255});
    v("opening_times", x.opening_times);
    v("charging_when_closed", x.charging_when_closed);
    v("images", x.images);
    v("energy_mix", x.energy_mix);
    v("last_updated", x.last_updated);
}

/// A WGS84 coordinate as OCPI 2.2 §8.4.13 GeoLocation writes it: `-?[0-9]{1,int_digits}\.[0-9]{5,7}`.
inline bool is_coordinate(std::string_view s, std::size_t int_digits) {
    if (!s.empty() && s.front() == '-') {
        s.remove_prefix(1);
    }
    const auto dot = s.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > int_digits) {
        return false;
    }
    const auto decimals = s.size() - dot - 1;
    if (decimals < 5 || decimals > 7) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i != dot && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    return true;
}

/// Checks coordinates against the GeoLocation patterns; throws ParseError naming `path`.
inline void check_coordinates(const std::string& latitude, const std::string& longitude, const std::string& path) {
    if (!is_coordinate(latitude, 2)) {
        throw ParseError(path + ".latitude",
                         "\"" + latitude + "\" is not a latitude (-?[0-9]{1,2}.[0-9]{5,7}, e.g. \"47.16955\")");
    }
    if (!is_coordinate(longitude, 3)) {
        throw ParseError(path + ".longitude",
                         "\"" + longitude + "\" is not a longitude (-?[0-9]{1,3}.[0-9]{5,7}, e.g. \"8.51604\")");
    }
}

/// The rules a Locations receiver checks beyond the members' types: coordinates in the GeoLocation format (OCPI 2.2
/// §8.4.13). Reading stays tolerant elsewhere; a receiver that stores what it is sent checks this too. `path` is the
/// JSON path of the EVSE (for check_evse).
inline void check_evse(const Evse& evse, const std::string& path = "$") {
    if (evse.coordinates) {
        check_coordinates(evse.coordinates->latitude, evse.coordinates->longitude, path + ".coordinates");
    }
}
inline void check_location(const Location& location) {
    check_coordinates(location.coordinates.latitude, location.coordinates.longitude, "$.coordinates");
    for (std::size_t i = 0; i < location.related_locations.size(); ++i) {
        const auto& r = location.related_locations[i];
        check_coordinates(r.latitude, r.longitude, "$.related_locations[" + std::to_string(i) + "]");
    }
    for (std::size_t i = 0; i < location.evses.size(); ++i) {
        check_evse(location.evses[i], "$.evses[" + std::to_string(i) + "]");
    }
}

}  // namespace scn::scpi
