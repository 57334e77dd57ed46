#include <scn/party/party_store.hpp>
#include <scn/store/checkpointer.hpp>

#include <array>

namespace scn::party {
namespace {

constexpr std::array kMigrations{store::Migration{1, R"sql(
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions(
    country_code TEXT NOT NULL, party_id TEXT NOT NULL, id TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY(country_code, party_id, id)
);
CREATE INDEX sessions_by_time ON sessions(last_updated_ms, seq);
CREATE INDEX sessions_by_seq ON sessions(seq);
CREATE TABLE session_history(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    country_code TEXT NOT NULL, party_id TEXT NOT NULL, id TEXT NOT NULL,
    method TEXT NOT NULL,
    json TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE INDEX session_history_by_key ON session_history(country_code, party_id, id, seq);
CREATE TABLE cdrs(
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    country_code TEXT NOT NULL, party_id TEXT NOT NULL, id TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    UNIQUE(country_code, party_id, id)
);
CREATE INDEX cdrs_by_time ON cdrs(last_updated_ms, number);
CREATE TABLE reservations(
    id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    evse_uid TEXT NOT NULL,
    token_uid TEXT NOT NULL,
    token_json TEXT NOT NULL,
    expiry_ms INTEGER NOT NULL,
    request_json TEXT NOT NULL
);
CREATE TABLE charging(session_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE command_results(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    uid TEXT NOT NULL,
    result TEXT NOT NULL,
    json TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
)sql"},
                                 // What the MSP received is shown by its control API (the interceptor), not kept here.
                                 store::Migration{2, "DROP TABLE session_history;"}};

std::int64_t to_ms(core::TimePoint t) {
    return t.time_since_epoch().count();
}
core::TimePoint from_ms(std::int64_t ms) {
    return core::TimePoint{std::chrono::milliseconds{ms}};
}

// "last_updated_ms >= ?1 AND last_updated_ms < ?2" with open ends as the extreme values.
std::pair<std::int64_t, std::int64_t> bounds(const store::TimeWindow& w) {
    return {w.from ? to_ms(*w.from) : INT64_MIN, w.to ? to_ms(*w.to) : INT64_MAX};
}

Reservation read_reservation(const store::Statement& q) {
    return Reservation{q.get_text(0), q.get_text(1),         q.get_text(2), q.get_text(3),
                       q.get_text(4), from_ms(q.get_int(5)), q.get_text(6)};
}

constexpr std::string_view kSelectReservation =
    "SELECT id, location_id, evse_uid, token_uid, token_json, expiry_ms, request_json FROM reservations";

}  // namespace

PartyStore::PartyStore(const std::filesystem::path& file, const core::Clock& clock)
    : db_(file), clock_(clock), outbox_(db_) {
    db_.migrate(kMigrations);
}

PartyStore::~PartyStore() = default;

void PartyStore::checkpoint_in_background() {
    if (!checkpointer_) {
        checkpointer_ = std::make_unique<store::Checkpointer>(db_, store::Checkpointer::Options{});
    }
}

std::optional<std::string> PartyStore::setting(std::string_view key) {
    auto q = db_.prepare("SELECT value FROM settings WHERE key = ?");
    if (!q.bind(1, key).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

void PartyStore::set_setting(std::string_view key, std::string_view value) {
    db_.prepare("INSERT INTO settings(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value)
        .run();
}

void PartyStore::reset_objects() {
    db_.exec(
        "DELETE FROM sessions; DELETE FROM cdrs; DELETE FROM reservations; "
        "DELETE FROM charging; DELETE FROM command_results; "
        "DELETE FROM settings WHERE key = 'seeded' OR key LIKE 'reservation_session:%' "
        "OR key LIKE 'location_pushed:%';");
    outbox_.clear();
}

void PartyStore::erase_setting(std::string_view key) {
    db_.prepare("DELETE FROM settings WHERE key = ?").bind(1, key).run();
}

void PartyStore::put_session(const ObjectKey& key, std::string_view json, core::TimePoint last_updated) {
    db_.prepare(
           "INSERT INTO sessions(country_code, party_id, id, json, last_updated_ms, seq) "
           "VALUES(?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sessions)) "
           "ON CONFLICT(country_code, party_id, id) DO UPDATE SET json = excluded.json, "
           "last_updated_ms = excluded.last_updated_ms, seq = excluded.seq")
        .bind(1, key.country_code)
        .bind(2, key.party_id)
        .bind(3, key.id)
        .bind(4, json)
        .bind(5, to_ms(last_updated))
        .run();
}

bool PartyStore::has_session(const ObjectKey& key) {
    auto q = db_.prepare("SELECT 1 FROM sessions WHERE country_code = ? AND party_id = ? AND id = ?");
    return q.bind(1, key.country_code).bind(2, key.party_id).bind(3, key.id).step();
}

std::optional<std::string> PartyStore::session(const ObjectKey& key) {
    auto q = db_.prepare("SELECT json FROM sessions WHERE country_code = ? AND party_id = ? AND id = ?");
    if (!q.bind(1, key.country_code).bind(2, key.party_id).bind(3, key.id).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

std::size_t PartyStore::count_sessions(const store::TimeWindow& window) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare("SELECT COUNT(*) FROM sessions WHERE last_updated_ms >= ? AND last_updated_ms < ?");
    q.bind(1, from).bind(2, to).step();
    return static_cast<std::size_t>(q.get_int(0));
}

void PartyStore::page_sessions(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                               const std::function<void(std::string_view)>& emit) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare(
        "SELECT json FROM sessions WHERE last_updated_ms >= ? AND last_updated_ms < ? "
        "ORDER BY last_updated_ms, seq LIMIT ? OFFSET ?");
    q.bind(1, from).bind(2, to).bind(3, static_cast<std::int64_t>(limit)).bind(4, static_cast<std::int64_t>(offset));
    while (q.step()) {
        emit(q.get_text_view(0));
    }
}

std::optional<std::int64_t> PartyStore::add_cdr(const ObjectKey& key, std::string_view json,
                                                core::TimePoint last_updated) {
    auto q = db_.prepare(
        "INSERT INTO cdrs(country_code, party_id, id, json, last_updated_ms) VALUES(?, ?, ?, ?, ?) "
        "ON CONFLICT(country_code, party_id, id) DO NOTHING");
    q.bind(1, key.country_code).bind(2, key.party_id).bind(3, key.id).bind(4, json).bind(5, to_ms(last_updated));
    q.run();
    if (db_.changes() == 0) {
        return std::nullopt;
    }
    return db_.last_insert_id();
}

std::optional<std::string> PartyStore::cdr_by_number(std::int64_t number) {
    auto q = db_.prepare("SELECT json FROM cdrs WHERE number = ?");
    if (!q.bind(1, number).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

std::optional<std::string> PartyStore::cdr(const ObjectKey& key) {
    auto q = db_.prepare("SELECT json FROM cdrs WHERE country_code = ? AND party_id = ? AND id = ?");
    if (!q.bind(1, key.country_code).bind(2, key.party_id).bind(3, key.id).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

std::size_t PartyStore::count_cdrs(const store::TimeWindow& window) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare("SELECT COUNT(*) FROM cdrs WHERE last_updated_ms >= ? AND last_updated_ms < ?");
    q.bind(1, from).bind(2, to).step();
    return static_cast<std::size_t>(q.get_int(0));
}

void PartyStore::page_cdrs(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                           const std::function<void(std::string_view)>& emit) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare(
        "SELECT json FROM cdrs WHERE last_updated_ms >= ? AND last_updated_ms < ? "
        "ORDER BY last_updated_ms, number LIMIT ? OFFSET ?");
    q.bind(1, from).bind(2, to).bind(3, static_cast<std::int64_t>(limit)).bind(4, static_cast<std::int64_t>(offset));
    while (q.step()) {
        emit(q.get_text_view(0));
    }
}

void PartyStore::put_reservation(const Reservation& r) {
    db_.prepare(
           "INSERT INTO reservations(id, location_id, evse_uid, token_uid, token_json, expiry_ms, request_json) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET location_id = excluded.location_id, "
           "evse_uid = excluded.evse_uid, token_uid = excluded.token_uid, token_json = excluded.token_json, "
           "expiry_ms = excluded.expiry_ms, request_json = excluded.request_json")
        .bind(1, r.id)
        .bind(2, r.location_id)
        .bind(3, r.evse_uid)
        .bind(4, r.token_uid)
        .bind(5, r.token_json)
        .bind(6, to_ms(r.expiry))
        .bind(7, r.request_json)
        .run();
}

std::optional<Reservation> PartyStore::reservation(std::string_view id) {
    auto q = db_.prepare(std::string(kSelectReservation) + " WHERE id = ?");
    if (!q.bind(1, id).step()) {
        return std::nullopt;
    }
    return read_reservation(q);
}

std::optional<Reservation> PartyStore::reservation_on_evse(std::string_view location_id, std::string_view evse_uid) {
    auto q = db_.prepare(std::string(kSelectReservation) + " WHERE location_id = ? AND evse_uid = ?");
    if (!q.bind(1, location_id).bind(2, evse_uid).step()) {
        return std::nullopt;
    }
    return read_reservation(q);
}

void PartyStore::delete_reservation(std::string_view id) {
    db_.prepare("DELETE FROM reservations WHERE id = ?").bind(1, id).run();
}

std::vector<Reservation> PartyStore::expire_reservations(core::TimePoint now) {
    std::vector<Reservation> out;
    store::Transaction tx(db_);
    auto q = db_.prepare(std::string(kSelectReservation) + " WHERE expiry_ms <= ?");
    q.bind(1, to_ms(now));
    while (q.step()) {
        out.push_back(read_reservation(q));
    }
    db_.prepare("DELETE FROM reservations WHERE expiry_ms <= ?").bind(1, to_ms(now)).run();
    tx.commit();
    return out;
}

void PartyStore::put_charging(std::string_view session_id, std::string_view state_json) {
    db_.prepare(
           "INSERT INTO charging(session_id, state) VALUES(?1, ?2) "
           "ON CONFLICT(session_id) DO UPDATE SET state = excluded.state")
        .bind(1, session_id)
        .bind(2, state_json)
        .run();
}

void PartyStore::delete_charging(std::string_view session_id) {
    db_.prepare("DELETE FROM charging WHERE session_id = ?").bind(1, session_id).run();
}

std::vector<std::pair<std::string, std::string>> PartyStore::charging() {
    std::vector<std::pair<std::string, std::string>> out;
    auto q = db_.prepare("SELECT session_id, state FROM charging ORDER BY rowid");
    while (q.step()) {
        out.emplace_back(q.get_text(0), q.get_text(1));
    }
    return out;
}

std::int64_t PartyStore::add_command_result(std::string_view command, std::string_view uid, std::string_view result,
                                            std::string_view json) {
    db_.prepare("INSERT INTO command_results(command, uid, result, json, received_ms) VALUES(?, ?, ?, ?, ?)")
        .bind(1, command)
        .bind(2, uid)
        .bind(3, result)
        .bind(4, json)
        .bind(5, to_ms(clock_.now()))
        .run();
    return db_.last_insert_id();
}

std::vector<CommandResultRecord> PartyStore::command_results(std::string_view command, std::string_view uid) {
    std::vector<CommandResultRecord> out;
    auto q = db_.prepare(
        "SELECT seq, command, uid, result, json, received_ms FROM command_results "
        "WHERE (?1 = '' OR command = ?1) AND (?2 = '' OR uid = ?2) ORDER BY seq");
    q.bind(1, command).bind(2, uid);
    while (q.step()) {
        out.push_back(
            {q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4), from_ms(q.get_int(5))});
    }
    return out;
}

}  // namespace scn::party
