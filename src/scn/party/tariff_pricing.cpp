#include <scn/party/tariff_pricing.hpp>

#include <array>
#include <cmath>
#include <cstdio>

namespace scn::party {
namespace {

double round4(double v) {
    return std::round(v * 10000.0) / 10000.0;
}

const scpi::PriceComponent* component(const scpi::Tariff& t, scpi::TariffDimensionType type) {
    for (const auto& e : t.elements) {
        if (e.restrictions) {
            continue;
        }
        for (const auto& c : e.price_components) {
            if (c.type == type) {
                return &c;
            }
        }
    }
    return nullptr;
}

scpi::Price price_of(const scpi::PriceComponent& c, double quantity) {
    const double excl = c.price * quantity;
    return {round4(excl), round4(c.vat ? excl * (1.0 + *c.vat / 100.0) : excl)};
}

double round_up(double quantity, double step) {
    if (step <= 0) {
        return quantity;
    }
    // Tolerate the binary representation of exact multiples (12.000000001 kWh is 12 kWh).
    return std::ceil(quantity / step - 1e-9) * step;
}

}  // namespace

std::string decimal_text(double value, int places) {
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "%.*f", places, value);
    std::string s = buf.data();
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') {
            s.pop_back();
        }
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s == "-0" ? "0" : s;
}

PricedSession price_session(const scpi::Tariff* tariff, scpi::TimePoint start, scpi::TimePoint end, double kwh) {
    PricedSession out;
    out.total_energy = round4(kwh);
    out.total_time = round4(std::chrono::duration<double, std::ratio<3600>>(end - start).count());
    scpi::ChargingPeriod period;
    period.start_date_time = start;
    period.dimensions.push_back({scpi::CdrDimensionType::ENERGY, out.total_energy});
    period.dimensions.push_back({scpi::CdrDimensionType::TIME, out.total_time});
    if (tariff != nullptr) {
        period.tariff_id = tariff->id;
    }
    out.charging_periods.push_back(std::move(period));
    scpi::Price total{0, 0};
    const auto add = [&total](const scpi::Price& p) {
        total.excl_vat = round4(total.excl_vat + p.excl_vat);
        total.incl_vat = round4(*total.incl_vat + p.incl_vat.value_or(p.excl_vat));
    };
    if (tariff != nullptr) {
        if (const auto* flat = component(*tariff, scpi::TariffDimensionType::FLAT)) {
            out.total_fixed_cost = price_of(*flat, 1);
            add(*out.total_fixed_cost);
        }
        if (const auto* energy = component(*tariff, scpi::TariffDimensionType::ENERGY)) {
            const double billed_kwh = round_up(kwh * 1000.0, energy->step_size) / 1000.0;
            out.total_energy_cost = price_of(*energy, billed_kwh);
            add(*out.total_energy_cost);
        }
        if (const auto* time = component(*tariff, scpi::TariffDimensionType::TIME)) {
            const double seconds = std::chrono::duration<double>(end - start).count();
            const double billed_hours = round_up(seconds, time->step_size) / 3600.0;
            out.total_time_cost = price_of(*time, billed_hours);
            add(*out.total_time_cost);
        }
        if (tariff->min_price && total.excl_vat < tariff->min_price->excl_vat) {
            total.excl_vat = tariff->min_price->excl_vat;
        }
        if (tariff->min_price && tariff->min_price->incl_vat && *total.incl_vat < *tariff->min_price->incl_vat) {
            total.incl_vat = tariff->min_price->incl_vat;
        }
        if (tariff->max_price && total.excl_vat > tariff->max_price->excl_vat) {
            total.excl_vat = tariff->max_price->excl_vat;
        }
        if (tariff->max_price && tariff->max_price->incl_vat && *total.incl_vat > *tariff->max_price->incl_vat) {
            total.incl_vat = tariff->max_price->incl_vat;
        }
    }
    out.total_cost = total;
    return out;
}

}  // namespace scn::party
