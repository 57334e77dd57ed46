#include <scn/party/party_store.hpp>
#include <scn/party/received_store.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace scn::party;
using scn::core::TimePoint;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0{std::chrono::milliseconds{1'700'000'000'000LL}};

std::filesystem::path fresh(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-received-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / name);
    return dir / name;
}

std::vector<std::string> page(ReceivedStore& s, const scn::store::TimeWindow& w, std::size_t offset,
                              std::size_t limit) {
    std::vector<std::string> out;
    s.page_client_infos(w, offset, limit, [&](std::string_view j) { out.emplace_back(j); });
    return out;
}

}  // namespace

TEST(ReceivedStore, LocationsAreKeptPerOwnerAndReplaced) {
    PartyStore party(fresh("locations.db"), scn::core::system_clock());
    ReceivedStore s(party.database());
    EXPECT_FALSE(s.location({"CH", "CPO", "L1"}));
    EXPECT_TRUE(s.put_location({"CH", "CPO", "L1"}, R"({"v":1})", kT0)) << "new";
    EXPECT_FALSE(s.put_location({"ch", "cpo", "L1"}, R"({"v":2})", kT0 + 1s)) << "same owner, any case";
    EXPECT_TRUE(s.put_location({"DE", "CPO", "L1"}, R"({"v":3})", kT0)) << "another CPO's L1";
    EXPECT_EQ(*s.location({"CH", "CPO", "L1"}), R"({"v":2})");
    EXPECT_EQ(*s.location({"DE", "CPO", "L1"}), R"({"v":3})");
    EXPECT_EQ(s.count_locations(), 2u);
}

TEST(ReceivedStore, TariffsArePutReplacedAndDeleted) {
    PartyStore party(fresh("tariffs.db"), scn::core::system_clock());
    ReceivedStore s(party.database());
    EXPECT_TRUE(s.put_tariff({"CH", "CPO", "1"}, R"({"t":1})", kT0));
    EXPECT_FALSE(s.put_tariff({"CH", "CPO", "1"}, R"({"t":2})", kT0));
    EXPECT_EQ(*s.tariff({"CH", "CPO", "1"}), R"({"t":2})");
    EXPECT_TRUE(s.delete_tariff({"CH", "CPO", "1"}));
    EXPECT_FALSE(s.tariff({"CH", "CPO", "1"}));
    EXPECT_FALSE(s.delete_tariff({"CH", "CPO", "1"})) << "nothing left to delete";
    EXPECT_EQ(s.count_tariffs(), 0u);
}

TEST(ReceivedStore, ClientInfosAreReplacedAndPagedByLastUpdated) {
    PartyStore party(fresh("infos.db"), scn::core::system_clock());
    ReceivedStore s(party.database());
    s.put_client_info("CH", "CPO", "cpo-1", kT0 + 2s);
    s.put_client_info("CH", "MSP", "msp-1", kT0 + 1s);
    s.put_client_info("DE", "ABC", "abc-1", kT0 + 3s);
    s.put_client_info("ch", "cpo", "cpo-2", kT0 + 4s);  // replaces, moves to the end
    EXPECT_EQ(*s.client_info("CH", "CPO"), "cpo-2");
    EXPECT_FALSE(s.client_info("CH", "XYZ"));
    EXPECT_EQ(s.client_infos(), (std::vector<std::string>{"msp-1", "abc-1", "cpo-2"}));
    EXPECT_EQ(s.count_client_infos({}), 3u);
    EXPECT_EQ(page(s, {}, 1, 1), (std::vector<std::string>{"abc-1"}));
    const scn::store::TimeWindow window{kT0 + 1s, kT0 + 3s};  // from inclusive, to exclusive
    EXPECT_EQ(s.count_client_infos(window), 1u);
    EXPECT_EQ(page(s, window, 0, 10), (std::vector<std::string>{"msp-1"}));
}

TEST(ReceivedStore, SurvivesReopeningTheDatabase) {
    const auto file = fresh("reopen.db");
    {
        PartyStore party(file, scn::core::system_clock());
        ReceivedStore s(party.database());
        s.put_location({"CH", "CPO", "L1"}, "{}", kT0);
        s.put_client_info("CH", "CPO", "info", kT0);
    }
    PartyStore party(file, scn::core::system_clock());
    ReceivedStore s(party.database());  // the schema exists already: created only when missing
    EXPECT_TRUE(s.location({"CH", "CPO", "L1"}));
    EXPECT_EQ(*s.client_info("CH", "CPO"), "info");
}

TEST(ReceivedStore, CiStringsCompareCaseInsensitively) {
    EXPECT_TRUE(iequals("Loc1", "LOC1"));
    EXPECT_FALSE(iequals("Loc1", "Loc12"));
    EXPECT_FALSE(iequals("CH", "DE"));
}
