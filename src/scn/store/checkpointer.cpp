#include <scn/store/checkpointer.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <string>

namespace scn::store {

Checkpointer::Checkpointer(Database& db, Options options) : db_(db), options_(options) {
    if (db_.path() == ":memory:" || db_.path().empty()) {
        return;
    }
    db_.exec("PRAGMA wal_autocheckpoint=" + std::to_string(options_.writer_above));
    thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

Checkpointer::~Checkpointer() {
    if (!thread_.joinable()) {
        return;
    }
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
    try {
        db_.exec("PRAGMA wal_autocheckpoint=1000");  // SQLite's default, for whoever writes next
    } catch (const std::exception&) {                // NOLINT(bugprone-empty-catch): the database is closing
    }
}

void Checkpointer::run(std::stop_token stop) {
    // A connection reads the file (and learns that it is in WAL mode) only when first used: until then a checkpoint
    // does nothing, so it reads the schema at once.
    sqlite3* c = nullptr;
    if (sqlite3_open_v2(db_.path().c_str(), &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK ||
        sqlite3_exec(c, "SELECT COUNT(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
        sqlite3_close(c);
        db_.exec("PRAGMA wal_autocheckpoint=1000");  // no thread: the writer checkpoints as it did
        return;
    }
    // No busy handler: a checkpoint that finds the lock it needs taken gives up at once instead of making writers
    // wait for it.
    bool retry_soon = false;
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, stop, retry_soon ? options_.every / 10 : options_.every, [] { return false; });
        }
        if (stop.stop_requested()) {
            break;
        }
        retry_soon = false;
        int log = 0;
        int copied = 0;
        if (sqlite3_wal_checkpoint_v2(c, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) != SQLITE_OK) {
            continue;  // busy (the writer checkpointing, another process): the next round
        }
        longest_log_.store(std::max(longest_log_.load(), log));
        checkpoints_.fetch_add(1);
        if (log > options_.restart_above) {
            retry_soon = sqlite3_wal_checkpoint_v2(c, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &copied) != SQLITE_OK;
            if (!retry_soon) {
                restarts_.fetch_add(1);
            }
        }
    }
    sqlite3_close(c);
}

}  // namespace scn::store
