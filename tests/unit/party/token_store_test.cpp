// The CPO's store of the tokens eMSPs pushed: identity (country_code, party_id, uid, type), replacement, lookups by
// uid, owners, and what survives a reopen.
#include <scn/party/party_store.hpp>
#include <scn/party/token_store.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace scn;
using namespace scn::party;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kT0{std::chrono::milliseconds{1'700'000'000'000LL}};

scpi::Token token(const std::string& cc, const std::string& pid, const std::string& uid,
                  scpi::TokenType type = scpi::TokenType::RFID) {
    scpi::Token t;
    t.country_code = cc;
    t.party_id = pid;
    t.uid = uid;
    t.type = type;
    t.contract_id = "C-" + uid;
    t.issuer = "test";
    t.valid = true;
    t.whitelist = scpi::WhitelistType::ALWAYS;
    t.last_updated = kT0;
    return t;
}

}  // namespace

TEST(TokenStore, PutReportsNewOrReplacedAndGetReturnsTheStoredToken) {
    store::Database db(":memory:");
    TokenStore s(db);
    EXPECT_TRUE(s.put(token("CH", "MSP", "T1"))) << "new";
    auto changed = token("CH", "MSP", "T1");
    changed.valid = false;
    changed.last_updated = kT0 + 1s;
    EXPECT_FALSE(s.put(changed)) << "the same identity again replaces";
    const auto got = s.get("CH", "MSP", "T1", scpi::TokenType::RFID);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, changed);
    EXPECT_EQ(s.count(), 1u);
}

TEST(TokenStore, K02_TheTypeIsPartOfTheIdentity) {
    store::Database db(":memory:");
    TokenStore s(db);
    EXPECT_TRUE(s.put(token("CH", "MSP", "U1", scpi::TokenType::APP_USER)));
    EXPECT_FALSE(s.get("CH", "MSP", "U1", scpi::TokenType::RFID)) << "an APP_USER token is not the RFID one";
    EXPECT_TRUE(s.get("CH", "MSP", "U1", scpi::TokenType::APP_USER));
    EXPECT_TRUE(s.put(token("CH", "MSP", "U1", scpi::TokenType::RFID))) << "same uid, other type: another token";
    EXPECT_EQ(s.count(), 2u);
}

TEST(TokenStore, CiStringPartsCompareCaseInsensitively) {
    store::Database db(":memory:");
    TokenStore s(db);
    EXPECT_TRUE(s.put(token("CH", "MSP", "abc")));
    EXPECT_TRUE(s.get("ch", "msp", "ABC", scpi::TokenType::RFID));
    EXPECT_FALSE(s.put(token("ch", "Msp", "ABC"))) << "the same token in other letter case";
    EXPECT_EQ(s.count(), 1u);
    EXPECT_FALSE(s.get("CH", "MSQ", "abc", scpi::TokenType::RFID)) << "another eMSP's token of that uid";
}

TEST(TokenStore, FindsAUidAcrossEmspsRfidFirstAndNamesTheOwners) {
    store::Database db(":memory:");
    TokenStore s(db);
    s.put(token("NL", "ABC", "X", scpi::TokenType::APP_USER));
    s.put(token("CH", "MSP", "X", scpi::TokenType::RFID));
    s.put(token("CH", "MSP", "Y"));
    const auto found = s.find_uid("x");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].type, scpi::TokenType::RFID) << "a card at a charger is most likely an RFID token";
    EXPECT_EQ(found[1].party_id, "ABC");
    EXPECT_TRUE(s.find_uid("nope").empty());
    EXPECT_EQ(s.owners(), (std::vector<std::pair<std::string, std::string>>{{"CH", "MSP"}, {"NL", "ABC"}}));
}

TEST(TokenStore, SharesThePartyDatabaseAndSurvivesAReopen) {
    const auto dir = std::filesystem::temp_directory_path() / ("scn-token-store-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
        PartyStore party(dir / "cpo.db", core::system_clock());
        TokenStore s(party.database());
        s.put(token("CH", "MSP", "T1"));
        party.set_setting("k", "v");
    }
    PartyStore party(dir / "cpo.db", core::system_clock());
    TokenStore s(party.database());
    EXPECT_TRUE(s.get("CH", "MSP", "T1", scpi::TokenType::RFID));
    EXPECT_EQ(party.setting("k"), "v") << "the party's own tables are untouched";
    std::filesystem::remove_all(dir);
}
