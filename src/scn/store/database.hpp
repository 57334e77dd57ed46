#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace scn::store {

/// A SQLite failure, with the statement or file it concerns.
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Database;

/// A prepared statement. Bind with `bind(1, …)` (1-based, as in SQLite), step with `step()`, read columns 0-based.
/// Statements are kept prepared by their database: one made again with the same SQL text reuses a compiled one.
class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, std::nullptr_t);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, nullptr);
    }

    /// Advances to the next row; false when done.
    bool step();
    /// Runs a statement that returns no rows.
    void run();
    /// Clears bindings and rewinds, ready to be run again.
    void reset();

    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t get_int(int column) const;
    [[nodiscard]] double get_double(int column) const;
    [[nodiscard]] std::string get_text(int column) const;
    [[nodiscard]] std::string_view get_text_view(int column) const;
    [[nodiscard]] std::optional<std::string> get_optional_text(int column) const;

private:
    void check(int rc, std::string_view what) const;
    /// Back to the database's cache.
    void release() noexcept;
    Database* owner_ = nullptr;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::string sql_;
};

/// One numbered schema step. Versions start at 1 and are applied in order, each in its own transaction; the
/// version reached is kept in `PRAGMA user_version`.
struct Migration {
    int version;
    std::string_view sql;
};

/// A SQLite database file in WAL mode with a busy timeout, so that several processes (node, CPO, MSP) can share it.
class Database {
public:
    /// Opens (creating if needed) the file; ":memory:" for a private in-memory database.
    explicit Database(const std::filesystem::path& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements that return nothing.
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(*this, sql); }

    /// Brings the schema to the newest version in `migrations`. Throws if the file was written by a newer version.
    void migrate(std::span<const Migration> migrations);
    [[nodiscard]] int schema_version();

    [[nodiscard]] std::int64_t last_insert_id() const;
    [[nodiscard]] int changes() const;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] sqlite3* handle() const { return db_; }
    /// Whether a transaction is open on this connection.
    [[nodiscard]] bool in_transaction() const;
    /// Steps of SQLite's virtual machine taken by the statements of this connection once they are done: a measure of
    /// the work a query did that does not depend on the machine (for tests that a query reads an index, not a table).
    [[nodiscard]] std::uint64_t vm_steps() const;

private:
    friend class Statement;
    /// A compiled statement for `sql`, from the cache or prepared now.
    sqlite3_stmt* take_statement(const std::string& sql);
    /// Resets a statement and keeps it for the next use of its SQL text (or finalizes it when the cache is full).
    void give_statement(const std::string& sql, sqlite3_stmt* stmt) noexcept;

    std::filesystem::path path_;
    sqlite3* db_ = nullptr;
    mutable std::mutex cache_mutex_;  // guards cache_ and vm_steps_: a connection may be shared by threads
    std::unordered_multimap<std::string, sqlite3_stmt*> cache_;
    std::uint64_t vm_steps_ = 0;
};

/// A transaction that rolls back unless committed. `BEGIN IMMEDIATE` takes the write lock up front, so concurrent
/// writers in other processes wait (bounded by the busy timeout) instead of failing half-way. Inside another
/// transaction it is a savepoint: its commit keeps its writes for the outer one to commit, its rollback undoes only
/// its own.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool nested_ = false;
    bool done_ = false;
};

}  // namespace scn::store
