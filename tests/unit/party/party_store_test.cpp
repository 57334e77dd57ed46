#include <scn/party/party_store.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace scn::party;
using scn::core::TimePoint;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0{std::chrono::milliseconds{1'700'000'000'000LL}};

std::vector<std::string> page(PartyStore& s, const scn::store::TimeWindow& w, std::size_t offset, std::size_t limit) {
    std::vector<std::string> out;
    s.page_sessions(w, offset, limit, [&](std::string_view j) { out.emplace_back(j); });
    return out;
}

std::filesystem::path fresh(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-party-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / name);
    return dir / name;
}

}  // namespace

TEST(PartyStore, SessionsPageByLastUpdatedAndUpdatesMoveToTheEnd) {
    scn::core::ManualClock clock(kT0);
    PartyStore s(":memory:", clock);
    s.put_session({"CH", "CPO", "a"}, R"({"id":"a","n":1})", kT0);
    s.put_session({"CH", "CPO", "b"}, R"({"id":"b"})", kT0 + 1s);
    s.put_session({"CH", "CPO", "c"}, R"({"id":"c"})", kT0 + 2s);
    EXPECT_EQ(page(s, {}, 0, 10), (std::vector<std::string>{R"({"id":"a","n":1})", R"({"id":"b"})", R"({"id":"c"})"}));
    s.put_session({"CH", "CPO", "a"}, R"({"id":"a","n":2})", kT0 + 3s);
    EXPECT_EQ(page(s, {}, 2, 10), (std::vector<std::string>{R"({"id":"a","n":2})"}));
    EXPECT_EQ(s.count_sessions({}), 3u);
    EXPECT_EQ(s.count_sessions({kT0 + 1s, kT0 + 3s}), 2u);
    EXPECT_EQ(page(s, {kT0 + 1s, kT0 + 3s}, 1, 1), (std::vector<std::string>{R"({"id":"c"})"}));
    EXPECT_EQ(s.session({"CH", "CPO", "a"}), R"({"id":"a","n":2})");
    EXPECT_FALSE(s.session({"CH", "MSP", "a"}));
}

TEST(PartyStore, ADuplicateCdrIsRefusedAndTheOriginalKept) {
    scn::core::ManualClock clock(kT0);
    PartyStore s(":memory:", clock);
    const auto n = s.add_cdr({"CH", "CPO", "CDR1"}, R"({"id":"CDR1","v":1})", kT0);
    ASSERT_TRUE(n);
    EXPECT_FALSE(s.add_cdr({"CH", "CPO", "CDR1"}, R"({"id":"CDR1","v":2})", kT0));
    EXPECT_EQ(s.cdr_by_number(*n), R"({"id":"CDR1","v":1})");
    EXPECT_TRUE(s.add_cdr({"DE", "CPO", "CDR1"}, R"({"id":"CDR1"})", kT0)) << "the key includes the owner";
    EXPECT_EQ(s.count_cdrs({}), 2u);
}

TEST(PartyStore, ReservationsExpire) {
    scn::core::ManualClock clock(kT0);
    PartyStore s(":memory:", clock);
    s.put_reservation({"1", "Loc2", "CH-CPO-S2E100001", "tok", "{}", kT0 + 60s, "{}"});
    s.put_reservation({"2", "Loc3", "CH-CPO-S3E100001", "tok", "{}", kT0 + 120s, "{}"});
    EXPECT_EQ(s.reservation_on_evse("Loc2", "CH-CPO-S2E100001")->id, "1");
    s.put_reservation({"1", "Loc2", "CH-CPO-S2E100001", "tok", "{}", kT0 + 90s, "{}"});
    EXPECT_EQ(s.reservation("1")->expiry, kT0 + 90s) << "same id updates";
    const auto expired = s.expire_reservations(kT0 + 100s);
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].id, "1");
    EXPECT_FALSE(s.reservation("1"));
    EXPECT_TRUE(s.reservation("2"));
}

TEST(PartyStore, EverythingSurvivesARestart) {
    const auto file = fresh("msp.db");
    scn::core::ManualClock clock(kT0);
    {
        PartyStore s(file, clock);
        s.set_setting("token_c", "abc");
        s.add_command_result("START_SESSION", "0", "ACCEPTED", R"({"result":"ACCEPTED"})");
        s.put_charging("s1", R"({"wh":10})");
        s.outbox().enqueue("s1", "PUT", "sessions/CH/CPO/s1", "{}");
    }
    PartyStore s(file, clock);
    EXPECT_EQ(s.setting("token_c"), "abc");
    ASSERT_EQ(s.command_results("START_SESSION", "0").size(), 1u);
    EXPECT_EQ(s.command_results("START_SESSION", "0")[0].result, "ACCEPTED");
    EXPECT_TRUE(s.command_results("STOP_SESSION").empty());
    EXPECT_EQ(s.charging().at(0).second, R"({"wh":10})");
    EXPECT_EQ(s.outbox().pending(), 1u);
}
