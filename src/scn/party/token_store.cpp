#include <scn/party/token_store.hpp>
#include <scn/scpi/io.hpp>

namespace scn::party {

TokenStore::TokenStore(store::Database& db) : db_(db) {
    db_.exec(R"sql(
CREATE TABLE IF NOT EXISTS tokens(
    country_code TEXT NOT NULL COLLATE NOCASE,
    party_id TEXT NOT NULL COLLATE NOCASE,
    uid TEXT NOT NULL COLLATE NOCASE,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    last_updated_ms INTEGER NOT NULL,
    PRIMARY KEY(country_code, party_id, uid, type)
);
CREATE INDEX IF NOT EXISTS tokens_by_uid ON tokens(uid);
)sql");
}

bool TokenStore::put(const scpi::Token& token) {
    store::Transaction tx(db_);
    auto exists = db_.prepare("SELECT 1 FROM tokens WHERE country_code = ? AND party_id = ? AND uid = ? AND type = ?");
    const bool created = !exists.bind(1, token.country_code)
                              .bind(2, token.party_id)
                              .bind(3, token.uid)
                              .bind(4, scpi::to_string(token.type))
                              .step();
    db_.prepare(
           "INSERT INTO tokens(country_code, party_id, uid, type, json, last_updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, "
           "?6) "
           "ON CONFLICT(country_code, party_id, uid, type) DO UPDATE SET json = excluded.json, "
           "last_updated_ms = excluded.last_updated_ms")
        .bind(1, token.country_code)
        .bind(2, token.party_id)
        .bind(3, token.uid)
        .bind(4, scpi::to_string(token.type))
        .bind(5, scpi::to_text(token))
        .bind(6, static_cast<std::int64_t>(token.last_updated.time_since_epoch().count()))
        .run();
    tx.commit();
    return created;
}

std::optional<scpi::Token> TokenStore::get(std::string_view country_code, std::string_view party_id,
                                           std::string_view uid, scpi::TokenType type) {
    auto q = db_.prepare("SELECT json FROM tokens WHERE country_code = ? AND party_id = ? AND uid = ? AND type = ?");
    if (!q.bind(1, country_code).bind(2, party_id).bind(3, uid).bind(4, scpi::to_string(type)).step()) {
        return std::nullopt;
    }
    return scpi::from_json<scpi::Token>(scpi::parse_json(q.get_text_view(0)));
}

std::vector<scpi::Token> TokenStore::find_uid(std::string_view uid) {
    std::vector<scpi::Token> out;
    auto q = db_.prepare(
        "SELECT json FROM tokens WHERE uid = ? ORDER BY type <> 'RFID', last_updated_ms DESC, country_code, party_id");
    q.bind(1, uid);
    while (q.step()) {
        out.push_back(scpi::from_json<scpi::Token>(scpi::parse_json(q.get_text_view(0))));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> TokenStore::owners() {
    std::vector<std::pair<std::string, std::string>> out;
    auto q = db_.prepare(
        "SELECT DISTINCT upper(country_code), upper(party_id) FROM tokens ORDER BY upper(country_code), "
        "upper(party_id)");
    while (q.step()) {
        out.emplace_back(q.get_text(0), q.get_text(1));
    }
    return out;
}

std::size_t TokenStore::count() {
    auto q = db_.prepare("SELECT COUNT(*) FROM tokens");
    q.step();
    return static_cast<std::size_t>(q.get_int(0));
}

}  // namespace scn::party
