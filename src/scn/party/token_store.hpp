#pragma once

#include <scn/scpi/tokens.hpp>
#include <scn/store/database.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scn::party {

/// The tokens eMSPs pushed to the mock CPO's tokens receiver (OCPI 2.2 §12.2.2), kept in the party's database.
/// A token is identified by (country_code, party_id, uid, type) (OCPI 2.2 §12.3.2); the CiString parts compare
/// case-insensitively. Stored as the Token's JSON text.
class TokenStore {
public:
    /// Creates its table in `db` when missing (a plain `CREATE TABLE IF NOT EXISTS`: the table is independent of the
    /// schema versions of the store that owns the database).
    explicit TokenStore(store::Database& db);

    /// Stores the token, replacing one with the same identity; true when it was not stored before.
    bool put(const scpi::Token& token);
    [[nodiscard]] std::optional<scpi::Token> get(std::string_view country_code, std::string_view party_id,
                                                 std::string_view uid, scpi::TokenType type);
    /// Every stored token with this uid, of any eMSP and type, RFID first: what a charger can look up when a card is
    /// presented.
    [[nodiscard]] std::vector<scpi::Token> find_uid(std::string_view uid);
    /// The eMSPs (country_code, party_id, upper-cased) that have tokens stored here.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> owners();
    [[nodiscard]] std::size_t count();

private:
    store::Database& db_;
};

}  // namespace scn::party
