// SCPI 2.2 §5: the worked example with its variants and every regression vector of §5.7.
#include <gtest/gtest.h>

#include "support.hpp"

using namespace scn::pricing;
using namespace scn::pricing::test;

namespace {

const TimeZone kLisbon("Europe/Lisbon");  // UTC in January
const TimeZone kUtc("UTC");

/// §5.6: T-EVE, evening energy 18:00–22:00.
std::string evening_elements(int energy_step = 1, const std::string& extra_parking_component = "") {
    const auto step = std::to_string(energy_step);
    return R"([{"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1}]},
               {"price_components":[{"type":"ENERGY","price":0.30,"vat":20.0,"step_size":)" +
           step + R"(}],
                "restrictions":{"start_time":"18:00","end_time":"22:00"}},
               {"price_components":[{"type":"ENERGY","price":0.25,"vat":20.0,"step_size":)" +
           step + R"(},
                                    {"type":"PARKING_TIME","price":3.00,"vat":20.0,"step_size":300})" +
           extra_parking_component + "]}]";
}

std::vector<scn::scpi::ChargingPeriod> evening_session(double evening_kwh = 6.5) {
    return {period("2024-01-15T17:30:00Z", {{D::ENERGY, 5.0}, {D::TIME, 0.5}}),
            period("2024-01-15T18:00:00Z", {{D::ENERGY, evening_kwh}, {D::TIME, 0.75}}),
            period("2024-01-15T18:45:00Z", {{D::PARKING_TIME, 17.0 / 60}})};
}

PricedCdr evening(const scn::scpi::Tariff& t, const std::vector<scn::scpi::ChargingPeriod>& periods,
                  const std::string& end = "2024-01-15T19:02:00Z") {
    return price_periods(t, kLisbon, at("2024-01-15T17:30:00Z"), at(end), periods);
}

/// §5.7 V1–V3: time of day switches TIME and PARKING prices.
const std::string kDayEvening = R"([
  {"price_components":[{"type":"TIME","price":1.20,"step_size":1800},{"type":"PARKING_TIME","price":1.00,"step_size":900}],
   "restrictions":{"start_time":"00:00","end_time":"17:00"}},
  {"price_components":[{"type":"TIME","price":2.40,"step_size":900},{"type":"PARKING_TIME","price":1.00,"step_size":900}],
   "restrictions":{"start_time":"17:00","end_time":"20:00"}},
  {"price_components":[{"type":"TIME","price":2.40,"step_size":900}],
   "restrictions":{"start_time":"20:00","end_time":"00:00"}}])";

/// §5.7 V7–V8: current and weekday restrictions (TIME components carry 20% VAT in the specification's example).
const std::string kWeekTariff = R"([
  {"price_components":[{"type":"FLAT","price":2.50,"vat":15.0,"step_size":1}]},
  {"price_components":[{"type":"TIME","price":1.00,"vat":20.0,"step_size":900}],"restrictions":{"max_current":32.00}},
  {"price_components":[{"type":"TIME","price":2.00,"vat":20.0,"step_size":600}],
   "restrictions":{"min_current":32.00,"day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
  {"price_components":[{"type":"TIME","price":1.25,"vat":20.0,"step_size":600}],
   "restrictions":{"min_current":32.00,"day_of_week":["SATURDAY","SUNDAY"]}},
  {"price_components":[{"type":"PARKING_TIME","price":5.00,"vat":10.0,"step_size":300}],
   "restrictions":{"start_time":"09:00","end_time":"18:00",
                   "day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
  {"price_components":[{"type":"PARKING_TIME","price":6.00,"vat":10.0,"step_size":300}],
   "restrictions":{"start_time":"10:00","end_time":"17:00","day_of_week":["SATURDAY"]}}])";

}  // namespace

TEST(T06_WorkedExample, EveningEnergyAndParking) {
    const auto p = evening(tariff(evening_elements()), evening_session());
    EXPECT_EQ(excl(p), 4.70);
    EXPECT_EQ(incl(p), 5.64);
    EXPECT_EQ(p.fixed.price(), (scn::scpi::Price{0.50, 0.60}));
    EXPECT_EQ(p.energy.price(), (scn::scpi::Price{3.20, 3.84}));
    EXPECT_EQ(p.parking.price(), (scn::scpi::Price{1.00, 1.20}));
    EXPECT_EQ(to_double(p.time.excl), 0) << "no TIME component: charging time is free";
    EXPECT_EQ(to_double(p.total_energy), 11.5);
    EXPECT_EQ(to_double(p.total_time), 1.5333);
    EXPECT_EQ(to_double(p.total_parking_time), 0.2833);
}

TEST(T06_WorkedExample, EnergyStepRoundsTheTotalAtTheLastComponentsPrice) {
    const auto p = evening(tariff(evening_elements(500)), evening_session(6.62));
    EXPECT_EQ(to_double(p.energy.excl), 3.35);
    EXPECT_EQ(excl(p), 4.85);
}

TEST(T06_WorkedExample, ChargingTimeIsNotRoundedWhenParkingIsBillable) {
    const auto t = tariff(evening_elements(1, R"(,{"type":"TIME","price":1.20,"step_size":900})"));
    const auto p = evening(t, evening_session());
    EXPECT_EQ(to_double(p.time.excl), 1.50) << "75 min, not rounded";
    // Unplugged at 18:47 without parking: 77 min round up to 90 min.
    const std::vector periods{period("2024-01-15T17:30:00Z", {{D::ENERGY, 5.0}, {D::TIME, 0.5}}),
                              period("2024-01-15T18:00:00Z", {{D::ENERGY, 6.5}, {D::TIME, 47.0 / 60}})};
    EXPECT_EQ(to_double(evening(t, periods, "2024-01-15T18:47:00Z").time.excl), 1.80);
}

TEST(T06_WorkedExample, MinAndMaxPriceClampTheTotal) {
    auto p = evening(tariff(evening_elements(), R"("max_price":{"excl_vat":4.00,"incl_vat":4.80})"), evening_session());
    EXPECT_EQ(excl(p), 4.00);
    EXPECT_EQ(incl(p), 4.80);
    EXPECT_EQ(to_double(p.energy.excl), 3.20) << "categories are reported unclamped";
    p = evening(tariff(evening_elements(), R"("min_price":{"excl_vat":5.00,"incl_vat":6.00})"), evening_session());
    EXPECT_EQ(excl(p), 5.00);
    EXPECT_EQ(incl(p), 6.00);
}

TEST(T06_RegressionVectors, V1ParkingRoundsTheTimePool) {
    const auto p = price_periods(
        tariff(kDayEvening), kUtc, at("2024-01-15T16:55:00Z"), at("2024-01-15T17:12:00Z"),
        {period("2024-01-15T16:55:00Z", {{D::TIME, 5.0 / 60}}), period("2024-01-15T17:00:00Z", {{D::TIME, 5.0 / 60}}),
         period("2024-01-15T17:05:00Z", {{D::PARKING_TIME, 2.0 / 60}})});
    EXPECT_EQ(excl(p), 0.55);
}

TEST(T06_RegressionVectors, V2ChargingTimeRoundedAtTheLastPrice) {
    const auto p = price_periods(tariff(kDayEvening), kUtc, at("2024-01-15T16:35:00Z"), at("2024-01-15T17:10:00Z"),
                                 {period("2024-01-15T16:35:00Z", {{D::TIME, 25.0 / 60}}),
                                  period("2024-01-15T17:00:00Z", {{D::TIME, 10.0 / 60}})});
    EXPECT_EQ(excl(p), 1.30);
}

TEST(T06_RegressionVectors, V3FreeParkingIsNotBillable) {
    const auto p = price_periods(tariff(kDayEvening), kUtc, at("2024-01-15T19:40:00Z"), at("2024-01-15T20:12:00Z"),
                                 {period("2024-01-15T19:40:00Z", {{D::TIME, 12.0 / 60}}),
                                  period("2024-01-15T19:52:00Z", {{D::PARKING_TIME, 8.0 / 60}}),
                                  period("2024-01-15T20:00:00Z", {{D::PARKING_TIME, 12.0 / 60}})});
    EXPECT_EQ(excl(p), 0.73);
}

TEST(T06_RegressionVectors, V4EnergyStepAcrossAPriceChange) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"ENERGY","price":0.20,"step_size":500}],"restrictions":{"end_time":"17:00"}},
      {"price_components":[{"type":"ENERGY","price":0.27,"step_size":500}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T16:00:00Z"), at("2024-01-15T17:30:00Z"),
                                 {period("2024-01-15T16:00:00Z", {{D::ENERGY, 4.3}, {D::TIME, 1}}),
                                  period("2024-01-15T17:00:00Z", {{D::ENERGY, 1.1}, {D::TIME, 0.5}})});
    EXPECT_EQ(excl(p), 1.184);
}

TEST(T06_RegressionVectors, V5TimeStepAcrossAPriceChange) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"TIME","price":5.00,"step_size":600}],"restrictions":{"end_time":"17:00"}},
      {"price_components":[{"type":"TIME","price":7.00,"step_size":600}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T16:54:00Z"), at("2024-01-15T17:22:00Z"),
                                 {period("2024-01-15T16:54:00Z", {{D::TIME, 6.0 / 60}}),
                                  period("2024-01-15T17:00:00Z", {{D::TIME, 22.0 / 60}})});
    EXPECT_EQ(excl(p), 3.30);
}

TEST(T06_RegressionVectors, V6TimeAndParking) {
    const auto t = tariff(R"([{"price_components":[{"type":"TIME","price":1.00,"step_size":600},
                                                  {"type":"PARKING_TIME","price":2.00,"step_size":600}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T10:37:00Z"),
                                 {period("2024-01-15T10:00:00Z", {{D::TIME, 21.0 / 60}}),
                                  period("2024-01-15T10:21:00Z", {{D::PARKING_TIME, 16.0 / 60}})});
    EXPECT_EQ(excl(p), 1.0167);
}

TEST(T06_RegressionVectors, V7CurrentAndWeekdayOnMonday) {
    const auto p = price_periods(tariff(kWeekTariff), kUtc, at("2024-01-15T09:30:00Z"), at("2024-01-15T12:57:00Z"),
                                 {period("2024-01-15T09:30:00Z", {{D::TIME, 165.0 / 60}, {D::MAX_CURRENT, 16}}),
                                  period("2024-01-15T12:15:00Z", {{D::PARKING_TIME, 42.0 / 60}})});
    EXPECT_EQ(excl(p), 9.00);
    EXPECT_EQ(incl(p), 10.30);
}

TEST(T06_RegressionVectors, V8CurrentAndWeekdayOnSaturday) {
    const auto p = price_periods(tariff(kWeekTariff), kUtc, at("2024-01-20T13:30:00Z"), at("2024-01-20T16:35:00Z"),
                                 {period("2024-01-20T13:30:00Z", {{D::TIME, 114.0 / 60}, {D::MAX_CURRENT, 43}}),
                                  period("2024-01-20T15:24:00Z", {{D::PARKING_TIME, 71.0 / 60}})});
    EXPECT_EQ(excl(p), 12.375);
}

TEST(T06_RegressionVectors, V9PowerBands) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"ENERGY","price":0.20,"step_size":1}],"restrictions":{"max_power":16.00}},
      {"price_components":[{"type":"ENERGY","price":0.35,"step_size":1}],"restrictions":{"min_power":16.00,"max_power":32.00}},
      {"price_components":[{"type":"ENERGY","price":0.50,"step_size":1}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T11:17:30Z"),
                                 {period("2024-01-15T10:00:00Z", {{D::ENERGY, 1}, {D::MAX_POWER, 6}}),
                                  period("2024-01-15T10:10:00Z", {{D::ENERGY, 40}, {D::MAX_POWER, 48}}),
                                  period("2024-01-15T11:00:00Z", {{D::ENERGY, 0.5}, {D::MAX_POWER, 4}})});
    EXPECT_EQ(excl(p), 20.30);
}

TEST(T06_RegressionVectors, V10DurationBands) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"ENERGY","price":0.00,"step_size":1}],"restrictions":{"max_duration":1800}},
      {"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}],"restrictions":{"max_duration":3600}},
      {"price_components":[{"type":"ENERGY","price":0.40,"step_size":1}]}])");
    const auto p = price_periods(
        t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T10:40:00Z"),
        {period("2024-01-15T10:00:00Z", {{D::ENERGY, 5}}), period("2024-01-15T10:30:00Z", {{D::ENERGY, 1.2}})});
    EXPECT_EQ(excl(p), 0.30);
}

TEST(T06_RegressionVectors, V11TimeStepWithVat) {
    const auto t = tariff(R"([{"price_components":[{"type":"TIME","price":2.00,"vat":10.0,"step_size":300}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T11:58:22.800Z"),
                                 {period("2024-01-15T10:00:00Z", {{D::TIME, 1.973}})});
    EXPECT_EQ(excl(p), 4.00);
    EXPECT_EQ(incl(p), 4.40);
}

TEST(T06_RegressionVectors, V12FlatEnergyParkingWithDifferentVat) {
    const auto t = tariff(R"([{"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},
                                                  {"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1},
                                                  {"type":"PARKING_TIME","price":2.00,"vat":20.0,"step_size":900}]}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T12:40:00Z"),
                                 {period("2024-01-15T10:00:00Z", {{D::ENERGY, 20}, {D::TIME, 2}}),
                                  period("2024-01-15T12:00:00Z", {{D::PARKING_TIME, 40.0 / 60}})});
    EXPECT_EQ(excl(p), 7.00);
    EXPECT_EQ(incl(p), 7.90);
}

TEST(Restrictions, LocalTimeOfTheLocationDecides) {
    const auto t = tariff(R"([
      {"price_components":[{"type":"ENERGY","price":0.30,"step_size":1}],"restrictions":{"start_time":"18:00","end_time":"22:00"}},
      {"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}]}])");
    Moment m;
    m.at = at("2024-01-15T17:30:00Z");  // 18:30 in Amsterdam (CET), 17:30 in UTC
    EXPECT_EQ(active_element(t, scn::scpi::TariffDimensionType::ENERGY, m, TimeZone("Europe/Amsterdam")), 0u);
    EXPECT_EQ(active_element(t, scn::scpi::TariffDimensionType::ENERGY, m, kUtc), 1u);
    m.at = at("2024-07-15T16:30:00Z");  // 18:30 in Amsterdam in summer (CEST)
    EXPECT_EQ(active_element(t, scn::scpi::TariffDimensionType::ENERGY, m, TimeZone("Europe/Amsterdam")), 0u);
    EXPECT_EQ(TimeZone("Not/AZone").name(), "UTC") << "an unknown zone reads as UTC";
}

TEST(Restrictions, BoundsAreMinInclusiveMaxExclusive) {
    scn::scpi::TariffRestrictions r;
    r.min_kwh = 10;
    r.max_kwh = 20;
    Moment m;
    m.kwh_so_far = 10;
    EXPECT_TRUE(restrictions_hold(r, m, kUtc));
    m.kwh_so_far = 20;
    EXPECT_FALSE(restrictions_hold(r, m, kUtc));
    scn::scpi::TariffRestrictions wrap;
    wrap.start_time = "22:00";
    wrap.end_time = "06:00";
    m.at = at("2024-01-15T23:00:00Z");
    EXPECT_TRUE(restrictions_hold(wrap, m, kUtc));
    m.at = at("2024-01-15T06:00:00Z");
    EXPECT_FALSE(restrictions_hold(wrap, m, kUtc));
    scn::scpi::TariffRestrictions dates;
    dates.start_date = "2024-01-15";
    dates.end_date = "2024-01-16";
    m.at = at("2024-01-15T23:59:00Z");
    EXPECT_TRUE(restrictions_hold(dates, m, kUtc));
    m.at = at("2024-01-16T00:00:00Z");
    EXPECT_FALSE(restrictions_hold(dates, m, kUtc));
    scn::scpi::TariffRestrictions power;
    power.max_power = 16;
    EXPECT_FALSE(restrictions_hold(power, Moment{}, kUtc)) << "unknown power cannot satisfy a power band";
}

TEST(Restrictions, NoMatchingElementMeansFree) {
    const auto t = tariff(R"([{"price_components":[{"type":"ENERGY","price":0.30,"step_size":1}],
                              "restrictions":{"day_of_week":["SUNDAY"]}}])");
    const auto p = price_periods(t, kUtc, at("2024-01-15T10:00:00Z"), at("2024-01-15T11:00:00Z"),
                                 {period("2024-01-15T10:00:00Z", {{D::ENERGY, 10}, {D::TIME, 1}})});
    EXPECT_EQ(excl(p), 0);
    EXPECT_FALSE(p.has_energy);
}
