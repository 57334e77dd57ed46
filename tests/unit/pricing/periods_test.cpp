// The periods a CPO reports for a simulated session, priced by the same engine.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

using namespace scn::pricing;
using namespace scn::pricing::test;

TEST(BuildPeriods, NewPeriodAtThePriceChangeAndAtParking) {
    // The worked example's tariff: 17:30 to 18:45 at 10 kW, parked until 19:02.
    const auto t = tariff(R"([{"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1}]},
               {"price_components":[{"type":"ENERGY","price":0.30,"vat":20.0,"step_size":1}],
                "restrictions":{"start_time":"18:00","end_time":"22:00"}},
               {"price_components":[{"type":"ENERGY","price":0.25,"vat":20.0,"step_size":1},
                                    {"type":"PARKING_TIME","price":3.00,"vat":20.0,"step_size":300}]}])");
    const TimeZone zone("Europe/Lisbon");
    const SimulatedSession s{at("2024-01-15T17:30:00Z"), at("2024-01-15T18:45:00Z"), at("2024-01-15T19:02:00Z"), 10,
                             16};
    const auto periods = build_periods(&t, zone, s);
    ASSERT_EQ(periods.size(), 3u);
    EXPECT_EQ(periods[0].start_date_time, at("2024-01-15T17:30:00Z"));
    EXPECT_EQ(periods[1].start_date_time, at("2024-01-15T18:00:00Z"));
    EXPECT_EQ(periods[2].start_date_time, at("2024-01-15T18:45:00Z"));
    EXPECT_EQ(periods[0].dimensions[0].volume, 5.0);
    EXPECT_EQ(periods[1].dimensions[0].volume, 7.5);
    EXPECT_EQ(periods[2].dimensions[0].type, D::PARKING_TIME);
    EXPECT_EQ(periods[2].dimensions[0].volume, 0.2833);
    const auto p = price_periods(t, zone, s.start, s.end, periods);
    // 0.50 + 5 × 0.25 + 7.5 × 0.30 + 20 min parking 1.00
    EXPECT_EQ(excl(p), 5.00);
}

TEST(BuildPeriods, OnlyChangesThatMatterCutPeriods) {
    // A restriction-less tariff: one period however long the session, even across midnight.
    const auto flat = tariff(R"([{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1000}]}])");
    const SimulatedSession s{at("2024-01-15T23:00:00Z"), at("2024-01-16T01:00:00Z"), at("2024-01-16T01:00:00Z"), 11,
                             std::nullopt};
    const auto periods = build_periods(&flat, TimeZone("Europe/Zurich"), s);
    ASSERT_EQ(periods.size(), 1u);
    EXPECT_EQ(periods[0].dimensions[0].volume, 22.0);
    EXPECT_EQ(build_periods(nullptr, TimeZone("UTC"), s).size(), 1u);
}

TEST(BuildPeriods, EnergyAndDurationThresholds) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"ENERGY","price":0.00,"step_size":1}],"restrictions":{"max_duration":1800}},
      {"price_components":[{"type":"ENERGY","price":0.40,"step_size":1}],"restrictions":{"max_kwh":20}},
      {"price_components":[{"type":"ENERGY","price":0.20,"step_size":1}]}])");
    // 20 kW: 30 min free, then 0.40 until 20 kWh (at 60 min), then 0.20.
    const SimulatedSession s{at("2024-01-15T10:00:00Z"), at("2024-01-15T11:30:00Z"), at("2024-01-15T11:30:00Z"), 20,
                             std::nullopt};
    const TimeZone utc("UTC");
    const auto periods = build_periods(&t, utc, s);
    ASSERT_EQ(periods.size(), 3u);
    EXPECT_EQ(periods[1].start_date_time, at("2024-01-15T10:30:00Z"));
    EXPECT_EQ(periods[2].start_date_time, at("2024-01-15T11:00:00Z"));
    EXPECT_EQ(excl(price_periods(t, utc, s.start, s.end, periods)), 10 * 0.40 + 10 * 0.20);
}

TEST(BuildPeriods, LocalMidnightAcrossADstChange) {
    // Europe/Zurich springs forward on 2024-03-31 at 02:00; a night tariff 22:00–06:00 local.
    const auto t = tariff(R"([
      {"price_components":[{"type":"TIME","price":1.00,"step_size":1}],"restrictions":{"start_time":"22:00","end_time":"06:00"}},
      {"price_components":[{"type":"TIME","price":3.00,"step_size":1}]}])");
    const TimeZone zurich("Europe/Zurich");
    const SimulatedSession s{at("2024-03-30T20:00:00Z"), at("2024-03-31T05:00:00Z"), at("2024-03-31T05:00:00Z"), 3.7,
                             std::nullopt};
    const auto periods = build_periods(&t, zurich, s);
    ASSERT_EQ(periods.size(), 3u);
    EXPECT_EQ(periods[1].start_date_time, at("2024-03-30T21:00:00Z")) << "22:00 CET";
    EXPECT_EQ(periods[2].start_date_time, at("2024-03-31T04:00:00Z")) << "06:00 CEST";
}

namespace {

std::vector<scn::scpi::Tariff> shipped_tariffs() {
    std::ifstream in(std::string(SCN_SOURCE_DIR) + "/data/cpo/tariffs.json");
    std::stringstream text;
    text << in.rdbuf();
    return scn::scpi::from_json<std::vector<scn::scpi::Tariff>>(scn::scpi::parse_json(text.str()));
}

}  // namespace

TEST(ShippedTariffs, PriceASimulatedSessionAsDocumented) {
    const auto tariffs = shipped_tariffs();
    ASSERT_EQ(tariffs.size(), 4u);
    const TimeZone zug("Europe/Zurich");
    // 40 minutes at 11 kW: 7.3333 kWh.
    const SimulatedSession s{at("2024-01-15T10:00:00Z"), at("2024-01-15T10:40:00Z"), at("2024-01-15T10:40:00Z"), 11,
                             16};
    const auto price = [&](const scn::scpi::Tariff& t) {
        return price_periods(t, zug, s.start, s.end, build_periods(&t, zug, s));
    };
    // Tariff 1: FLAT 0.50 + 0.25 per started kWh (step 1000 Wh): 8 kWh → 2.50; with 7.7 % VAT 2.6925.
    auto p = price(tariffs[0]);
    EXPECT_EQ(excl(p), 2.50);
    EXPECT_EQ(incl(p), 2.6925);
    EXPECT_EQ(to_double(p.total_energy), 7.3333);
    // Tariff 2: FLAT 0.50 + 2.00 per hour in 15-minute steps: 40 min → 45 min = 1.50; 2.00 in all, 2.154 with VAT.
    p = price(tariffs[1]);
    EXPECT_EQ(excl(p), 2.00);
    EXPECT_EQ(incl(p), 2.154);
    // Tariff 3: FLAT 8.00 whatever the session: 8.616 with VAT.
    p = price(tariffs[2]);
    EXPECT_EQ(excl(p), 8.00);
    EXPECT_EQ(incl(p), 8.616);
    // Tariff 4: FLAT 0.50, per started kWh 0.30 from 07:00 to 22:00 local time and 0.20 at night. An hour across
    // 22:00 in Zug (21:00Z in January) at 11 kW: 5.5 kWh at each price, 0.50 + 1.65 + 1.10 = 3.25, two periods.
    const SimulatedSession late{at("2024-01-15T20:30:00Z"), at("2024-01-15T21:30:00Z"), at("2024-01-15T21:30:00Z"), 11,
                                16};
    const auto periods = build_periods(&tariffs[3], zug, late);
    EXPECT_EQ(periods.size(), 2u);
    p = price_periods(tariffs[3], zug, late.start, late.end, periods);
    EXPECT_EQ(excl(p), 3.25);
    EXPECT_EQ(to_double(p.total_energy), 11.0);
}
