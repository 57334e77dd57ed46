#include <scn/store/outbox.hpp>

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(Outbox, ExtendsADatabaseWrittenBeforeHeadsWithTheOldestOfEachKeyDue) {
    const auto dir = std::filesystem::temp_directory_path() / ("scn-outbox-heads-" + std::to_string(::getpid()));
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
    last_error TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox(key, method, target, body) VALUES('a', 'PUT', 't', 'a1'), ('b', 'PUT', 't', 'b1'),
    ('a', 'PUT', 't', 'a2');
)sql");
    }
    Database db(file);
    Outbox box(db);
    auto due = box.due(kNow, 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].body, "a1");
    EXPECT_EQ(due[1].body, "b1");
    EXPECT_FALSE(box.put_latest("a", "PUT", "t", "a3").replaced) << "an old message is no state to replace";
    box.delivered(due[0]);
    due = box.due(kNow, 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].body, "b1");
    EXPECT_EQ(due[1].body, "a2") << "the next of key a became its head";
    std::filesystem::remove_all(dir);
}

TEST(Outbox, ANewerStateReplacesTheUndeliveredOneInItsPlace) {
    Database db(":memory:");
    Outbox box(db);
    const auto first = box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "{\"kwh\":1}", "{}", kNow);
    EXPECT_FALSE(first.replaced);
    box.enqueue("other", "POST", "cdrs", "cdr of another session", "{}", kNow);
    const auto second = box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "{\"kwh\":2}", "{\"m\":2}", kNow + 1s);
    EXPECT_TRUE(second.replaced);
    EXPECT_EQ(second.id, first.id) << "it keeps its place in the queue";
    EXPECT_EQ(box.pending(), 2u);
    const auto due = box.due(kNow + 1s, 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].id, first.id);
    EXPECT_EQ(due[0].body, "{\"kwh\":2}");
    EXPECT_EQ(due[0].meta, "{\"m\":2}");
    EXPECT_EQ(due[0].created, kNow) << "its age counts from the first state not delivered";
    EXPECT_EQ(due[0].revision, 1);
}

TEST(Outbox, WhatFollowsAStateIsNeverReplacedNorOvertaken) {
    Database db(":memory:");
    Outbox box(db);
    box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "active", "{}", kNow);
    box.enqueue("session:s", "POST", "cdrs", "the cdr", "{}", kNow);
    const auto after = box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "later", "{}", kNow);
    EXPECT_FALSE(after.replaced) << "the newest message of the key is the CDR";
    EXPECT_FALSE(box.put_latest("session:s", "PUT", "sessions/CH/CPO/other", "x", "{}", kNow).replaced)
        << "another object under the same key";
    std::vector<std::string> order;
    for (int i = 0; i < 10; ++i) {
        const auto due = box.due(kNow, 10);
        if (due.empty()) {
            break;
        }
        ASSERT_EQ(due.size(), 1u) << "one message of a key at a time";
        order.push_back(due[0].body);
        box.delivered(due[0]);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"active", "the cdr", "later", "x"}));
}

TEST(Outbox, AStateReplacedWhileOnItsWayIsSentAgain) {
    Database db(":memory:");
    Outbox box(db);
    box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "v1", "{}", kNow);
    const auto sent = box.due(kNow, 1).at(0);
    box.failed(sent.id, "timeout", kNow + 4s);
    const auto retry = box.due(kNow + 4s, 1).at(0);
    EXPECT_EQ(retry.attempts, 1);
    // A newer state arrives while the retry is being sent; the recipient accepts the retry (v1).
    EXPECT_TRUE(box.put_latest("session:s", "PUT", "sessions/CH/CPO/s", "v2", "{}", kNow + 5s).replaced);
    EXPECT_FALSE(box.delivered(retry)) << "v2 is not delivered yet";
    const auto again = box.due(kNow + 5s, 10);
    ASSERT_EQ(again.size(), 1u) << "due at once";
    EXPECT_EQ(again[0].body, "v2");
    EXPECT_EQ(again[0].attempts, 0) << "a new state starts its attempts afresh";
    box.enqueue("session:s", "POST", "cdrs", "the cdr", "{}", kNow + 6s);
    EXPECT_TRUE(box.delivered(again[0]));
    EXPECT_TRUE(box.delivered(again[0])) << "delivered twice (a retry from elsewhere): gone, nothing else changes";
    const auto next = box.due(kNow + 6s, 10);
    ASSERT_EQ(next.size(), 1u) << "the CDR is the key's head now";
    EXPECT_EQ(next[0].body, "the cdr");
    EXPECT_EQ(next[0].attempts, 0);
    EXPECT_TRUE(box.delivered(next[0]));
    EXPECT_EQ(box.pending(), 0u);
}

TEST(Outbox, SkipsTheMessagesBeingSent) {
    Database db(":memory:");
    Outbox box(db);
    const auto a = box.enqueue("a", "PUT", "t", "a", "{}", kNow);
    const auto b = box.enqueue("b", "PUT", "t", "b", "{}", kNow);
    const auto c = box.enqueue("c", "PUT", "t", "c", "{}", kNow);
    const auto due = box.due(kNow, 2, {a});
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].id, b);
    EXPECT_EQ(due[1].id, c);
    EXPECT_EQ(box.next_due(kNow), std::nullopt) << "nothing becomes due later than now";
    box.failed(b, "HTTP 503", kNow + 3s);
    EXPECT_EQ(box.next_due(kNow), kNow + 3s);
}

// The backlog a recipient that is away for a while leaves behind: picking the next due messages reads the heads of
// the index only, so it stays as fast with 100,000 messages queued behind 1,000 keys as with a handful. Counted in
// SQLite's virtual machine steps, not timed: a full scan of the backlog would take 100,000 or more.
TEST(Outbox, PickingDueMessagesDoesNotReadTheBacklog) {
    Database db(":memory:");
    Outbox box(db);
    {
        Transaction tx(db);
        for (int i = 0; i < 100'000; ++i) {
            box.enqueue("session:" + std::to_string(i % 1000), "POST", "cdrs", "{}", "{}", kNow);
        }
        tx.commit();
    }
    for (int k = 0; k < 1000; ++k) {
        if (k % 10 != 0) {
            box.failed(k + 1, "HTTP 503", kNow + 60s);  // heads of most keys wait for a retry
        }
    }
    const auto steps = [&](auto&& fn) {
        const auto before = db.vm_steps();
        fn();
        return db.vm_steps() - before;
    };
    std::vector<OutboxMessage> due;
    EXPECT_LT(steps([&] { due = box.due(kNow, 16); }), 2'000);
    ASSERT_EQ(due.size(), 16u);
    EXPECT_EQ(due[0].id, 1);
    EXPECT_EQ(due[1].id, 11);
    EXPECT_LT(steps([&] { EXPECT_EQ(box.next_due(kNow), kNow + 60s); }), 2'000);
    EXPECT_LT(steps([&] { box.delivered(due[0]); }), 2'000);
    EXPECT_LT(steps([&] { (void)box.put_latest("session:5", "PUT", "t", "{}", "{}", kNow); }), 2'000);
    const auto next = box.due(kNow, 200);
    EXPECT_EQ(next.size(), 100u) << "the heads of the 100 keys not waiting for a retry";
    EXPECT_TRUE(std::any_of(next.begin(), next.end(), [](const auto& m) { return m.id == 1001; }))
        << "the next message of key 0 took its place";
}
