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
};

/// Messages that must not be lost, kept in the party's database until their recipient accepts them. A failed
/// delivery stays queued and is retried later; within one key only the oldest message is ever offered, so order per
/// key is kept even across restarts. The tables live in the database given (schema created on construction).
class Outbox {
public:
    explicit Outbox(Database& db);

    /// Queues a message, due at once. Returns its id.
    std::int64_t enqueue(const std::string& key, const std::string& method, const std::string& target,
                         const std::string& body, const std::string& meta = "{}");
    /// Up to `max` messages due at `now`: the oldest undelivered message of each key, if it is due.
    [[nodiscard]] std::vector<OutboxMessage> due(core::TimePoint now, std::size_t max);
    /// The earliest time a message becomes due, if any are queued.
    [[nodiscard]] std::optional<core::TimePoint> next_due();
    void delivered(std::int64_t id);
    /// Records a failed attempt and when to try again.
    void failed(std::int64_t id, const std::string& error, core::TimePoint retry_at);
    [[nodiscard]] std::size_t pending();

    /// Backoff for the n-th failed attempt (1-based): 1 s, 2 s, 4 s … capped at `cap`.
    [[nodiscard]] static std::chrono::milliseconds backoff(int attempt,
                                                           std::chrono::milliseconds cap = std::chrono::minutes(5));

private:
    Database& db_;
};

}  // namespace scn::store
