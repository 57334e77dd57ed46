#include <scn/check/context.hpp>
#include <scn/check/report.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace scn::check;
namespace json = boost::json;

namespace {

Report sample() {
    Report r;
    r.add({"V-01", "Version information lists 2.2", "OCPI 2.2 §6.1", Status::passed, "GET http://x/versions", "", "",
           std::chrono::milliseconds(3)});
    r.add({"L-03", "Unknown location & EVSE are 404", "OCPI 2.2 §8.2.1.2", Status::failed,
           "GET http://x/locations/nope", "HTTP 404", "HTTP 200, status 1000 <data>", std::chrono::milliseconds(5)});
    r.add({"G-04", "Routing headers come back swapped", "OCPI 2.2 §4.1.5", Status::skipped, "", "", "no --from",
           std::chrono::milliseconds(0)});
    return r;
}

}  // namespace

TEST(Report, CountsAndFindsResults) {
    const auto r = sample();
    const auto s = r.summary();
    EXPECT_EQ(s.passed, 1u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_EQ(s.skipped, 1u);
    ASSERT_NE(r.find("L-03"), nullptr);
    EXPECT_EQ(r.find("L-03")->status, Status::failed);
    EXPECT_EQ(r.find("X-99"), nullptr);
}

TEST(Report, JsonHasTheSummaryAndEveryCheck) {
    const auto doc = sample().to_json("http://x/versions");
    EXPECT_EQ(doc.at("summary").at("passed"), 1);
    EXPECT_EQ(doc.at("summary").at("failed"), 1);
    EXPECT_EQ(doc.at("summary").at("skipped"), 1);
    const auto& checks = doc.at("checks").as_array();
    ASSERT_EQ(checks.size(), 3u);
    EXPECT_EQ(checks[1].at("id"), "L-03");
    EXPECT_EQ(checks[1].at("status"), "failed");
    EXPECT_EQ(checks[1].at("expected"), "HTTP 404");
    EXPECT_EQ(checks[1].at("request"), "GET http://x/locations/nope");
}

TEST(Report, JunitIsEscapedXmlWithAFailureAndASkip) {
    const auto xml = sample().to_junit("http://x/versions?a=1&b=2");
    EXPECT_NE(xml.find("tests=\"3\" failures=\"1\" skipped=\"1\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("name=\"scn-tools check http://x/versions?a=1&amp;b=2\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("name=\"L-03 Unknown location &amp; EVSE are 404\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("<failure message=\"HTTP 200, status 1000 &lt;data&gt;\">"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<skipped message=\"no --from\"/>"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("<data>"), std::string::npos) << "nothing unescaped";
}

TEST(Report, TextLinesShowWhatFailedAndWhy) {
    const auto text = sample().to_text();
    EXPECT_NE(text.find("PASS  V-01  Version information lists 2.2"), std::string::npos) << text;
    EXPECT_NE(text.find("FAIL  L-03"), std::string::npos) << text;
    EXPECT_NE(text.find("expected: HTTP 404"), std::string::npos) << text;
    EXPECT_NE(text.find("SKIP  G-04  Routing headers come back swapped (no --from)"), std::string::npos) << text;
    EXPECT_NE(text.find("1 passed, 1 failed, 1 skipped"), std::string::npos) << text;
}

TEST(DateTimes, OnlyUtcWithoutOffsetIsAccepted) {
    for (const char* good :
         {"2024-01-01T10:00:00Z", "2024-01-01T10:00:00", "2024-01-01T10:00:00.123Z", "2024-01-01T10:00:00.5"}) {
        EXPECT_FALSE(datetime_problem(good)) << good;
    }
    for (const char* bad : {"2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00+00:00", "2024-01-01 10:00:00",
                            "2024-01-01", "2024-01-01T10:00:00.Z", "yesterday", ""}) {
        EXPECT_TRUE(datetime_problem(bad)) << bad;
    }
    EXPECT_NE(datetime_problem("2024-01-01T10:00:00+02:00")->find("not in UTC"), std::string::npos);
}
