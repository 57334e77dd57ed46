#include <scn/pricing/tariff_pricing.hpp>

#include <algorithm>
#include <charconv>

namespace scn::pricing {
namespace {

using scpi::CdrDimensionType;
using scpi::TariffDimensionType;

/// "HH:MM" → minutes after midnight; nullopt when malformed (a malformed restriction never holds).
std::optional<int> minutes_of(const std::string& hhmm) {
    int h = 0;
    int m = 0;
    if (hhmm.size() != 5 || hhmm[2] != ':' || std::from_chars(hhmm.data(), hhmm.data() + 2, h).ec != std::errc() ||
        std::from_chars(hhmm.data() + 3, hhmm.data() + 5, m).ec != std::errc() || h > 24 || m > 59) {
        return std::nullopt;
    }
    return h * 60 + m;
}

/// "YYYY-MM-DD" → date.
std::optional<std::chrono::year_month_day> date_of(const std::string& text) {
    int y = 0;
    unsigned mo = 0;
    unsigned d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
        std::from_chars(text.data(), text.data() + 4, y).ec != std::errc() ||
        std::from_chars(text.data() + 5, text.data() + 7, mo).ec != std::errc() ||
        std::from_chars(text.data() + 8, text.data() + 10, d).ec != std::errc()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
    return ymd.ok() ? std::optional(ymd) : std::nullopt;
}

bool within(const std::optional<double>& min, const std::optional<double>& max, const std::optional<double>& value) {
    if (!min && !max) {
        return true;
    }
    if (!value) {
        return false;
    }
    return (!min || *value >= *min) && (!max || *value < *max);
}

unsigned iso_index(scpi::DayOfWeek d) {
    return static_cast<unsigned>(d) + 1;  // MONDAY = 1 … SUNDAY = 7, the declaration order
}

const scpi::PriceComponent* component_of(const scpi::TariffElement& e, TariffDimensionType type) {
    for (const auto& c : e.price_components) {
        if (c.type == type) {
            return &c;
        }
    }
    return nullptr;
}

Cost cost_of(const scpi::PriceComponent& c, const Decimal& quantity) {
    const Decimal excl = decimal(c.price) * quantity;
    return {excl, c.vat ? excl * (Decimal(1) + decimal(*c.vat) / 100) : excl};
}

std::optional<double> dimension(const scpi::ChargingPeriod& p, std::initializer_list<CdrDimensionType> types) {
    for (const auto type : types) {
        for (const auto& d : p.dimensions) {
            if (d.type == type) {
                return d.volume;
            }
        }
    }
    return std::nullopt;
}

Decimal volume(const scpi::ChargingPeriod& p, CdrDimensionType type) {
    Decimal sum = 0;
    for (const auto& d : p.dimensions) {
        if (d.type == type) {
            sum += decimal(d.volume);
        }
    }
    return sum;
}

/// One priced dimension across the periods: what was billed, and the last component that billed it.
struct Billed {
    Cost cost;
    Decimal quantity = 0;  ///< kWh or hours in periods where a component was active
    const scpi::PriceComponent* last = nullptr;
};

/// Rounds `billed` up to its last component's step (`unit` step units per quantity unit) and bills the extra.
void round_up(Billed& billed, const Decimal& unit) {
    if (billed.last == nullptr || billed.quantity <= 0) {
        return;
    }
    const Decimal step = std::max(1, billed.last->step_size);
    const Decimal units = billed.quantity * unit;
    const Decimal rounded = ceil(units / step) * step;
    if (rounded > units) {
        billed.cost += cost_of(*billed.last, (rounded - units) / unit);
    }
}

}  // namespace

bool restrictions_hold(const scpi::TariffRestrictions& r, const Moment& m, const TimeZone& zone) {
    const bool timed = r.start_time || r.end_time || r.start_date || r.end_date || !r.day_of_week.empty();
    if (timed) {
        const auto local = zone.local(m.at);
        const auto start = r.start_time ? minutes_of(*r.start_time) : std::optional<int>(0);
        const auto end = r.end_time ? minutes_of(*r.end_time) : std::optional<int>(24 * 60);
        if (!start || !end) {
            return false;
        }
        const int t = local.minute_of_day;
        const bool in_time = *start <= *end ? (t >= *start && t < *end) : (t >= *start || t < *end);
        if (!in_time) {
            return false;
        }
        if (r.start_date) {
            const auto d = date_of(*r.start_date);
            if (!d || local.date < *d) {
                return false;
            }
        }
        if (r.end_date) {
            const auto d = date_of(*r.end_date);
            if (!d || !(local.date < *d)) {
                return false;
            }
        }
        if (!r.day_of_week.empty() && std::none_of(r.day_of_week.begin(), r.day_of_week.end(), [&](scpi::DayOfWeek d) {
                return iso_index(d) == local.weekday.iso_encoding();
            })) {
            return false;
        }
    }
    if (r.min_kwh && m.kwh_so_far < decimal(*r.min_kwh)) {
        return false;
    }
    if (r.max_kwh && !(m.kwh_so_far < decimal(*r.max_kwh))) {
        return false;
    }
    const auto seconds = m.duration_so_far.count();
    if (r.min_duration && seconds < *r.min_duration) {
        return false;
    }
    if (r.max_duration && seconds >= *r.max_duration) {
        return false;
    }
    return within(r.min_current, r.max_current, m.current) && within(r.min_power, r.max_power, m.power);
}

std::optional<std::size_t> active_element(const scpi::Tariff& tariff, TariffDimensionType type, const Moment& m,
                                          const TimeZone& zone) {
    for (std::size_t i = 0; i < tariff.elements.size(); ++i) {
        const auto& e = tariff.elements[i];
        if (component_of(e, type) == nullptr) {
            continue;
        }
        if (!e.restrictions) {
            return i;
        }
        if (e.restrictions->reservation) {
            continue;
        }
        if (restrictions_hold(*e.restrictions, m, zone)) {
            return i;
        }
    }
    return std::nullopt;
}

PricedCdr price_periods(const scpi::Tariff& tariff, const TimeZone& zone, TimePoint start, TimePoint end,
                        const std::vector<scpi::ChargingPeriod>& periods) {
    PricedCdr out;
    out.total_time = Decimal(std::chrono::duration_cast<std::chrono::milliseconds>(end - start).count()) / 3'600'000;
    const auto moment = [&](const scpi::ChargingPeriod& p, const Decimal& kwh) {
        Moment m;
        m.at = p.start_date_time;
        m.kwh_so_far = kwh;
        m.duration_so_far = std::chrono::duration_cast<std::chrono::seconds>(p.start_date_time - start);
        m.current =
            dimension(p, {CdrDimensionType::CURRENT, CdrDimensionType::MAX_CURRENT, CdrDimensionType::MIN_CURRENT});
        m.power = dimension(p, {CdrDimensionType::POWER, CdrDimensionType::MAX_POWER, CdrDimensionType::MIN_POWER});
        return m;
    };

    // FLAT: once for the charging part, from the element active when the session starts.
    if (!periods.empty()) {
        Moment first = moment(periods.front(), 0);
        first.at = start;
        first.duration_so_far = std::chrono::seconds(0);
        if (const auto i = active_element(tariff, TariffDimensionType::FLAT, first, zone)) {
            out.fixed = cost_of(*component_of(tariff.elements[*i], TariffDimensionType::FLAT), 1);
        }
    }

    Billed energy;
    Billed time;
    Billed parking;
    Decimal kwh_so_far = 0;
    for (const auto& p : periods) {
        const Moment m = moment(p, kwh_so_far);
        const std::array<std::pair<TariffDimensionType, CdrDimensionType>, 3> dims{{
            {TariffDimensionType::ENERGY, CdrDimensionType::ENERGY},
            {TariffDimensionType::TIME, CdrDimensionType::TIME},
            {TariffDimensionType::PARKING_TIME, CdrDimensionType::PARKING_TIME},
        }};
        for (const auto& [tariff_type, cdr_type] : dims) {
            const Decimal v = volume(p, cdr_type);
            if (v <= 0) {
                continue;
            }
            auto& billed = tariff_type == TariffDimensionType::ENERGY ? energy
                           : tariff_type == TariffDimensionType::TIME ? time
                                                                      : parking;
            if (const auto i = active_element(tariff, tariff_type, m, zone)) {
                const auto* c = component_of(tariff.elements[*i], tariff_type);
                billed.cost += cost_of(*c, v);
                billed.quantity += v;
                billed.last = c;
            }
        }
        const Decimal e = volume(p, CdrDimensionType::ENERGY);
        kwh_so_far += e;
        out.total_energy += e;
        out.total_parking_time += volume(p, CdrDimensionType::PARKING_TIME);

        // Reservation time, priced by the elements restricted to reservations.
        const Decimal reserved = volume(p, CdrDimensionType::RESERVATION_TIME);
        if (reserved > 0) {
            for (const auto& el : tariff.elements) {
                if (el.restrictions && el.restrictions->reservation == scpi::ReservationRestrictionType::RESERVATION) {
                    if (const auto* c = component_of(el, TariffDimensionType::TIME)) {
                        out.reservation += cost_of(*c, reserved);
                    }
                    if (const auto* c = component_of(el, TariffDimensionType::FLAT); c && !out.has_reservation) {
                        out.reservation += cost_of(*c, 1);
                    }
                    out.has_reservation = true;
                    break;
                }
            }
        }
    }

    // step_size once on the totals: energy in Wh; time and parking as one pool in seconds, parking taking it when
    // the session has billable parking.
    round_up(energy, 1000);
    if (parking.quantity > 0) {
        round_up(parking, 3600);
    } else {
        round_up(time, 3600);
    }
    out.energy = energy.cost;
    out.time = time.cost;
    out.parking = parking.cost;
    out.has_energy = energy.last != nullptr;
    out.has_time = time.last != nullptr;
    out.has_parking = parking.last != nullptr;

    out.total = out.fixed;
    out.total += out.energy;
    out.total += out.time;
    out.total += out.parking;
    out.total += out.reservation;
    if (tariff.min_price) {
        out.total.excl = std::max(out.total.excl, decimal(tariff.min_price->excl_vat));
        if (tariff.min_price->incl_vat) {
            out.total.incl = std::max(out.total.incl, decimal(*tariff.min_price->incl_vat));
        }
    }
    if (tariff.max_price) {
        out.total.excl = std::min(out.total.excl, decimal(tariff.max_price->excl_vat));
        if (tariff.max_price->incl_vat) {
            out.total.incl = std::min(out.total.incl, decimal(*tariff.max_price->incl_vat));
        }
    }
    return out;
}

}  // namespace scn::pricing
