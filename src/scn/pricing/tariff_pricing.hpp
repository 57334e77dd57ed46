#pragma once

// Tariff pricing as SCPI 2.2 §5 defines it: per-dimension selection of the active price component, restrictions
// evaluated at every charging period in the location's local time, FLAT once, step_size once on the session totals
// (with the time/parking pool rule), VAT per component, min/max price on the total, exact decimals throughout.

#include <scn/pricing/decimal.hpp>
#include <scn/pricing/time_zone.hpp>
#include <scn/scpi/cdrs.hpp>
#include <scn/scpi/tariffs.hpp>

#include <optional>
#include <vector>

namespace scn::pricing {

/// A cost in exact decimals, excluding and including VAT.
struct Cost {
    Decimal excl = 0;
    Decimal incl = 0;
    Cost& operator+=(const Cost& o) {
        excl += o.excl;
        incl += o.incl;
        return *this;
    }
    /// Rounded to 4 decimals for the JSON model.
    [[nodiscard]] scpi::Price price() const { return {to_double(excl), to_double(incl)}; }
};

/// The costs of a session, category by category as a CDR reports them (§5.5).
struct PricedCdr {
    Cost fixed;                      ///< FLAT components of the charging part
    Cost energy;                     ///< ENERGY, with step rounding
    Cost time;                       ///< TIME (charging time), with step rounding
    Cost parking;                    ///< PARKING_TIME, with step rounding
    Cost reservation;                ///< reservation elements (FLAT and TIME)
    Cost total;                      ///< the sum, clamped by min_price / max_price
    Decimal total_energy = 0;        ///< kWh, unrounded
    Decimal total_time = 0;          ///< hours, end − start
    Decimal total_parking_time = 0;  ///< hours
    bool has_energy = false, has_time = false, has_parking = false, has_reservation = false;
};

/// The conditions at one moment of a session, against which restrictions are checked.
struct Moment {
    TimePoint at{};
    Decimal kwh_so_far = 0;
    std::chrono::seconds duration_so_far{0};
    std::optional<double> current;  ///< A
    std::optional<double> power;    ///< kW
};

/// Whether every restriction of `r` holds at `m` (min bounds inclusive, max bounds exclusive; an end_time before
/// the start_time wraps past midnight). Power or current bounds fail when the value is unknown. Reservation
/// restrictions are not checked here.
[[nodiscard]] bool restrictions_hold(const scpi::TariffRestrictions& r, const Moment& m, const TimeZone& zone);

/// The index of the element whose `type` component is active at `m`, skipping reservation elements; nullopt when
/// the dimension is free then.
[[nodiscard]] std::optional<std::size_t> active_element(const scpi::Tariff& tariff, scpi::TariffDimensionType type,
                                                        const Moment& m, const TimeZone& zone);

/// Prices the charging periods of a session (a checker's view: restrictions evaluated at each period's start,
/// with the energy and duration accumulated before it, and the period's current/power dimensions).
[[nodiscard]] PricedCdr price_periods(const scpi::Tariff& tariff, const TimeZone& zone, TimePoint start, TimePoint end,
                                      const std::vector<scpi::ChargingPeriod>& periods);

/// A simulated session: charging at constant power from `start` to `charging_end`, then parked until `end`.
struct SimulatedSession {
    TimePoint start{};
    TimePoint charging_end{};
    TimePoint end{};
    double power_kw = 0;
    std::optional<double> current_a;
};

/// The charging periods a CPO reports for `session` under `tariff`: a new period at every moment the active
/// component of any dimension changes (time of day, date and weekday boundaries in local time, energy and duration
/// thresholds, the start of parking), each with its ENERGY, TIME or PARKING_TIME volume and the power and current
/// as MAX_POWER / MAX_CURRENT. Sessions are considered up to 31 days.
[[nodiscard]] std::vector<scpi::ChargingPeriod> build_periods(const scpi::Tariff* tariff, const TimeZone& zone,
                                                              const SimulatedSession& session);

}  // namespace scn::pricing
