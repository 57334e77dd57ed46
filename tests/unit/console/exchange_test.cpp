#include <scn/console/exchange.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace scn;
using namespace scn::console;
namespace json = boost::json;

namespace {
const std::string kToken = "0a99d24a-af46-463f-a5cb-b09afc355a01";
}

TEST(ConsoleMasking, SecretsKeepTheirStartAndLengthOnly) {
    EXPECT_EQ(mask_secret(kToken), "0a99\xE2\x80\xA6(36)");
    EXPECT_EQ(mask_secret("short"), "\xE2\x80\xA6(5)") << "a short secret shows nothing of itself";
    EXPECT_EQ(mask_secret(""), "\xE2\x80\xA6(0)");
}

TEST(ConsoleMasking, AuthorizationKeepsItsScheme) {
    EXPECT_EQ(mask_header("Authorization", "Token " + kToken), "Token 0a99\xE2\x80\xA6(36)");
    EXPECT_EQ(mask_header("authorization", "Bearer abcdefghijklmnop"), "Bearer abcd\xE2\x80\xA6(16)");
    EXPECT_EQ(mask_header("X-Api-Key", "randomkey"), "\xE2\x80\xA6(9)");
    EXPECT_EQ(mask_header("SCN-Signature", "0123456789abcdef"), "0123\xE2\x80\xA6(16)");
    EXPECT_EQ(mask_header("X-Correlation-ID", "abc"), "abc");
    EXPECT_EQ(mask_header("Content-Type", "application/json"), "application/json");
}

TEST(ConsoleMasking, JsonSecretsAnywhereButNotDriverTokens) {
    auto v = json::parse(R"({"token": ")" + kToken + R"(", "url": "http://x/versions",
        "nested": [{"token_c": "abcdefghijklmnopq", "API_KEY": "randomkey1234"}],
        "command": {"token": {"uid": "0", "type": "AD_HOC_USER"}, "response_url": "http://y"}})");
    mask_json(v);
    EXPECT_EQ(v.at("token"), "0a99\xE2\x80\xA6(36)");
    EXPECT_EQ(v.at("url"), "http://x/versions");
    EXPECT_EQ(v.at("nested").at(0).at("token_c"), "abcd\xE2\x80\xA6(17)");
    EXPECT_EQ(v.at("nested").at(0).at("API_KEY"), "rand\xE2\x80\xA6(13)");
    EXPECT_EQ(v.at("command").at("token").at("uid"), "0") << "a driver's token object is not a secret";
    EXPECT_EQ(json::serialize(v).find(kToken), std::string::npos);
}

TEST(ConsoleMasking, TokensInText) {
    EXPECT_EQ(mask_text("Authorization: Token " + kToken + "\nnext"),
              "Authorization: Token 0a99\xE2\x80\xA6(36)\nnext");
    EXPECT_EQ(mask_text("no secrets"), "no secrets");
}

TEST(ConsoleExchange, ModuleOfPaths) {
    EXPECT_EQ(module_of("/scpi/sender/2.2/locations/Loc1"), "locations");
    EXPECT_EQ(module_of("/scpi/receiver/2.2/commands/START_SESSION"), "commands");
    EXPECT_EQ(module_of("/scpi/2.2/credentials"), "credentials");
    EXPECT_EQ(module_of("/scpi/2.2/sender/chargingprofiles/result/1"), "chargingprofiles");
    EXPECT_EQ(module_of("/scpi/versions"), "versions");
    EXPECT_EQ(module_of("/ocpi/receiver/2.2.1/sessions/CH/CPO/1"), "sessions");
    EXPECT_EQ(module_of("/scpi/custom/sender/lottery/1"), "lottery");
    EXPECT_EQ(module_of("/scn/message"), "message");
    EXPECT_EQ(module_of("/health"), "");
}

TEST(ConsoleExchange, BodiesAreCutAtTheCap) {
    const auto small = keep_body(std::string("{}"), 10);
    EXPECT_EQ(small.joined(), "{}");
    EXPECT_FALSE(small.cut);
    const auto big = keep_body(std::string(100, 'x'), 10);
    EXPECT_EQ(big.joined(), std::string(10, 'x'));
    EXPECT_TRUE(big.cut);
    EXPECT_EQ(big.size, 100u);

    http::Response shared;
    shared.body = "{\"data\":";
    auto data = std::make_shared<const std::string>("[1,2,3]");
    shared.shared = http::SharedBytes{data, *data};
    shared.tail = "}";
    const auto kept = response_body(shared, 64);
    EXPECT_EQ(kept.joined(), "{\"data\":[1,2,3]}");
    EXPECT_EQ(kept.owner, data) << "the shared part is kept by reference, not copied";
    EXPECT_FALSE(kept.cut);
    const auto cut = response_body(shared, 10);
    EXPECT_EQ(cut.joined(), "{\"data\":[1");
    EXPECT_TRUE(cut.cut);
    EXPECT_EQ(cut.owner, nullptr);
}

TEST(ConsoleExchange, JsonWithRoutingAndMaskedSecrets) {
    Exchange x;
    x.seq = 7;
    x.direction = Direction::routed;
    x.method = "POST";
    x.path = "/scpi/2.2/credentials";
    x.latency = std::chrono::microseconds(1500);
    http::Headers h;
    h.add("Authorization", "Token " + kToken);
    h.add("X-Request-ID", "r1");
    h.add("X-Correlation-ID", "c1");
    h.add("SCPI-From-Country-Code", "CH");
    h.add("SCPI-From-Party-Id", "MSP");
    h.add("OCPI-to-country-code", "CH");
    h.add("OCPI-to-party-id", "CPO");
    x.request_headers = h;
    x.request_body = keep_body(R"({"token":")" + kToken + R"(","url":"u"})", 1024);
    x.status = 200;
    x.response_body = keep_body(std::string(R"({"status_code":1000,"data":{"token":"abcdefghijklmnop"}})"), 1024);
    const auto v = to_json(x);
    const auto text = json::serialize(v);
    EXPECT_EQ(text.find(kToken), std::string::npos) << text;
    EXPECT_EQ(text.find("abcdefghijklmnop"), std::string::npos) << text;
    EXPECT_EQ(v.at("seq"), 7);
    EXPECT_EQ(v.at("direction"), "routed");
    EXPECT_EQ(v.at("module"), "credentials");
    EXPECT_EQ(v.at("from"), "CH/MSP");
    EXPECT_EQ(v.at("to"), "CH/CPO");
    EXPECT_EQ(v.at("request_id"), "r1");
    EXPECT_EQ(v.at("correlation_id"), "c1");
    EXPECT_EQ(v.at("scpi_status"), 1000);
    EXPECT_DOUBLE_EQ(v.at("latency_ms").as_double(), 1.5);
    EXPECT_EQ(v.at("request_headers").at("Authorization"), "Token 0a99\xE2\x80\xA6(36)");
    EXPECT_EQ(v.at("request_body").at("url"), "u");
}

TEST(ConsoleExchange, BodyThatIsNotJsonIsText) {
    Exchange x;
    x.request_body = keep_body(std::string("Token abcdefghijklmnop and more"), 1024);
    x.response_body = keep_body(std::string("{\"cut"), 1024);
    const auto v = to_json(x);
    EXPECT_EQ(v.at("request_body"), "Token abcd\xE2\x80\xA6(16) and more");
    EXPECT_EQ(v.at("response_body"), "{\"cut");
    EXPECT_TRUE(v.at("scpi_status").is_null());
}
