#include <scn/node/routing_rules.hpp>

#include <gtest/gtest.h>

using namespace scn::node;

TEST(RoutingRules, NoActiveListAllowsEveryone) {
    EXPECT_FALSE(rules_refusal(Rules{}, {"DE", "MSP"}, "locations"));
    EXPECT_TRUE(rules_allow_party(Rules{}, {"DE", "MSP"}));
}

TEST(RoutingRules, WhitelistNeedsAnEntryWithTheModule) {
    Rules r;
    r.whitelist_active = true;
    r.entries = {{{"DE", "MSP"}, {"locations", "lite-locations"}}};
    EXPECT_FALSE(rules_refusal(r, {"DE", "MSP"}, "lite-locations"));
    EXPECT_EQ(rules_refusal(r, {"DE", "MSP"}, "cdrs"), "Sender not whitelisted to request cdrs from receiver.");
    EXPECT_EQ(rules_refusal(r, {"NL", "ABC"}, "locations"), "Message receiver not in sender's whitelist.");
    EXPECT_EQ(rules_refusal(r, {"de", "msp"}, "locations"), "Message receiver not in sender's whitelist.")
        << "entries are upper-case and compared case-sensitively";
    EXPECT_TRUE(rules_allow_party(r, {"DE", "MSP"}));
    EXPECT_FALSE(rules_allow_party(r, {"NL", "ABC"}));
}

TEST(RoutingRules, BlacklistEntryBlocksEveryModule) {
    Rules r;
    r.blacklist_active = true;
    r.entries = {{{"DE", "MSP"}, {"lite-locations"}}};
    EXPECT_EQ(rules_refusal(r, {"DE", "MSP"}, "lite-locations"),
              "Sender not whitelisted to request lite-locations from receiver.");
    EXPECT_EQ(rules_refusal(r, {"DE", "MSP"}, "locations"), "Message receiver not in sender's whitelist.");
    EXPECT_FALSE(rules_refusal(r, {"NL", "ABC"}, "locations"));
    EXPECT_FALSE(rules_allow_party(r, {"DE", "MSP"}));
    EXPECT_TRUE(rules_allow_party(r, {"NL", "ABC"}));
}

TEST(RoutingRules, NextLinkIsTakenFromTheRelNextEntry) {
    EXPECT_EQ(next_link("<http://cpo.com/locations?limit=10&offset=90>; rel=\"last\", "
                        "<http://cpo.com/locations?limit=10&offset=110>; rel=\"next\""),
              "http://cpo.com/locations?limit=10&offset=110");
    EXPECT_EQ(next_link("<http://cpo.com/x?offset=5>; rel=\"next\""), "http://cpo.com/x?offset=5");
    EXPECT_FALSE(next_link("http://cpo.com/x?offset=5; rel=\"next\"")) << "no angle brackets, no link";
    EXPECT_FALSE(next_link("<http://cpo.com/x>; rel=\"prev\""));
    EXPECT_FALSE(next_link(""));
}

TEST(RoutingRules, UrlJoiningUsesExactlyOneSlash) {
    for (const char* base : {"http://localhost:3000", "http://localhost:3000/"}) {
        for (const char* path : {"endpoint", "/endpoint", "endpoint/", "/endpoint/"}) {
            EXPECT_EQ(join_url(base, path), "http://localhost:3000/endpoint") << base << " + " << path;
        }
    }
    EXPECT_EQ(join_url("https://ocpi.cpo.com/2.2/tokens", "DE/SNC/abc123"),
              "https://ocpi.cpo.com/2.2/tokens/DE/SNC/abc123");
    EXPECT_EQ(join_url("http://h/a/", ""), "http://h/a");
}
