#pragma once

#include <scn/scpi/cdrs.hpp>
#include <scn/scpi/tariffs.hpp>

#include <optional>
#include <vector>

namespace scn::party {

/// The priced outcome of a charging session, field by field as the CDR carries it.
struct PricedSession {
    std::vector<scpi::ChargingPeriod> charging_periods;
    scpi::Price total_cost;
    std::optional<scpi::Price> total_fixed_cost;
    std::optional<scpi::Price> total_energy_cost;
    std::optional<scpi::Price> total_time_cost;
    double total_energy = 0;  ///< kWh
    double total_time = 0;    ///< hours
};

/// Prices a session that charged `kwh` from `start` to `end` with constant power (the mock CPO's simulation):
/// for each dimension the first tariff element that has a component of that dimension applies; FLAT once; ENERGY
/// and TIME rounded up to their step_size once on the session totals; VAT per component as a percentage;
/// min_price/max_price clamp the total. Amounts are rounded to 4 decimals. Elements with restrictions are skipped
/// (the mock's default tariffs have none). No tariff: a free session.
[[nodiscard]] PricedSession price_session(const scpi::Tariff* tariff, scpi::TimePoint start, scpi::TimePoint end,
                                          double kwh);

/// `12.5` → "12.5", `3.7695` → "3.7695", `2` → "2": at most `places` decimals, trailing zeros dropped.
[[nodiscard]] std::string decimal_text(double value, int places = 4);

}  // namespace scn::party
