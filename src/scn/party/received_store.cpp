#include <scn/core/text.hpp>
#include <scn/party/received_store.hpp>

#include <climits>

#include <algorithm>
#include <cctype>

namespace scn::party {
namespace {

// Idempotent, as the outbox's schema is: these tables join whatever PartyStore's migrations created.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS received_locations(
    country_code TEXT NOT NULL, party_id TEXT NOT NULL, id TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    PRIMARY KEY(country_code, party_id, id)
);
CREATE TABLE IF NOT EXISTS received_tariffs(
    country_code TEXT NOT NULL, party_id TEXT NOT NULL, id TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    PRIMARY KEY(country_code, party_id, id)
);
CREATE TABLE IF NOT EXISTS client_infos(
    country_code TEXT NOT NULL, party_id TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY(country_code, party_id)
);
CREATE INDEX IF NOT EXISTS client_infos_by_time ON client_infos(last_updated_ms, seq);
)sql";

std::int64_t to_ms(core::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::pair<std::int64_t, std::int64_t> bounds(const store::TimeWindow& w) {
    return {w.from ? to_ms(*w.from) : INT64_MIN, w.to ? to_ms(*w.to) : INT64_MAX};
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::toupper(x) == std::toupper(y);
           });
}

ReceivedStore::ReceivedStore(store::Database& db) : db_(db) {
    db_.exec(kSchema);
}

std::optional<std::string> ReceivedStore::get(std::string_view table, const ObjectKey& key) {
    auto q =
        db_.prepare("SELECT json FROM " + std::string(table) + " WHERE country_code = ? AND party_id = ? AND id = ?");
    if (!q.bind(1, core::ascii_upper(key.country_code))
             .bind(2, core::ascii_upper(key.party_id))
             .bind(3, key.id)
             .step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

bool ReceivedStore::put(std::string_view table, const ObjectKey& key, std::string_view json,
                        core::TimePoint last_updated) {
    store::Transaction tx(db_);
    const bool created = !get(table, key);
    db_.prepare("INSERT INTO " + std::string(table) +
                "(country_code, party_id, id, json, last_updated_ms) VALUES(?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT(country_code, party_id, id) DO UPDATE SET json = excluded.json, "
                "last_updated_ms = excluded.last_updated_ms")
        .bind(1, core::ascii_upper(key.country_code))
        .bind(2, core::ascii_upper(key.party_id))
        .bind(3, key.id)
        .bind(4, json)
        .bind(5, to_ms(last_updated))
        .run();
    tx.commit();
    return created;
}

std::size_t ReceivedStore::count(std::string_view table) {
    auto q = db_.prepare("SELECT COUNT(*) FROM " + std::string(table));
    q.step();
    return static_cast<std::size_t>(q.get_int(0));
}

std::optional<std::string> ReceivedStore::location(const ObjectKey& key) {
    return get("received_locations", key);
}

bool ReceivedStore::put_location(const ObjectKey& key, std::string_view json, core::TimePoint last_updated) {
    return put("received_locations", key, json, last_updated);
}

std::size_t ReceivedStore::count_locations() {
    return count("received_locations");
}

std::optional<std::string> ReceivedStore::tariff(const ObjectKey& key) {
    return get("received_tariffs", key);
}

bool ReceivedStore::put_tariff(const ObjectKey& key, std::string_view json, core::TimePoint last_updated) {
    return put("received_tariffs", key, json, last_updated);
}

bool ReceivedStore::delete_tariff(const ObjectKey& key) {
    db_.prepare("DELETE FROM received_tariffs WHERE country_code = ? AND party_id = ? AND id = ?")
        .bind(1, core::ascii_upper(key.country_code))
        .bind(2, core::ascii_upper(key.party_id))
        .bind(3, key.id)
        .run();
    return db_.changes() > 0;
}

std::size_t ReceivedStore::count_tariffs() {
    return count("received_tariffs");
}

std::optional<std::string> ReceivedStore::client_info(std::string_view country_code, std::string_view party_id) {
    auto q = db_.prepare("SELECT json FROM client_infos WHERE country_code = ? AND party_id = ?");
    if (!q.bind(1, core::ascii_upper(country_code)).bind(2, core::ascii_upper(party_id)).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

void ReceivedStore::put_client_info(std::string_view country_code, std::string_view party_id, std::string_view json,
                                    core::TimePoint last_updated) {
    db_.prepare(
           "INSERT INTO client_infos(country_code, party_id, json, last_updated_ms, seq) "
           "VALUES(?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM client_infos)) "
           "ON CONFLICT(country_code, party_id) DO UPDATE SET json = excluded.json, "
           "last_updated_ms = excluded.last_updated_ms, seq = excluded.seq")
        .bind(1, core::ascii_upper(country_code))
        .bind(2, core::ascii_upper(party_id))
        .bind(3, json)
        .bind(4, to_ms(last_updated))
        .run();
}

std::vector<std::string> ReceivedStore::client_infos() {
    std::vector<std::string> out;
    auto q = db_.prepare("SELECT json FROM client_infos ORDER BY last_updated_ms, seq");
    while (q.step()) {
        out.push_back(q.get_text(0));
    }
    return out;
}

std::size_t ReceivedStore::count_client_infos(const store::TimeWindow& window) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare("SELECT COUNT(*) FROM client_infos WHERE last_updated_ms >= ? AND last_updated_ms < ?");
    q.bind(1, from).bind(2, to).step();
    return static_cast<std::size_t>(q.get_int(0));
}

void ReceivedStore::page_client_infos(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                                      const std::function<void(std::string_view)>& emit) {
    const auto [from, to] = bounds(window);
    auto q = db_.prepare(
        "SELECT json FROM client_infos WHERE last_updated_ms >= ? AND last_updated_ms < ? "
        "ORDER BY last_updated_ms, seq LIMIT ? OFFSET ?");
    q.bind(1, from).bind(2, to).bind(3, static_cast<std::int64_t>(limit)).bind(4, static_cast<std::int64_t>(offset));
    while (q.step()) {
        emit(q.get_text_view(0));
    }
}

}  // namespace scn::party
