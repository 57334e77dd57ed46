#include <scn/scpi/model.hpp>

#include <gtest/gtest.h>

using namespace scn::scpi;

namespace {

template <typename T>
std::string error_of(std::string_view json_text) {
    try {
        (void)from_json<T>(parse_json(json_text));
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

constexpr std::string_view kConnector =
    R"({"id":"1","standard":"IEC_62196_T2","format":"SOCKET","power_type":"AC_3_PHASE","max_voltage":230,
        "max_amperage":16,"last_updated":"2019-10-14T15:45:11Z"})";

std::string location_with_second_connector(std::string_view second) {
    return std::string(R"({"country_code":"CH","party_id":"CPO","id":"L1","publish":true,"address":"a","city":"c",
        "country":"CHE","coordinates":{"latitude":"47.1","longitude":"8.5"},"time_zone":"Europe/Zurich",
        "last_updated":"2019-10-14T15:45:11Z","evses":[{"uid":"E1","status":"AVAILABLE","last_updated":"2019-10-14T15:45:11Z",
        "connectors":[)") +
           std::string(kConnector) + "," + std::string(second) + "]}]}";
}

}  // namespace

TEST(ParseErrors, NameTheJsonPathAndTheReason) {
    std::string bad(kConnector);
    bad.replace(bad.find("AC_3_PHASE"), 10, "AC_4_PHASE");
    EXPECT_EQ(error_of<Location>(location_with_second_connector(bad)),
              "$.evses[0].connectors[1].power_type: unknown value \"AC_4_PHASE\"");
    EXPECT_EQ(error_of<Location>(R"({"country_code":"CH"})"), "$.party_id: missing required member");
    EXPECT_EQ(error_of<GeoLocation>(R"({"latitude":"1"})"), "$.longitude: missing required member");
    EXPECT_EQ(error_of<Connector>(R"({"id":"1234567890123456789012345678901234567"})"),
              "$.id: longer than 36 characters");
    EXPECT_EQ(error_of<Session>(R"({"country_code":"CH","party_id":"CPO","id":"s","start_date_time":"yesterday"})"),
              "$.start_date_time: not a DateTime (expected e.g. 2019-10-14T15:45:11.353Z)");
    EXPECT_EQ(error_of<Price>(R"({"excl_vat":"1.00"})"), "$.excl_vat: expected a number");
    EXPECT_EQ(error_of<Connector>(R"({"id":"1","standard":"IEC_62196_T2","format":"SOCKET","power_type":"DC",
        "max_voltage":"high"})"),
              "$.max_voltage: expected an integer");
    EXPECT_EQ(
        error_of<Evse>(R"({"uid":"E1","status":"AVAILABLE","connectors":[],"last_updated":"2019-10-14T15:45:11Z"})"),
        "$.connectors: expected at least one element");
    EXPECT_EQ(error_of<Evse>(R"({"uid":"E1","status":"AVAILABLE","last_updated":"2019-10-14T15:45:11Z"})"),
              "$.connectors: missing required member (a list of at least one)");
    EXPECT_EQ(error_of<Location>("[1,2]"), "$: expected an object");
    EXPECT_EQ(error_of<Token>(R"({"country_code":"CH","party_id":"MSP","uid":"ü"})"),
              "$.uid: only printable ASCII characters are allowed");
    EXPECT_EQ(error_of<CommandResult>(R"({"result":"ACCEPTED","message":{"language":"en"}})"),
              "$.message: expected a list");
    EXPECT_EQ(error_of<Token>(R"({"country_code":"CH","party_id":"MSP","uid":"1","type":"RFID","contract_id":"c",
        "issuer":"i","valid":"yes"})"),
              "$.valid: expected true or false");
}

TEST(ParseErrors, StringLimitsCountCharactersNotBytes) {
    // DisplayText.text is string(512): 512 two-byte characters are allowed, 513 are not.
    std::string ok = R"({"language":"de","text":")";
    for (int i = 0; i < 512; ++i) {
        ok += "ü";
    }
    EXPECT_EQ(from_json<DisplayText>(parse_json(ok + "\"}")).text.size(), 1024u);
    EXPECT_EQ(error_of<DisplayText>(ok + "ü\"}"), "$.text: longer than 512 characters");
}

TEST(ParseErrors, InvalidJsonIsReportedAtTheRoot) {
    try {
        (void)parse_json("{\"a\":");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.path(), "$");
        EXPECT_NE(e.reason().find("not valid JSON"), std::string::npos);
    }
}
