#include <scn/core/datetime.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <random>

using scn::core::format_datetime;
using scn::core::parse_datetime;

TEST(DateTime, ParsesTheFormsSCPIAllows) {
    const auto z = parse_datetime("2015-06-29T20:39:09Z");
    ASSERT_TRUE(z);
    EXPECT_EQ(format_datetime(*z), "2015-06-29T20:39:09.000Z");
    EXPECT_EQ(parse_datetime("2015-06-29T20:39:09"), z) << "a missing designator means UTC";
    EXPECT_EQ(format_datetime(*parse_datetime("2015-06-29T20:39:09.2Z")), "2015-06-29T20:39:09.200Z");
    EXPECT_EQ(format_datetime(*parse_datetime("2019-10-14T15:45:11.353Z")), "2019-10-14T15:45:11.353Z");
    EXPECT_EQ(format_datetime(*parse_datetime("2019-10-14T15:45:11.353987Z")), "2019-10-14T15:45:11.353Z");
}

TEST(DateTime, ConvertsOffsetsToUtc) {
    EXPECT_EQ(parse_datetime("2015-06-29T22:39:09+02:00"), parse_datetime("2015-06-29T20:39:09Z"));
    EXPECT_EQ(parse_datetime("2015-06-29T18:09:09-02:30"), parse_datetime("2015-06-29T20:39:09Z"));
}

TEST(DateTime, RejectsMalformedInput) {
    for (const char* bad : {"", "2015-06-29", "2015-06-29 20:39:09Z", "2015-13-01T00:00:00Z", "2015-02-30T00:00:00Z",
                            "2015-06-29T24:00:00Z", "2015-06-29T20:39:09.Z", "2015-06-29T20:39:09ZZ",
                            "2015-06-29T20:39:09+0200", "yesterday", "2015-06-29T20:39:0aZ"}) {
        EXPECT_FALSE(parse_datetime(bad)) << bad;
    }
}

TEST(DateTime, FormatsEpochAndLeapDay) {
    EXPECT_EQ(format_datetime(scn::core::TimePoint{}), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_datetime(*parse_datetime("2024-02-29T23:59:59.999Z")), "2024-02-29T23:59:59.999Z");
}

TEST(DateTime, FormatsMillisecondsForLogLines) {
    using std::chrono::nanoseconds;
    EXPECT_EQ(scn::core::format_millis(nanoseconds(2'070'500), 3), "2.071");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(2'070'499), 3), "2.070");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(696'400), 3), "0.696");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(2'100'000), 1), "2.1");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(1'950'000), 1), "2.0");  // carries into the integer part
    EXPECT_EQ(scn::core::format_millis(nanoseconds(45'000), 3), "0.045");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(12'345'678'901), 0), "12346");
    EXPECT_EQ(scn::core::format_millis(nanoseconds(-1'500'000), 1), "-1.5");
}

TEST(DateTime, FormatsLikeTheCLibraryAcrossTheCalendar) {
    // Random instants between 1970 and 2100 against gmtime + strftime, which format_datetime no longer uses.
    std::mt19937_64 random(42);
    for (int i = 0; i < 2000; ++i) {
        const auto ms = static_cast<std::int64_t>(random() % 4'102'444'800'000ULL);
        const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
        std::tm parts{};
        gmtime_r(&seconds, &parts);
        std::array<char, 32> date{};
        std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &parts);
        std::array<char, 48> expected{};
        std::snprintf(expected.data(), expected.size(), "%s.%03dZ", date.data(), static_cast<int>(ms % 1000));
        const scn::core::TimePoint t{std::chrono::milliseconds(ms)};
        ASSERT_EQ(format_datetime(t), std::string(expected.data())) << ms;
        ASSERT_EQ(parse_datetime(format_datetime(t)), t);
    }
}
