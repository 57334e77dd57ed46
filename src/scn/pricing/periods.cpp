#include <scn/pricing/tariff_pricing.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace scn::pricing {
namespace {

using scpi::CdrDimensionType;
using scpi::TariffDimensionType;
using std::chrono::milliseconds;

constexpr auto kLongestSession = std::chrono::days(31);

std::optional<int> minutes_of(const std::optional<std::string>& hhmm) {
    int h = 0;
    int m = 0;
    if (!hhmm || hhmm->size() != 5 || std::from_chars(hhmm->data(), hhmm->data() + 2, h).ec != std::errc() ||
        std::from_chars(hhmm->data() + 3, hhmm->data() + 5, m).ec != std::errc()) {
        return std::nullopt;
    }
    return h * 60 + m;
}

double hours(TimePoint::duration d) {
    return std::chrono::duration<double, std::ratio<3600>>(d).count();
}

double round4(double v) {
    return std::round(v * 10000.0) / 10000.0;
}

/// Which component of each priced dimension is active: equal signatures share a period.
struct Signature {
    bool charging = true;
    std::optional<std::size_t> energy, time, parking;
    friend bool operator==(const Signature&, const Signature&) = default;
};

}  // namespace

std::vector<scpi::ChargingPeriod> build_periods(const scpi::Tariff* tariff, const TimeZone& zone,
                                                const SimulatedSession& s) {
    const TimePoint end = std::min(std::max(s.end, s.charging_end), s.start + kLongestSession);
    const TimePoint charging_end = std::clamp(s.charging_end, s.start, end);
    const double kw = std::max(0.0, s.power_kw);

    // Every instant at which some restriction may change its answer.
    std::set<TimePoint> cuts{s.start, charging_end};
    if (tariff != nullptr) {
        const auto first_day = std::chrono::sys_days(zone.local(s.start).date) - std::chrono::days(1);
        const auto last_day = std::chrono::sys_days(zone.local(end).date) + std::chrono::days(1);
        for (const auto& e : tariff->elements) {
            if (!e.restrictions) {
                continue;
            }
            const auto& r = *e.restrictions;
            const bool timed = r.start_time || r.end_time || r.start_date || r.end_date || !r.day_of_week.empty();
            for (auto day = first_day; timed && day <= last_day; day += std::chrono::days(1)) {
                const std::chrono::year_month_day ymd(day);
                cuts.insert(zone.instant(ymd, 0));  // dates and weekdays change at local midnight
                for (const auto& t : {r.start_time, r.end_time}) {
                    if (const auto minutes = minutes_of(t)) {
                        cuts.insert(zone.instant(ymd, *minutes));
                    }
                }
            }
            for (const auto& kwh : {r.min_kwh, r.max_kwh}) {
                if (kwh && kw > 0) {
                    cuts.insert(s.start + std::chrono::duration_cast<milliseconds>(
                                              std::chrono::duration<double, std::ratio<3600>>(*kwh / kw)));
                }
            }
            for (const auto& seconds : {r.min_duration, r.max_duration}) {
                if (seconds) {
                    cuts.insert(s.start + std::chrono::seconds(*seconds));
                }
            }
        }
    }

    const auto signature_at = [&](TimePoint t) {
        Signature sig;
        sig.charging = t < charging_end;
        if (tariff == nullptr) {
            return sig;
        }
        Moment m;
        m.at = t;
        m.kwh_so_far = decimal(kw * hours(std::min(t, charging_end) - s.start));
        m.duration_so_far = std::chrono::duration_cast<std::chrono::seconds>(t - s.start);
        if (sig.charging) {
            m.power = kw;
            m.current = s.current_a;
            sig.energy = active_element(*tariff, TariffDimensionType::ENERGY, m, zone);
            sig.time = active_element(*tariff, TariffDimensionType::TIME, m, zone);
        } else {
            sig.parking = active_element(*tariff, TariffDimensionType::PARKING_TIME, m, zone);
        }
        return sig;
    };

    std::vector<TimePoint> starts;
    std::optional<Signature> previous;
    for (const auto t : cuts) {
        if (t < s.start || t >= end) {
            continue;
        }
        const auto sig = signature_at(t);
        if (!previous || !(*previous == sig)) {
            starts.push_back(t);
            previous = sig;
        }
    }
    if (starts.empty()) {
        starts.push_back(s.start);
    }

    std::vector<scpi::ChargingPeriod> periods;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const TimePoint from = starts[i];
        const TimePoint to = i + 1 < starts.size() ? starts[i + 1] : end;
        scpi::ChargingPeriod p;
        p.start_date_time = from;
        if (from < charging_end) {
            const double h = hours(to - from);
            p.dimensions.push_back({CdrDimensionType::ENERGY, round4(kw * h)});
            p.dimensions.push_back({CdrDimensionType::TIME, round4(h)});
            p.dimensions.push_back({CdrDimensionType::MAX_POWER, round4(kw)});
            if (s.current_a) {
                p.dimensions.push_back({CdrDimensionType::MAX_CURRENT, round4(*s.current_a)});
            }
        } else {
            p.dimensions.push_back({CdrDimensionType::PARKING_TIME, round4(hours(to - from))});
        }
        if (tariff != nullptr) {
            p.tariff_id = tariff->id;
        }
        periods.push_back(std::move(p));
    }
    return periods;
}

}  // namespace scn::pricing
