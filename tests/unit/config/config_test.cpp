#include <scn/config/config.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace scn::config;

namespace {

std::string error_of(std::string_view text) {
    try {
        (void)parse(text, "config.json");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Config, ShippedTemplatesLoadAndMatchTheBuiltInDefaults) {
    const auto local = load(std::string(SCN_SOURCE_DIR) + "/config/config.local.json");
    const auto builtin = defaults();
    EXPECT_EQ(local.node_url, "http://localhost:8080");
    EXPECT_EQ(local.cpo.port, builtin.cpo.port);
    EXPECT_EQ(local.msp.port, builtin.msp.port);
    EXPECT_EQ(local.cpo.public_url, builtin.cpo.public_url);
    ASSERT_EQ(local.cpo.roles.size(), 1u);
    EXPECT_EQ(local.cpo.roles[0].country_code, "CH");
    EXPECT_EQ(local.cpo.roles[0].party_id, "CPO");
    EXPECT_EQ(local.msp.roles[0].role, "EMSP");
    EXPECT_EQ(local.cpo.session_update_interval, std::chrono::seconds(30));
    EXPECT_EQ(local.node.api_key, "randomkey");
    EXPECT_EQ(local.registry.backend, RegistryConfig::Backend::embedded);

    const auto volta = load(std::string(SCN_SOURCE_DIR) + "/config/config.volta.json");
    EXPECT_EQ(volta.registry.backend, RegistryConfig::Backend::ethereum);
    EXPECT_EQ(volta.registry.stage, "volta");
    EXPECT_EQ(volta.cpo.bind, "0.0.0.0");
}

TEST(Config, AbsentSectionsKeepDefaults) {
    const auto c = parse(R"({"cpo": {"port": 4000}})");
    EXPECT_EQ(c.cpo.port, 4000);
    EXPECT_EQ(c.cpo.public_url, "http://localhost:3000");
    EXPECT_EQ(c.msp.port, 3001);
}

TEST(Config, TrailingSlashesAreRemovedFromUrls) {
    const auto c = parse(R"({"scn": {"node": "http://localhost:8080/"}, "msp": {"publicIP": "http://h:1//"}})");
    EXPECT_EQ(c.node_url, "http://localhost:8080");
    EXPECT_EQ(c.msp.public_url, "http://h:1");
}

TEST(Config, PeerAndIntervalAreRead) {
    const auto c = parse(R"({"cpo": {"session_update_interval": 5,
        "peer": {"url": "http://localhost:3001/scpi/versions", "token": "abc"}}})");
    EXPECT_EQ(c.cpo.session_update_interval, std::chrono::seconds(5));
    ASSERT_TRUE(c.cpo.peer);
    EXPECT_EQ(c.cpo.peer->token, "abc");
}

TEST(Config, StrictIsOffUnlessAsked) {
    EXPECT_FALSE(parse("{}").cpo.strict);
    const auto c = parse(R"({"cpo": {"strict": true}, "msp": {"strict": false}})");
    EXPECT_TRUE(c.cpo.strict);
    EXPECT_FALSE(c.msp.strict);
    EXPECT_EQ(error_of(R"({"cpo": {"strict": "yes"}})"), "config.json: $.cpo.strict: expected true or false");
}

TEST(Config, ProtocolIsScpiUnlessOcpiIsAsked) {
    const auto d = parse("{}");
    EXPECT_EQ(d.cpo.protocol, "scpi-2.2");
    const auto c = parse(R"({"cpo": {"protocol": "ocpi-2.2.1"}})");
    EXPECT_EQ(c.cpo.protocol, "ocpi-2.2.1");
    EXPECT_EQ(c.msp.protocol, "scpi-2.2");
    EXPECT_EQ(c.node.signatures, false);
    EXPECT_TRUE(parse(R"({"node": {"signatures": true}})").node.signatures);
    EXPECT_EQ(error_of(R"({"msp": {"protocol": "ocpi-2.1.1"}})"),
              "config.json: $.msp.protocol: expected \"scpi-2.2\" or \"ocpi-2.2.1\"");
}

TEST(Config, PushPolicyIsReadPerParty) {
    const auto d = parse("{}");
    EXPECT_EQ(d.cpo.push.max_attempts, 10);
    EXPECT_EQ(d.cpo.push.max_age, std::chrono::seconds(3600));
    const auto c = parse(R"({"cpo": {"push": {"max_attempts": 3, "max_age": 60}}, "msp": {"push": {"max_age": 5}}})");
    EXPECT_EQ(c.cpo.push.max_attempts, 3);
    EXPECT_EQ(c.cpo.push.max_age, std::chrono::seconds(60));
    EXPECT_EQ(c.msp.push.max_attempts, 10) << "an absent key keeps its default";
    EXPECT_EQ(c.msp.push.max_age, std::chrono::seconds(5));
    EXPECT_EQ(error_of(R"({"cpo": {"push": {"max_attempts": 0}}})"),
              "config.json: $.cpo.push.max_attempts: expected an integer from 1 to 1000000");
    EXPECT_EQ(
        error_of(R"({"msp": {"push": {"retries": 3}}})"),
        "config.json: $.msp.push.retries: unknown key (known keys here: max_attempts, max_age, max_queued, parallel)");
    EXPECT_EQ(d.cpo.push.max_queued, 100'000);
    EXPECT_EQ(parse(R"({"cpo": {"push": {"max_queued": 50}}})").cpo.push.max_queued, 50);
    EXPECT_EQ(error_of(R"({"cpo": {"push": {"max_queued": 0}}})"),
              "config.json: $.cpo.push.max_queued: expected an integer from 1 to 100000000");
    EXPECT_EQ(d.cpo.push.parallel, 16);
    EXPECT_EQ(parse(R"({"msp": {"push": {"parallel": 1}}})").msp.push.parallel, 1);
    EXPECT_EQ(error_of(R"({"cpo": {"push": {"parallel": 17}}})"),
              "config.json: $.cpo.push.parallel: expected an integer from 1 to 16");
}

TEST(Config, SignaturesRequiredModulesControlPortAndPeerTokenA) {
    const auto d = parse("{}");
    EXPECT_FALSE(d.cpo.signatures);
    EXPECT_TRUE(d.msp.required_modules.empty());
    EXPECT_EQ(d.cpo.control_port, 3100);
    EXPECT_EQ(d.msp.control_port, 3101);
    EXPECT_EQ(d.cpo.control_bind, "127.0.0.1");
    const auto c = parse(R"({"cpo": {"signatures": true, "control_port": 0, "required_modules": ["sessions", "cdrs"],
                              "peer": {"url": "http://localhost:9000/versions", "token_a": "a-1"}}})");
    EXPECT_TRUE(c.cpo.signatures);
    EXPECT_EQ(c.cpo.control_port, 0);
    EXPECT_EQ(c.cpo.required_modules, (std::vector<std::string>{"sessions", "cdrs"}));
    ASSERT_TRUE(c.cpo.peer);
    EXPECT_EQ(c.cpo.peer->token_a, "a-1");
    EXPECT_TRUE(c.cpo.peer->token.empty());
    EXPECT_EQ(error_of(R"({"cpo": {"required_modules": ["sessions", 3]}})"),
              "config.json: $.cpo.required_modules: expected an array of non-empty strings");
    EXPECT_EQ(error_of(R"({"cpo": {"peer": {"url": "http://x/versions"}}})"),
              "config.json: $.cpo.peer.token: expected either token (used as it is) or token_a (registers by the "
              "credentials handshake)");
    EXPECT_EQ(error_of(R"({"cpo": {"peer": {"url": "http://x/versions", "token": "t", "token_a": "a"}}})"),
              "config.json: $.cpo.peer.token: expected either token (used as it is) or token_a (registers by the "
              "credentials handshake)");
}

TEST(Config, ErrorsNameTheFileAndPath) {
    EXPECT_EQ(error_of(R"({"cpo": {"port": "3000"}})"), "config.json: $.cpo.port: expected an integer from 0 to 65535");
    EXPECT_EQ(error_of(R"({"cpo": {"port": 70000}})"), "config.json: $.cpo.port: expected an integer from 0 to 65535");
    EXPECT_EQ(error_of(R"({"cpo": {"publicIp": "x"}})").substr(0, 44), "config.json: $.cpo.publicIp: unknown key (kn");
    EXPECT_EQ(error_of(R"({"msp": {"roles": [{"party_id": "MSP", "country_code": "Swiss", "role": "EMSP"}]}})"),
              "config.json: $.msp.roles[0].country_code: expected two upper-case letters, e.g. \"CH\"");
    EXPECT_EQ(error_of(R"({"msp": {"roles": [{"party_id": "MSP", "country_code": "CH", "role": "MSP"}]}})"),
              "config.json: $.msp.roles[0].role: expected one of CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP");
    EXPECT_EQ(error_of(R"({"registry": {"backend": "chain"}})"),
              "config.json: $.registry.backend: expected \"embedded\" or \"ethereum\"");
    EXPECT_EQ(error_of(R"({"scn": []})"), "config.json: $.scn: expected an object");
    EXPECT_EQ(error_of(R"({"msp": {"roles": []}})"), "config.json: $.msp.roles: expected at least one role");
    EXPECT_EQ(error_of("[1]"), "config.json: $: expected an object");
    EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
}

TEST(Config, MissingFileIsReportedClearly) {
    try {
        (void)load("/nonexistent/config.json");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/config.json: cannot read"), std::string::npos);
    }
}
