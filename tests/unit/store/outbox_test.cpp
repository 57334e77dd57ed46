#include <scn/store/outbox.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace scn::store;
using scn::core::TimePoint;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow{std::chrono::milliseconds{1'700'000'000'000LL}};

}  // namespace

TEST(Outbox, OffersOnlyTheOldestMessageOfEachKey) {
    Database db(":memory:");
    Outbox box(db);
    const auto a1 = box.enqueue("session-a", "PUT", "sessions/CH/CPO/a", "{\"n\":1}");
    box.enqueue("session-a", "PUT", "sessions/CH/CPO/a", "{\"n\":2}");
    const auto b1 = box.enqueue("session-b", "PUT", "sessions/CH/CPO/b", "{\"n\":1}");
    auto due = box.due(kNow, 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].id, a1);
    EXPECT_EQ(due[0].body, "{\"n\":1}");
    EXPECT_EQ(due[1].id, b1);
    box.delivered(a1);
    due = box.due(kNow, 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].body, "{\"n\":2}") << "the next message of the key comes only after the first was delivered";
    EXPECT_EQ(box.pending(), 2u);
}

TEST(Outbox, AFailedMessageWaitsForItsRetryAndBlocksItsKey) {
    Database db(":memory:");
    Outbox box(db);
    const auto first = box.enqueue("k", "POST", "cdrs", "1");
    box.enqueue("k", "POST", "cdrs", "2");
    box.failed(first, "connection refused", kNow + 2s);
    EXPECT_TRUE(box.due(kNow, 10).empty()) << "order per key: the second may not overtake the failed first";
    EXPECT_EQ(box.next_due(), kNow + 2s);
    const auto due = box.due(kNow + 2s, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].attempts, 1);
    EXPECT_EQ(due[0].last_error, "connection refused");
}

TEST(Outbox, SurvivesARestart) {
    const auto dir = std::filesystem::temp_directory_path() / ("scn-outbox-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "party.db";
    std::filesystem::remove(file);
    {
        Database db(file);
        Outbox box(db);
        box.enqueue("k", "PUT", "t", "kept");
    }
    Database db(file);
    Outbox box(db);
    ASSERT_EQ(box.pending(), 1u);
    EXPECT_EQ(box.due(kNow, 1).at(0).body, "kept");
}

TEST(Outbox, BackoffDoublesUpToTheCap) {
    EXPECT_EQ(Outbox::backoff(1), 1s);
    EXPECT_EQ(Outbox::backoff(2), 2s);
    EXPECT_EQ(Outbox::backoff(4), 8s);
    EXPECT_EQ(Outbox::backoff(30), 5min);
    EXPECT_EQ(Outbox::backoff(3, 3s), 3s);
}
