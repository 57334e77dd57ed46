#include <scn/node/scn_message.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace scn::node;

namespace {

ScnMessage command() {
    ScnMessage m;
    m.module = "COMMANDS";
    m.interface_role = scn::scpi::InterfaceRole::RECEIVER;
    m.method = "POST";
    m.request_id = "r-1";
    m.correlation_id = "c-1";
    m.sender = {"CH", "MSP"};
    m.receiver = {"CH", "CPO"};
    m.url_path = "START_SESSION";
    m.query_params = {{"limit", "5"}};
    m.proxy_uid = "5b7c3a4e-0000-4000-8000-000000000001";
    m.proxy_resource = "http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/0";
    m.body = boost::json::parse(R"({"response_url":"x","location_id":"Loc1"})");
    return m;
}

}  // namespace

TEST(ScnMessage, SerialisesInTheReferenceMemberOrderWithoutAbsentMembers) {
    auto m = command();
    m.proxy_uid.reset();
    const auto text = serialize(m);
    EXPECT_EQ(text, R"({"module":"COMMANDS","interface_role":"RECEIVER","method":"POST","headers":{"Authorization":"",)"
                    R"("X-Request-ID":"r-1","X-Correlation-ID":"c-1","sender":{"party_id":"MSP","country_code":"CH"},)"
                    R"("receiver":{"party_id":"CPO","country_code":"CH"}},"url_path":"START_SESSION",)"
                    R"("query_params":{"limit":"5"},"proxy_resource":)"
                    R"("http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/0",)"
                    R"("body":{"response_url":"x","location_id":"Loc1"}})");
}

TEST(ScnMessage, RoundTrips) {
    const auto m = command();
    const auto back = parse_scn_message(serialize(m));
    EXPECT_EQ(back.module, m.module);
    EXPECT_EQ(back.sender, m.sender);
    EXPECT_EQ(back.receiver, m.receiver);
    EXPECT_EQ(back.query_params, m.query_params);
    EXPECT_EQ(back.proxy_uid, m.proxy_uid);
    EXPECT_EQ(back.proxy_resource, m.proxy_resource);
    EXPECT_EQ(back.body, m.body);
    EXPECT_EQ(serialize(back), serialize(m));
}

TEST(ScnMessage, MalformedMessagesNameTheProblem) {
    EXPECT_THROW((void)parse_scn_message("[]"), std::invalid_argument);
    try {
        (void)parse_scn_message(R"({"module":"LOCATIONS","interface_role":"SENDER","method":"GET","headers":{}})");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "$.headers.X-Correlation-ID: missing");
    }
    auto m = command();
    m.module = "PARKING";
    EXPECT_THROW((void)parse_scn_message(serialize(m)), std::invalid_argument);
    m.module = "CUSTOM";
    m.custom_module_id = "parking";
    EXPECT_EQ(parse_scn_message(serialize(m)).custom_module_id, "parking");
}

TEST(ScnMessage, ModuleNames) {
    EXPECT_EQ(module_enum("chargingprofiles"), "CHARGING_PROFILES");
    EXPECT_EQ(module_enum("hubclientinfo"), "HUB_CLIENT_INFO");
    EXPECT_EQ(module_enum("parking"), "CUSTOM");
    EXPECT_EQ(module_id("CDRS"), "cdrs");
    EXPECT_FALSE(module_id("CUSTOM"));
}

TEST(ScnMessage, SignatureIsTheWalletsOverTheExactBody) {
    const auto key = scn::eth::PrivateKey::parse("0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f");
    const auto body = serialize(command());
    const auto sig = sign_message(body, key);
    EXPECT_EQ(sig.size(), 130u) << "r‖s‖v as hex, without 0x";
    EXPECT_TRUE(sig.ends_with("1b") || sig.ends_with("1c"));
    EXPECT_EQ(message_signer(body, sig), key.address());
    EXPECT_NE(message_signer(body + " ", sig), key.address());
    EXPECT_FALSE(message_signer(body, "0x1234"));
    EXPECT_FALSE(message_signer(body, std::string(130, 'z')));
}
