#pragma once

// Builders for pricing tests: tariffs from their elements' JSON, periods from a start time and dimensions.
#include <scn/core/datetime.hpp>
#include <scn/pricing/tariff_pricing.hpp>
#include <scn/scpi/io.hpp>
#include <scn/scpi/json.hpp>

#include <stdexcept>

namespace scn::pricing::test {

inline TimePoint at(const std::string& iso) {
    const auto t = core::parse_datetime(iso);
    if (!t) {
        throw std::invalid_argument("bad time " + iso);
    }
    return *t;
}

/// A tariff with these elements (JSON array text) and optional extra members (`"min_price":{…}`).
inline scpi::Tariff tariff(const std::string& elements, const std::string& extra = "") {
    const std::string text = R"({"country_code":"NL","party_id":"CPO","id":"T","currency":"EUR",)" +
                             (extra.empty() ? std::string() : extra + ",") + R"("elements":)" + elements +
                             R"(,"last_updated":"2024-01-01T00:00:00Z"})";
    return scpi::from_json<scpi::Tariff>(scpi::parse_json(text));
}

using D = scpi::CdrDimensionType;

inline scpi::ChargingPeriod period(const std::string& start, std::vector<scpi::CdrDimension> dims) {
    scpi::ChargingPeriod p;
    p.start_date_time = at(start);
    p.dimensions = std::move(dims);
    p.tariff_id = "T";
    return p;
}

inline double excl(const PricedCdr& p) {
    return to_double(p.total.excl);
}
inline double incl(const PricedCdr& p) {
    return to_double(p.total.incl);
}

}  // namespace scn::pricing::test
