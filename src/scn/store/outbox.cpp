#include <scn/store/outbox.hpp>

#include <algorithm>

namespace scn::store {
namespace {

std::int64_t to_ms(core::TimePoint t) {
    return t.time_since_epoch().count();
}
core::TimePoint from_ms(std::int64_t ms) {
    return core::TimePoint{std::chrono::milliseconds{ms}};
}

/// The columns message_of() reads, from `outbox o`.
const std::string kSelectMessage =
    "SELECT o.id, o.key, o.method, o.target, o.body, o.meta, o.attempts, o.next_attempt_ms, o.last_error, "
    "o.created_ms FROM outbox o ";

OutboxMessage message_of(const Statement& q) {
    return OutboxMessage{q.get_int(0),
                         q.get_text(1),
                         q.get_text(2),
                         q.get_text(3),
                         q.get_text(4),
                         q.get_text(5),
                         static_cast<int>(q.get_int(6)),
                         from_ms(q.get_int(7)),
                         q.get_text(8),
                         from_ms(q.get_int(9))};
}

}  // namespace

Outbox::Outbox(Database& db) : db_(db) {
    db_.exec(R"sql(
CREATE TABLE IF NOT EXISTS outbox(
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
CREATE INDEX IF NOT EXISTS outbox_by_key ON outbox(key, id);
CREATE TABLE IF NOT EXISTS outbox_dead(
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    died_ms INTEGER NOT NULL
);
)sql");
    // Databases written before messages had an age: add the column, and count their age from now. Checked and
    // added in one write transaction, as another process (the party, `scn-tools outbox`) may be doing the same.
    Transaction tx(db_);
    bool has_created = false;
    {
        auto q = db_.prepare("SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = 'created_ms'");
        has_created = q.step() && q.get_int(0) > 0;
    }
    if (!has_created) {
        db_.exec("ALTER TABLE outbox ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0");
        db_.exec("UPDATE outbox SET created_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000");
    }
    tx.commit();
}

std::int64_t Outbox::enqueue(const std::string& key, const std::string& method, const std::string& target,
                             const std::string& body, const std::string& meta, std::optional<core::TimePoint> created) {
    db_.prepare("INSERT INTO outbox(key, method, target, body, meta, created_ms) VALUES(?, ?, ?, ?, ?, ?)")
        .bind(1, key)
        .bind(2, method)
        .bind(3, target)
        .bind(4, body)
        .bind(5, meta)
        .bind(6, to_ms(created.value_or(core::system_clock().now())))
        .run();
    return db_.last_insert_id();
}

std::vector<OutboxMessage> Outbox::due(core::TimePoint now, std::size_t max) {
    std::vector<OutboxMessage> out;
    auto q = db_.prepare(kSelectMessage +
                         "WHERE o.id = (SELECT MIN(id) FROM outbox WHERE key = o.key) AND o.next_attempt_ms <= ? "
                         "ORDER BY o.id LIMIT ?");
    q.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(max));
    while (q.step()) {
        out.push_back(message_of(q));
    }
    return out;
}

std::optional<core::TimePoint> Outbox::next_due() {
    auto q = db_.prepare(
        "SELECT MIN(o.next_attempt_ms) FROM outbox o WHERE o.id = (SELECT MIN(id) FROM outbox WHERE key = o.key)");
    if (q.step() && !q.is_null(0)) {
        return from_ms(q.get_int(0));
    }
    return std::nullopt;
}

void Outbox::delivered(std::int64_t id) {
    db_.prepare("DELETE FROM outbox WHERE id = ?").bind(1, id).run();
}

void Outbox::failed(std::int64_t id, const std::string& error, core::TimePoint retry_at) {
    db_.prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE id = ?")
        .bind(1, to_ms(retry_at))
        .bind(2, error)
        .bind(3, id)
        .run();
}

std::size_t Outbox::pending() {
    auto q = db_.prepare("SELECT COUNT(*) FROM outbox");
    q.step();
    return static_cast<std::size_t>(q.get_int(0));
}

std::vector<OutboxMessage> Outbox::list(std::size_t max) {
    std::vector<OutboxMessage> out;
    auto q = db_.prepare(kSelectMessage + "ORDER BY o.id LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(max));
    while (q.step()) {
        out.push_back(message_of(q));
    }
    return out;
}

bool Outbox::dead(std::int64_t id, const std::string& error, core::TimePoint now) {
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO outbox_dead(id, key, method, target, body, meta, attempts, last_error, created_ms, died_ms) "
           "SELECT id, key, method, target, body, meta, attempts + 1, ?, created_ms, ? FROM outbox WHERE id = ?")
        .bind(1, error)
        .bind(2, to_ms(now))
        .bind(3, id)
        .run();
    if (db_.changes() == 0) {
        return false;
    }
    db_.prepare("DELETE FROM outbox WHERE id = ?").bind(1, id).run();
    tx.commit();
    return true;
}

std::vector<DeadLetter> Outbox::dead_letters(std::size_t max) {
    std::vector<DeadLetter> out;
    auto q = db_.prepare(
        "SELECT id, key, method, target, body, meta, attempts, last_error, created_ms, died_ms FROM outbox_dead "
        "ORDER BY died_ms, id LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(max));
    while (q.step()) {
        out.push_back(DeadLetter{q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4),
                                 q.get_text(5), static_cast<int>(q.get_int(6)), q.get_text(7), from_ms(q.get_int(8)),
                                 from_ms(q.get_int(9))});
    }
    return out;
}

std::size_t Outbox::dead_count() {
    auto q = db_.prepare("SELECT COUNT(*) FROM outbox_dead");
    q.step();
    return static_cast<std::size_t>(q.get_int(0));
}

std::optional<std::int64_t> Outbox::revive(std::int64_t dead_id, core::TimePoint now) {
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO outbox(key, method, target, body, meta, created_ms) "
           "SELECT key, method, target, body, meta, ? FROM outbox_dead WHERE id = ?")
        .bind(1, to_ms(now))
        .bind(2, dead_id)
        .run();
    if (db_.changes() == 0) {
        return std::nullopt;
    }
    const auto id = db_.last_insert_id();
    db_.prepare("DELETE FROM outbox_dead WHERE id = ?").bind(1, dead_id).run();
    tx.commit();
    return id;
}

void Outbox::clear() {
    db_.exec("DELETE FROM outbox; DELETE FROM outbox_dead;");
}

std::chrono::milliseconds Outbox::backoff(int attempt, std::chrono::milliseconds cap) {
    const int shift = std::clamp(attempt - 1, 0, 20);
    return std::min(cap, std::chrono::milliseconds(1000LL << shift));
}

}  // namespace scn::store
