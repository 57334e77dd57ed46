#pragma once

#include <scn/core/clock.hpp>
#include <scn/store/database.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scn::store {

/// A message waiting to be delivered (a session push, a CDR, a command result, …).
struct OutboxMessage {
    std::int64_t id = 0;
    std::string key;     ///< messages with the same key are delivered in order (e.g. one session's pushes)
    std::string method;  ///< HTTP method
    std::string target;  ///< where to: a module-relative path or a URL, as the sender understands it
    std::string body;
    std::string meta;  ///< sender-specific details (JSON), e.g. the routing headers
    int attempts = 0;
    core::TimePoint next_attempt{};
    std::string last_error;
    core::TimePoint created{};  ///< when it was queued
    /// How often its body was replaced by a newer state of its object (Outbox::put_latest) since it was queued.
    std::int64_t revision = 0;
};

/// What put_latest() did.
struct Queued {
    std::int64_t id = 0;
    bool replaced = false;  ///< an undelivered earlier state of the object now carries the new body
};

/// A message given up on: refused for good by its recipient, or failed too often or for too long.
struct DeadLetter {
    std::int64_t id = 0;  ///< the id it had in the queue
    std::string key;
    std::string method;
    std::string target;
    std::string body;
    std::string meta;
    int attempts = 0;  ///< including the last one
    std::string last_error;
    core::TimePoint created{};
    core::TimePoint died{};
};

/// Messages that must not be lost, kept in the party's database until their recipient accepts them. A failed
/// delivery stays queued and is retried later; within one key only the oldest message (its head) is ever offered, so
/// order per key is kept even across restarts. A message given up on moves to the dead-letter list (`outbox_dead`),
/// where it no longer holds back its key. The tables live in the database given (schema created or extended on
/// construction).
///
/// Each key's head is marked in its row and indexed with its due time, so picking the due messages and the next due
/// time read only the heads that are due, however many messages wait behind them.
class Outbox {
public:
    explicit Outbox(Database& db);

    /// Queues a message, due at once, stamped `created` (default: the system time). Returns its id.
    std::int64_t enqueue(const std::string& key, const std::string& method, const std::string& target,
                         const std::string& body, const std::string& meta = "{}",
                         std::optional<core::TimePoint> created = std::nullopt);
    /// Queues the newest state of an object (a whole-object PUT): when the newest message of `key` is an earlier
    /// state queued here with the same method and target, its body and meta are replaced instead (it keeps its place,
    /// age and attempts); otherwise the message is queued as by enqueue(). A message that follows (a CDR, a command
    /// result) is never replaced, nor moved behind the state.
    Queued put_latest(const std::string& key, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& meta = "{}",
                      std::optional<core::TimePoint> created = std::nullopt);
    /// Up to `max` messages due at `now`: the oldest undelivered message of each key, if it is due, earliest due
    /// first; messages whose id is in `skip` (already being delivered) are left out.
    [[nodiscard]] std::vector<OutboxMessage> due(core::TimePoint now, std::size_t max,
                                                 const std::vector<std::int64_t>& skip = {});
    /// The earliest time a message becomes due, if any are queued; with `after`, the earliest later than that.
    [[nodiscard]] std::optional<core::TimePoint> next_due(std::optional<core::TimePoint> after = std::nullopt);
    /// The message was accepted: it leaves the queue and the next of its key becomes due. When its body was replaced
    /// since `m` was read (put_latest), the newer state stays queued, due at once, and this returns false.
    bool delivered(const OutboxMessage& m);
    void delivered(std::int64_t id);
    /// Records a failed attempt and when to try again.
    void failed(std::int64_t id, const std::string& error, core::TimePoint retry_at);
    [[nodiscard]] std::size_t pending();
    /// Whether a message of `key` is queued (not a dead letter).
    [[nodiscard]] bool has_key(const std::string& key);
    /// When the message queued first of those waiting was queued.
    [[nodiscard]] std::optional<core::TimePoint> oldest();
    /// The queued messages, oldest first (at most `max`).
    [[nodiscard]] std::vector<OutboxMessage> list(std::size_t max = 1000);

    /// Moves a message to the dead-letter list after its last (failed) attempt; the next message of its key is due
    /// at once. False if it is not queued.
    bool dead(std::int64_t id, const std::string& error, core::TimePoint now);
    /// The dead letters, oldest death first (at most `max`).
    [[nodiscard]] std::vector<DeadLetter> dead_letters(std::size_t max = 1000);
    [[nodiscard]] std::size_t dead_count();
    /// Queues a dead letter again as a new message (behind what its key has queued), due at once, with no attempts
    /// counted. Returns the new id, or nullopt if there is no such dead letter.
    std::optional<std::int64_t> revive(std::int64_t dead_id, core::TimePoint now);
    /// Forgets every queued message and dead letter.
    void clear();

    /// Backoff for the n-th failed attempt (1-based): 1 s, 2 s, 4 s … capped at `cap`.
    [[nodiscard]] static std::chrono::milliseconds backoff(int attempt,
                                                           std::chrono::milliseconds cap = std::chrono::minutes(5));

private:
    std::int64_t insert(const std::string& key, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& meta, core::TimePoint created, bool replaceable);
    /// Deletes head `id` of `key` and makes the next message of the key its head.
    void remove_head(std::int64_t id, const std::string& key);
    /// Marks the oldest message of `key` as its head.
    void make_head(const std::string& key);

    Database& db_;
};

}  // namespace scn::store
