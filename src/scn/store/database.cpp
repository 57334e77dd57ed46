#include <scn/store/database.hpp>

#include <sqlite3.h>

#include <string>

namespace scn::store {
namespace {

/// Compiled statements a connection keeps (its statements' texts are few and fixed; a text built with values in it
/// would otherwise fill the cache).
constexpr std::size_t kCachedStatements = 256;

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    throw DatabaseError(message);
}

}  // namespace

Statement::Statement(Database& db, std::string_view sql)
    : owner_(&db), db_(db.handle()), stmt_(db.take_statement(std::string(sql))), sql_(sql) {}

Statement::~Statement() {
    release();
}

void Statement::release() noexcept {
    if (stmt_ != nullptr) {
        owner_->give_statement(sql_, stmt_);
        stmt_ = nullptr;
    }
}

Statement::Statement(Statement&& other) noexcept
    : owner_(other.owner_), db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
    other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        db_ = other.db_;
        stmt_ = other.stmt_;
        sql_ = std::move(other.sql_);
        other.stmt_ = nullptr;
    }
    return *this;
}

void Statement::check(int rc, std::string_view what) const {
    if (rc != SQLITE_OK) {
        fail(db_, what);
    }
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    // An empty view may have no data pointer, which SQLite would bind as NULL: text is text, even when empty.
    const char* data = value.data() != nullptr ? value.data() : "";
    check(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
    check(sqlite3_bind_null(stmt_, index), "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    fail(db_, std::string("cannot run `") + sqlite3_sql(stmt_) + "`");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::int64_t Statement::get_int(int column) const {
    return sqlite3_column_int64(stmt_, column);
}
double Statement::get_double(int column) const {
    return sqlite3_column_double(stmt_, column);
}

std::string_view Statement::get_text_view(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) {
        return {};
    }
    return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::get_text(int column) const {
    return std::string(get_text_view(column));
}

std::optional<std::string> Statement::get_optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return get_text(column);
}

Database::Database(const std::filesystem::path& path) : path_(path) {
    if (path != ":memory:" && path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string what = "cannot open database " + path.string();
        sqlite3* db = db_;
        db_ = nullptr;
        std::string message = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        throw DatabaseError(message);
    }
    sqlite3_busy_timeout(db_, 5000);
    try {
        // A page cache of 16 MB (2 MB by default): a transaction of many writes keeps its pages in memory until it
        // commits instead of spilling them to the log. Savepoints keep what they would restore in memory, not in a
        // temporary file written page by page.
        exec(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384; "
            "PRAGMA temp_store=MEMORY;");
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

Database::~Database() {
    for (auto& [sql, stmt] : cache_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db_);
}

sqlite3_stmt* Database::take_statement(const std::string& sql) {
    {
        const std::lock_guard lock(cache_mutex_);
        if (const auto it = cache_.find(sql); it != cache_.end()) {
            auto* stmt = it->second;
            cache_.erase(it);
            return stmt;
        }
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
        fail(db_, "cannot prepare `" + sql.substr(0, 80) + "`");
    }
    return stmt;
}

void Database::give_statement(const std::string& sql, sqlite3_stmt* stmt) noexcept {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    const std::lock_guard lock(cache_mutex_);
    vm_steps_ += static_cast<std::uint64_t>(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 1));
    if (cache_.size() >= kCachedStatements) {
        sqlite3_finalize(stmt);
        return;
    }
    try {
        cache_.emplace(sql, stmt);
    } catch (...) {  // out of memory: the statement is not kept
        sqlite3_finalize(stmt);
    }
}

std::uint64_t Database::vm_steps() const {
    const std::lock_guard lock(cache_mutex_);
    return vm_steps_;
}

void Database::exec(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = path_.string() + ": " + (error != nullptr ? error : "unknown error");
        sqlite3_free(error);
        throw DatabaseError(message);
    }
}

int Database::schema_version() {
    auto stmt = prepare("PRAGMA user_version");
    stmt.step();
    return static_cast<int>(stmt.get_int(0));
}

void Database::migrate(std::span<const Migration> migrations) {
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    const int current = schema_version();
    if (current > newest) {
        throw DatabaseError(path_.string() + " has schema version " + std::to_string(current) +
                            ", newer than this scn-tools understands (" + std::to_string(newest) +
                            "); use a newer scn-tools or a fresh database file");
    }
    for (const auto& m : migrations) {
        if (m.version <= current) {
            continue;
        }
        Transaction tx(*this);
        if (schema_version() >= m.version) {
            continue;  // another process migrated while we waited for the lock
        }
        exec(m.sql);
        exec("PRAGMA user_version = " + std::to_string(m.version));
        tx.commit();
    }
}

std::int64_t Database::last_insert_id() const {
    return sqlite3_last_insert_rowid(db_);
}
int Database::changes() const {
    return sqlite3_changes(db_);
}
bool Database::in_transaction() const {
    return sqlite3_get_autocommit(db_) == 0;
}

Transaction::Transaction(Database& db) : db_(db), nested_(db.in_transaction()) {
    db_.prepare(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE").run();
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
        } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more can be done in a destructor
        }
    }
}

void Transaction::commit() {
    db_.prepare(nested_ ? "RELEASE nested" : "COMMIT").run();
    done_ = true;
}

}  // namespace scn::store
