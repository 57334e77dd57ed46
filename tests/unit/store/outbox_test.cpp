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

TEST(Outbox, ADeadLetterKeepsItsDetailsAndNoLongerBlocksItsKey) {
    Database db(":memory:");
    Outbox box(db);
    const auto first = box.enqueue("k", "PUT", "sessions/CH/CPO/s1", "{\"n\":1}", R"({"correlation_id":""})", kNow);
    box.enqueue("k", "PUT", "sessions/CH/CPO/s1", "{\"n\":2}", "{}", kNow);
    box.failed(first, "HTTP 503", kNow + 1s);
    ASSERT_TRUE(box.dead(first, "HTTP 400, status 2001: bad", kNow + 2s));
    EXPECT_FALSE(box.dead(first, "again", kNow + 3s)) << "no longer queued";
    const auto due = box.due(kNow + 2s, 10);
    ASSERT_EQ(due.size(), 1u) << "the next message of the key is due at once";
    EXPECT_EQ(due[0].body, "{\"n\":2}");
    EXPECT_EQ(box.pending(), 1u);
    ASSERT_EQ(box.dead_count(), 1u);
    const auto dead = box.dead_letters();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].id, first);
    EXPECT_EQ(dead[0].key, "k");
    EXPECT_EQ(dead[0].method, "PUT");
    EXPECT_EQ(dead[0].target, "sessions/CH/CPO/s1");
    EXPECT_EQ(dead[0].body, "{\"n\":1}");
    EXPECT_EQ(dead[0].meta, R"({"correlation_id":""})");
    EXPECT_EQ(dead[0].attempts, 2) << "the failed attempt and the last one";
    EXPECT_EQ(dead[0].last_error, "HTTP 400, status 2001: bad");
    EXPECT_EQ(dead[0].created, kNow);
    EXPECT_EQ(dead[0].died, kNow + 2s);
}

TEST(Outbox, ListsQueuedMessagesWithTheirAge) {
    Database db(":memory:");
    Outbox box(db);
    const auto a = box.enqueue("a", "POST", "cdrs", "1", "{}", kNow);
    box.enqueue("a", "POST", "cdrs", "2", "{}", kNow + 1s);
    box.failed(a, "timeout", kNow + 5s);
    const auto all = box.list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].attempts, 1);
    EXPECT_EQ(all[0].next_attempt, kNow + 5s);
    EXPECT_EQ(all[0].last_error, "timeout");
    EXPECT_EQ(all[1].created, kNow + 1s);
    EXPECT_EQ(box.list(1).size(), 1u);
}

TEST(Outbox, ADeadLetterCanBeQueuedAgain) {
    Database db(":memory:");
    Outbox box(db);
    const auto id = box.enqueue("k", "PUT", "t", "body", "{}", kNow);
    box.failed(id, "HTTP 503", kNow + 1s);
    ASSERT_TRUE(box.dead(id, "HTTP 503", kNow + 1s));
    EXPECT_FALSE(box.revive(id + 100, kNow + 2s));
    const auto again = box.revive(id, kNow + 2s);
    ASSERT_TRUE(again);
    EXPECT_NE(*again, id);
    EXPECT_EQ(box.dead_count(), 0u);
    const auto due = box.due(kNow + 2s, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].body, "body");
    EXPECT_EQ(due[0].attempts, 0) << "counted afresh";
    EXPECT_EQ(due[0].created, kNow + 2s);
}

TEST(Outbox, ExtendsADatabaseWrittenBeforeDeadLetters) {
    const auto dir = std::filesystem::temp_directory_path() / ("scn-outbox-old-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "party.db";
    std::filesystem::remove(file);
    {
        Database db(file);
        db.exec(R"sql(
CREATE TABLE outbox(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox(key, method, target, body) VALUES('k', 'PUT', 't', 'old');
)sql");
    }
    const auto before = scn::core::system_clock().now();
    for (int open = 0; open < 2; ++open) {  // the second time, the column is already there
        Database db(file);
        Outbox box(db);
        const auto all = box.list();
        ASSERT_EQ(all.size(), 1u);
        EXPECT_EQ(all[0].body, "old");
        EXPECT_GE(all[0].created, before - 1s) << "an old message counts its age from the upgrade";
        EXPECT_EQ(box.dead_count(), 0u);
    }
    std::filesystem::remove_all(dir);
}
