#pragma once

#include <scn/scpi/common.hpp>

namespace scn::scpi {

SCN_ENUM(TariffType, AD_HOC_PAYMENT, PROFILE_CHEAP, PROFILE_FAST, PROFILE_GREEN, REGULAR);
SCN_ENUM(TariffDimensionType, ENERGY, FLAT, PARKING_TIME, TIME);
SCN_ENUM(DayOfWeek, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY);
SCN_ENUM(ReservationRestrictionType, RESERVATION, RESERVATION_EXPIRES);

struct PriceComponent {
    TariffDimensionType type = TariffDimensionType::FLAT;
    double price = 0;
    std::optional<double> vat;  ///< a percentage; absent = no VAT applicable
    int step_size = 1;
    friend bool operator==(const PriceComponent&, const PriceComponent&) = default;
};
template <class V>
void describe(V& v, PriceComponent& x) {
    v("type", x.type);
    v("price", x.price);
    v("vat", x.vat);
    v("step_size", x.step_size);
}

struct TariffRestrictions {
    std::optional<std::string> start_time;
    std::optional<std::string> end_time;
    std::optional<std::string> start_date;
    std::optional<std::string> end_date;
    std::optional<double> min_kwh;
    std::optional<double> max_kwh;
    std::optional<double> min_current;
    std::optional<double> max_current;
    std::optional<double> min_power;
    std::optional<double> max_power;
    std::optional<int> min_duration;
    std::optional<int> max_duration;
    std::vector<DayOfWeek> day_of_week;
    std::optional<ReservationRestrictionType> reservation;
    friend bool operator==(const TariffRestrictions&, const TariffRestrictions&) = default;
};
template <class V>
void describe(V& v, TariffRestrictions& x) {
    v("start_time", x.start_time, opt::String{5});
    v("end_time", x.end_time, opt::String{5});
    v("start_date", x.start_date, opt::String{10});
    v("end_date", x.end_date, opt::String{10});
    v("min_kwh", x.min_kwh);
    v("max_kwh", x.max_kwh);
    v("min_current", x.min_current);
    v("max_current", x.max_current);
    v("min_power", x.min_power);
    v("max_power", x.max_power);
    v("min_duration", x.min_duration);
    v("max_duration", x.max_duration);
    v("day_of_week", x.day_of_week);
    v("reservation", x.reservation);
}

struct TariffElement {
    std::vector<PriceComponent> price_components;
    std::optional<TariffRestrictions> restrictions;
    friend bool operator==(const TariffElement&, const TariffElement&) = default;
};
template <class V>
void describe(V& v, TariffElement& x) {
    v("price_components", x.price_components, opt::NonEmpty{});
    v("restrictions", x.restrictions);
}

struct Tariff {
    std::string country_code;
    std::string party_id;
    std::string id;
    std::string currency;
    std::optional<TariffType> type;
    std::vector<DisplayText> tariff_alt_text;
    std::optional<std::string> tariff_alt_url;
    std::optional<Price> min_price;
    std::optional<Price> max_price;
    std::vector<TariffElement> elements;
    std::optional<TimePoint> start_date_time;
    std::optional<TimePoint> end_date_time;
    std::optional<EnergyMix> energy_mix;
    TimePoint last_updated{};
    friend bool operator==(const Tariff&, const Tariff&) = default;
};
template <class V>
void describe(V& v, Tariff& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("id", x.id, opt::CiString{36});
    v("currency", x.currency, opt::String{3});
    v("type", x.type);
    v("tariff_alt_text", x.tariff_alt_text);
    v("tariff_alt_url", x.tariff_alt_url, opt::String{255});
    v("min_price", x.min_price);
    v("max_price", x.max_price);
    v("elements", x.elements, opt::NonEmpty{});
    v("start_date_time", x.start_date_time);
    v("end_date_time", x.end_date_time);
    v("energy_mix", x.energy_mix);
    v("last_updated", x.last_updated);
}

/// `HH:MM` with HH 00..23 and MM 00..59 (OCPI 2.2 §11.4.6 TariffRestrictions start_time/end_time).
inline bool is_time_of_day(std::string_view s) {
    const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
        return false;
    }
    return (s[0] - '0') * 10 + (s[1] - '0') <= 23 && s[3] <= '5';
}

/// `YYYY-MM-DD` naming a day that exists, leap years included (OCPI 2.2 §11.4.6 start_date/end_date).
inline bool is_local_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    int parts[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8};
    const std::size_t ends[3] = {4, 7, 10};
    for (std::size_t p = 0; p < 3; ++p) {
        for (std::size_t i = starts[p]; i < ends[p]; ++i) {
            if (s[i] < '0' || s[i] > '9') {
                return false;
            }
            parts[p] = parts[p] * 10 + (s[i] - '0');
        }
    }
    const int year = parts[0];
    const int month = parts[1];
    const int day = parts[2];
    if (month < 1 || month > 12 || day < 1) {
        return false;
    }
    constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && day == 29) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }
    return day <= kDays[month - 1];
}

/// The rules a Tariffs receiver checks beyond the members' types: restriction times are `HH:MM` and dates real
/// `YYYY-MM-DD` days (OCPI 2.2 §11.4.6). Reading stays tolerant; a receiver that stores what it is sent checks this
/// too. Throws ParseError naming the JSON path.
inline void check_tariff(const Tariff& tariff) {
    for (std::size_t i = 0; i < tariff.elements.size(); ++i) {
        const auto& r = tariff.elements[i].restrictions;
        if (!r) {
            continue;
        }
        const std::string path = "$.elements[" + std::to_string(i) + "].restrictions.";
        const auto check = [&](const std::optional<std::string>& value, const char* name, bool time) {
            if (!value) {
                return;
            }
            if (time && !is_time_of_day(*value)) {
                throw ParseError(path + name, "\"" + *value + "\" is not a time of day HH:MM (00:00 to 23:59)");
            }
            if (!time && !is_local_date(*value)) {
                throw ParseError(path + name, "\"" + *value + "\" is not a date YYYY-MM-DD");
            }
        };
        check(r->start_time, "start_time", true);
        check(r->end_time, "end_time", true);
        check(r->start_date, "start_date", false);
        check(r->end_date, "end_date", false);
    }
}

}  // namespace scn::scpi
