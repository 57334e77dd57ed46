#include <scn/store/outbox.hpp>

#include <algorithm>
#include <limits>

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
    "o.created_ms, o.revision FROM outbox o ";

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
                         from_ms(q.get_int(9)),
                         q.get_int(10)};
}

bool has_column(Database& db, std::string_view column) {
    auto q = db.prepare("SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = ?");
    q.bind(1, column);
    return q.step() && q.get_int(0) > 0;
}

}  // namespace

Outbox::Outbox(Database& db) : db_(db) {
    // head: the row is the oldest of its key (the only one that may be offered); replaceable: a newer state of the
    // same object may take its place (put_latest); revision: how often it did.
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
    last_error TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL DEFAULT 0,
    head INTEGER NOT NULL DEFAULT 0,
    replaceable INTEGER NOT NULL DEFAULT 0,
    revision INTEGER NOT NULL DEFAULT 0
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
    // Databases written by earlier versions: add the columns they lack, in one write transaction, as another process
    // (the party, `scn-tools outbox`) may be doing the same. Messages queued before they had an age count it from now;
    // the heads are marked once.
    Transaction tx(db_);
    if (!has_column(db_, "created_ms")) {
        db_.exec("ALTER TABLE outbox ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0");
        db_.exec("UPDATE outbox SET created_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000");
    }
    if (!has_column(db_, "head")) {
        db_.exec(R"sql(
ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN replaceable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET head = 1 WHERE id IN (SELECT MIN(id) FROM outbox GROUP BY key);
)sql");
    }
    db_.exec("CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_attempt_ms, id) WHERE head = 1");
    tx.commit();
}

std::int64_t Outbox::insert(const std::string& key, const std::string& method, const std::string& target,
                            const std::string& body, const std::string& meta, core::TimePoint created,
                            bool replaceable) {
    // The first message of its key is its head (one statement: no other writer comes between).
    db_.prepare(
           "INSERT INTO outbox(key, method, target, body, meta, created_ms, replaceable, head) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NOT EXISTS (SELECT 1 FROM outbox WHERE key = ?1))")
        .bind(1, key)
        .bind(2, method)
        .bind(3, target)
        .bind(4, body)
        .bind(5, meta)
        .bind(6, to_ms(created))
        .bind(7, replaceable ? 1 : 0)
        .run();
    return db_.last_insert_id();
}

std::int64_t Outbox::enqueue(const std::string& key, const std::string& method, const std::string& target,
                             const std::string& body, const std::string& meta, std::optional<core::TimePoint> created) {
    return insert(key, method, target, body, meta, created.value_or(core::system_clock().now()), false);
}

Queued Outbox::put_latest(const std::string& key, const std::string& method, const std::string& target,
                          const std::string& body, const std::string& meta, std::optional<core::TimePoint> created) {
    Transaction tx(db_);
    std::optional<std::int64_t> newest;
    {
        auto q = db_.prepare(
            "SELECT id FROM outbox WHERE key = ?1 AND id = (SELECT MAX(id) FROM outbox WHERE key = ?1) "
            "AND replaceable = 1 AND method = ?2 AND target = ?3");
        q.bind(1, key).bind(2, method).bind(3, target);
        if (q.step()) {
            newest = q.get_int(0);
        }
    }
    Queued queued;
    if (newest) {
        db_.prepare("UPDATE outbox SET body = ?, meta = ?, revision = revision + 1 WHERE id = ?")
            .bind(1, body)
            .bind(2, meta)
            .bind(3, *newest)
            .run();
        queued = {*newest, true};
    } else {
        queued = {insert(key, method, target, body, meta, created.value_or(core::system_clock().now()), true), false};
    }
    tx.commit();
    return queued;
}

std::vector<OutboxMessage> Outbox::due(core::TimePoint now, std::size_t max, const std::vector<std::int64_t>& skip) {
    std::vector<OutboxMessage> out;
    // Read from the index of due heads; the skipped ones are among them at most once each.
    auto q = db_.prepare(kSelectMessage +
                         "WHERE o.head = 1 AND o.next_attempt_ms <= ? ORDER BY o.next_attempt_ms, o.id "
                         "LIMIT ?");
    q.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(max + skip.size()));
    while (out.size() < max && q.step()) {
        if (std::find(skip.begin(), skip.end(), q.get_int(0)) == skip.end()) {
            out.push_back(message_of(q));
        }
    }
    return out;
}

std::optional<core::TimePoint> Outbox::next_due(std::optional<core::TimePoint> after) {
    auto q = db_.prepare("SELECT MIN(next_attempt_ms) FROM outbox WHERE head = 1 AND next_attempt_ms > ?");
    q.bind(1, after ? to_ms(*after) : std::numeric_limits<std::int64_t>::min());
    if (q.step() && !q.is_null(0)) {
        return from_ms(q.get_int(0));
    }
    return std::nullopt;
}

void Outbox::remove_head(std::int64_t id, const std::string& key) {
    db_.prepare("DELETE FROM outbox WHERE id = ?").bind(1, id).run();
    make_head(key);
}

void Outbox::make_head(const std::string& key) {
    db_.prepare("UPDATE outbox SET head = 1 WHERE id = (SELECT MIN(id) FROM outbox WHERE key = ?)").bind(1, key).run();
}

bool Outbox::delivered(const OutboxMessage& m) {
    Transaction tx(db_);
    // Usually the message is still there as it was sent: deleted at once, the next of its key becomes the head.
    db_.prepare("DELETE FROM outbox WHERE id = ? AND revision = ?").bind(1, m.id).bind(2, m.revision).run();
    if (db_.changes() > 0) {
        make_head(m.key);
        tx.commit();
        return true;
    }
    // Else it is gone (a retry from elsewhere, a clear), or a newer state arrived while the older one was on its
    // way: that one is due now, its attempts start over.
    db_.prepare("UPDATE outbox SET attempts = 0, next_attempt_ms = 0, last_error = '' WHERE id = ?")
        .bind(1, m.id)
        .run();
    const bool replaced = db_.changes() > 0;
    tx.commit();
    return !replaced;
}

void Outbox::delivered(std::int64_t id) {
    Transaction tx(db_);
    std::string key;
    {
        auto q = db_.prepare("SELECT key FROM outbox WHERE id = ?");
        q.bind(1, id);
        if (!q.step()) {
            return;
        }
        key = q.get_text(0);
    }
    remove_head(id, key);
    tx.commit();
}

void Outbox::failed(std::int64_t id, const std::string& error, core::TimePoint retry_at) {
    db_.prepare("UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE id = ?")
        .bind(1, to_ms(retry_at))
        .bind(2, error)
        .bind(3, id)
        .run();
}

bool Outbox::has_key(const std::string& key) {
    auto q = db_.prepare("SELECT 1 FROM outbox WHERE key = ? LIMIT 1");
    q.bind(1, key);
    return q.step();
}

std::size_t Outbox::pending() {
    auto q = db_.prepare("SELECT COUNT(*) FROM outbox");
    q.step();
    return static_cast<std::size_t>(q.get_int(0));
}

std::optional<core::TimePoint> Outbox::oldest() {
    auto q = db_.prepare("SELECT created_ms FROM outbox ORDER BY id LIMIT 1");
    if (q.step()) {
        return from_ms(q.get_int(0));
    }
    return std::nullopt;
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
    std::string key;
    {
        auto q = db_.prepare("SELECT key FROM outbox_dead WHERE id = ?");
        q.bind(1, id);
        q.step();
        key = q.get_text(0);
    }
    remove_head(id, key);
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
           "INSERT INTO outbox(key, method, target, body, meta, created_ms, head) "
           "SELECT d.key, d.method, d.target, d.body, d.meta, ?, NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = "
           "d.key) "
           "FROM outbox_dead d WHERE d.id = ?")
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
