// The two dialects: SCPI 2.2 as the code speaks it, plain OCPI 2.2.1 translated at a party's edges.
#include <scn/core/base64.hpp>
#include <scn/scpi/dialect.hpp>
#include <scn/scpi/model.hpp>

#include <gtest/gtest.h>

using namespace scn::scpi;

TEST(Dialect, ScpiLeavesEverythingAsItIs) {
    const auto& d = scpi_dialect();
    EXPECT_FALSE(d.is_ocpi());
    EXPECT_EQ(d.path("http://x/scpi/sender/2.2/locations"), "http://x/scpi/sender/2.2/locations");
    EXPECT_EQ(d.scpi_path("/scpi/versions"), "/scpi/versions");
    EXPECT_EQ(d.authorization("abc-1"), "Token abc-1") << "SCN nodes send and read raw tokens";
    EXPECT_EQ(d.header("SCPI-From-Country-Code"), "SCPI-From-Country-Code");
    EXPECT_EQ(d.version, "2.2");
}

TEST(Dialect, OcpiRenamesThePrefixAndTheVersionSegmentOnly) {
    const auto& d = ocpi_dialect();
    EXPECT_TRUE(d.is_ocpi());
    EXPECT_EQ(d.version, "2.2.1");
    EXPECT_EQ(d.path("/scpi/versions"), "/ocpi/versions");
    EXPECT_EQ(d.path("/scpi/versions/2.2"), "/ocpi/versions/2.2.1");
    EXPECT_EQ(d.path("/scpi/2.2/credentials"), "/ocpi/2.2.1/credentials");
    EXPECT_EQ(d.path("http://h:3000/scpi/sender/2.2/locations?offset=2&limit=2.2"),
              "http://h:3000/ocpi/sender/2.2.1/locations?offset=2&limit=2.2")
        << "the query is not a path";
    EXPECT_EQ(d.path("/scpi/receiver/2.2/locations/CH/CPO/2.2"), "/ocpi/receiver/2.2.1/locations/CH/CPO/2.2")
        << "an object id that looks like a version stays what it is";
    EXPECT_EQ(d.path("<http://h/scpi/sender/2.2/cdrs?offset=10>; rel=\"next\""),
              "<http://h/ocpi/sender/2.2.1/cdrs?offset=10>; rel=\"next\"")
        << "a Link header value";
    EXPECT_EQ(d.path("http://h/other/2.2/x"), "http://h/other/2.2/x") << "not one of the party's URLs";
}

TEST(Dialect, OcpiPathsArriveInScpiTerms) {
    const auto& d = ocpi_dialect();
    for (const std::string scpi : {"/scpi/versions", "/scpi/versions/2.2", "/scpi/2.2/credentials",
                                   "/scpi/sender/2.2/locations/Loc1", "/scpi/receiver/2.2/sessions/CH/CPO/2.2.1"}) {
        EXPECT_EQ(d.scpi_path(d.path(scpi)), scpi);
    }
    EXPECT_EQ(d.scpi_path("/ocpi/sender/2.2.1/tariffs"), "/scpi/sender/2.2/tariffs");
    EXPECT_EQ(d.scpi_path("/scpi/sender/2.2/tariffs"), "/scpi/sender/2.2/tariffs") << "SCPI paths are not OCPI's";
}

TEST(Dialect, OcpiSendsBase64TokensAndItsOwnHeaderNames) {
    const auto& d = ocpi_dialect();
    EXPECT_EQ(d.authorization("abc-1"), "Token " + scn::core::base64_encode("abc-1"));
    EXPECT_EQ(d.authorization("abc-1"), "Token YWJjLTE=");
    EXPECT_EQ(d.header("SCPI-From-Country-Code"), "OCPI-from-country-code");
    EXPECT_EQ(d.header("SCPI-To-Party-Id"), "OCPI-to-party-id");
    EXPECT_EQ(d.header("X-Request-ID"), "X-Request-ID");
}

TEST(Dialect, NamedAsConfigured) {
    EXPECT_EQ(dialect_named("scpi-2.2"), &scpi_dialect());
    EXPECT_EQ(dialect_named("ocpi-2.2.1"), &ocpi_dialect());
    EXPECT_EQ(dialect_named("ocpi-2.2"), nullptr);
}

TEST(Dialect, TwoTwoOneMembersAreWrittenOnlyForTwoTwoOnePeers) {
    const auto start = from_json<StartSession>(parse_json(R"({"response_url":"http://m/r","location_id":"Loc1",
        "evse_uid":"E1","connector_id":"1","token":{"country_code":"CH","party_id":"MSP","uid":"0","type":"AD_HOC_USER",
        "contract_id":"0","issuer":"test MSP","valid":true,"whitelist":"NEVER","last_updated":"2019-10-14T15:45:11.353Z"}})"));
    EXPECT_EQ(to_text(start).find("connector_id"), std::string::npos) << "an OCPI 2.2 / SCPI peer";
    const auto for_221 = parse_json(to_text(start, Members::v2_2_1));
    EXPECT_EQ(for_221.at("connector_id"), "1");
    EXPECT_EQ(for_221.at("token").at("uid"), "0") << "nested objects are written whole";
}
