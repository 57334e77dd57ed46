#pragma once

#include <scn/store/database.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace scn::store {

/// Copies a database's write-ahead log back into the database file on a thread of its own, with a connection of its
/// own, so that the connection writing on an event loop does not stop for those copies and their fsync (by default
/// SQLite has the committing connection do them, every 1,000 pages).
///
/// Every `every` it checkpoints PASSIVE: it copies what is committed, holding back no writer. The log starts over
/// only when a writer finds it all copied, which a writer that seldom pauses may never do; so once the log holds
/// `restart_above` pages the thread tries a RESTART, without waiting: when no write transaction is open, it copies
/// the few pages left and the next writer starts the log over; when one is, it tries again a moment later. Should it
/// never get its moment, the writing connection checkpoints by itself past `writer_above` pages, as SQLite would.
class Checkpointer {
public:
    struct Options {
        std::chrono::milliseconds every{50};
        int restart_above = 4096;
        int writer_above = 65536;
    };
    /// Does nothing for an in-memory database.
    explicit Checkpointer(Database& db, Options options);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    /// Checkpoints made so far and the longest log seen (pages), for tests and figures.
    [[nodiscard]] std::uint64_t checkpoints() const { return checkpoints_.load(); }
    [[nodiscard]] int longest_log() const { return longest_log_.load(); }
    /// Times the log was made to start over.
    [[nodiscard]] std::uint64_t restarts() const { return restarts_.load(); }

private:
    void run(std::stop_token stop);

    Database& db_;
    Options options_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::atomic<std::uint64_t> checkpoints_{0};
    std::atomic<int> longest_log_{0};
    std::atomic<std::uint64_t> restarts_{0};
    std::jthread thread_;  // last: it stops (and joins) before the members it uses go
};

}  // namespace scn::store
