#include <scn/node/node_store.hpp>

#include <gtest/gtest.h>

using namespace scn::node;
using namespace std::chrono_literals;

namespace {

class NodeStoreTest : public ::testing::Test {
protected:
    scn::core::ManualClock clock{scn::core::TimePoint{std::chrono::milliseconds{1'700'000'000'000LL}}};
    NodeStore store{":memory:", clock};

    std::int64_t connect(const std::string& cc, const std::string& pid, std::string* token_c = nullptr) {
        const auto token_a = store.create_planned_platform();
        const auto p = store.platform_by_token_a(token_a);
        const auto c = store.connect_platform(
            p->id, "token-b-" + pid, "http://localhost/scpi/versions",
            {{scn::scpi::Role::CPO, cc, pid, R"({"name":"x"})"}},
            {{"locations", scn::scpi::InterfaceRole::SENDER, "http://localhost:3000/scpi/sender/2.2/locations"},
             {"commands", scn::scpi::InterfaceRole::RECEIVER, "http://localhost:3000/scpi/receiver/2.2/commands"}});
        if (token_c != nullptr) {
            *token_c = c;
        }
        return p->id;
    }
};

}  // namespace

TEST_F(NodeStoreTest, TokenALivesUntilTheHandshakeCompletes) {
    const auto token_a = store.create_planned_platform();
    EXPECT_EQ(token_a.size(), 36u);
    const auto planned = store.platform_by_token_a(token_a);
    ASSERT_TRUE(planned);
    EXPECT_EQ(planned->status, scn::scpi::ConnectionStatus::PLANNED);
    const auto token_c =
        store.connect_platform(planned->id, "b", "http://v", {{scn::scpi::Role::EMSP, "CH", "MSP", "{}"}}, {});
    EXPECT_FALSE(store.platform_by_token_a(token_a)) << "TOKEN_A is single-use";
    const auto connected = store.platform_by_token_c(token_c);
    ASSERT_TRUE(connected);
    EXPECT_EQ(connected->status, scn::scpi::ConnectionStatus::CONNECTED);
    EXPECT_EQ(connected->token_b, "b");
    EXPECT_FALSE(store.platform_by_token_c(""));
}

TEST_F(NodeStoreTest, RolesAreFoundCaseInsensitivelyAndEndpointsExactly) {
    const auto id = connect("CH", "CPO");
    EXPECT_EQ(store.platform_of({"ch", "cpo"}), id);
    EXPECT_FALSE(store.platform_of({"CH", "MSP"}));
    EXPECT_EQ(store.endpoint_url(id, "locations", scn::scpi::InterfaceRole::SENDER),
              "http://localhost:3000/scpi/sender/2.2/locations");
    EXPECT_FALSE(store.endpoint_url(id, "locations", scn::scpi::InterfaceRole::RECEIVER));
    EXPECT_FALSE(store.endpoint_url(id, "Locations", scn::scpi::InterfaceRole::SENDER));
    EXPECT_EQ(store.roles(id).at(0).business_details, R"({"name":"x"})");
}

TEST_F(NodeStoreTest, PutRotatesTokenCAndDeleteForgetsEverything) {
    std::string token_c;
    const auto id = connect("CH", "CPO", &token_c);
    const auto rotated =
        store.update_platform(id, "new-b", "http://v2", {{scn::scpi::Role::CPO, "CH", "CPO", "{}"}}, {});
    EXPECT_NE(rotated, token_c);
    EXPECT_FALSE(store.platform_by_token_c(token_c));
    EXPECT_EQ(store.platform_by_token_c(rotated)->token_b, "new-b");
    EXPECT_TRUE(store.endpoints(id).empty());
    store.delete_platform(id);
    EXPECT_FALSE(store.platform_by_token_c(rotated));
    EXPECT_FALSE(store.platform_of({"CH", "CPO"}));
}

TEST_F(NodeStoreTest, RenewReportsStatusChanges) {
    const auto id = connect("CH", "CPO");
    store.set_status(id, scn::scpi::ConnectionStatus::OFFLINE);
    clock.advance(5s);
    EXPECT_TRUE(store.renew(id));
    EXPECT_FALSE(store.renew(id));
    EXPECT_EQ(store.platform(id)->last_updated, clock.now());
}

TEST_F(NodeStoreTest, ProxiesAreBoundToSenderAndReceiver) {
    const PartyRef msp{"CH", "MSP"};
    const PartyRef cpo{"CH", "CPO"};
    const auto id = store.add_proxy("http://localhost:3000/scpi/sender/2.2/locations?offset=5&limit=5", msp, cpo);
    EXPECT_EQ(store.proxy(std::to_string(id), msp, cpo),
              "http://localhost:3000/scpi/sender/2.2/locations?offset=5&limit=5");
    EXPECT_FALSE(store.proxy(std::to_string(id), cpo, msp));
    EXPECT_FALSE(store.proxy("999", msp, cpo));
    store.add_proxy("http://msp/result", cpo, msp, std::string("0b6e2f4c-aaaa-4bbb-8ccc-123456789abc"));
    EXPECT_EQ(store.proxy("0b6e2f4c-aaaa-4bbb-8ccc-123456789abc", cpo, msp), "http://msp/result");
    store.delete_proxy(std::to_string(id));
    EXPECT_FALSE(store.proxy(std::to_string(id), msp, cpo));
}

TEST_F(NodeStoreTest, RulesRoundTripUpperCased) {
    const auto id = connect("CH", "CPO");
    Rules r;
    r.blacklist_active = true;
    r.entries = {{{"de", "msp"}, {"lite-locations", "cdrs"}}, {{"NL", "ABC"}, {}}};
    store.save_rules(id, r);
    const auto back = store.rules(id);
    EXPECT_TRUE(back.blacklist_active);
    EXPECT_FALSE(back.whitelist_active);
    ASSERT_EQ(back.entries.size(), 2u);
    EXPECT_EQ(back.entries[0].party, (PartyRef{"DE", "MSP"}));
    EXPECT_EQ(back.entries[0].modules, (std::vector<std::string>{"lite-locations", "cdrs"}));
    EXPECT_TRUE(back.entries[1].modules.empty());
}

TEST_F(NodeStoreTest, SettingsPersist) {
    EXPECT_FALSE(store.setting("wallet"));
    store.set_setting("wallet", "k1");
    store.set_setting("wallet", "k2");
    EXPECT_EQ(store.setting("wallet"), "k2");
}
