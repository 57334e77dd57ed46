#include <scn/registry/embedded_store.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace scn::registry {
namespace {

constexpr std::array kMigrations{store::Migration{1, R"sql(
CREATE TABLE operators(
    address TEXT PRIMARY KEY,
    domain TEXT NOT NULL DEFAULT ''
);
CREATE TABLE reserved_domains(domain TEXT PRIMARY KEY);
CREATE TABLE parties(
    address TEXT PRIMARY KEY,
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    operator TEXT NOT NULL DEFAULT '',
    listed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX parties_by_ocpi ON parties(country_code, party_id) WHERE operator <> '';
)sql"}};

std::string encode_roles(std::span<const Role> roles) {
    std::string out;
    for (const Role r : roles) {
        out += out.empty() ? "" : ",";
        out += std::to_string(static_cast<unsigned>(r));
    }
    return out;
}

std::vector<Role> decode_roles(std::string_view text) {
    std::vector<Role> roles;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto comma = text.find(',', pos);
        const auto piece = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        if (const auto r = role_from_index(static_cast<unsigned>(std::stoul(std::string(piece))))) {
            roles.push_back(*r);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return roles;
}

// Listed parties with their operator's node URL; callers append conditions.
constexpr std::string_view kSelectParty =
    "SELECT p.address, p.country_code, p.party_id, p.roles, p.operator, COALESCE(o.domain, '') FROM parties p "
    "LEFT JOIN operators o ON o.address = p.operator WHERE p.operator <> ''";

PartyListing read_party(const store::Statement& q) {
    return PartyListing{q.get_text(1), q.get_text(2), q.get_text(0), decode_roles(q.get_text_view(3)),
                        q.get_text(4), q.get_text(5)};
}

}  // namespace

std::string normalize_address(std::string_view address, std::string_view what) {
    const bool ok = address.size() == 42 && address[0] == '0' && (address[1] == 'x' || address[1] == 'X') &&
                    std::all_of(address.begin() + 2, address.end(),
                                [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
    if (!ok) {
        throw RegistryRefused(std::string(what) + " is not an address (0x followed by 40 hex digits): \"" +
                              std::string(address) + "\"");
    }
    std::string out(address);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

EmbeddedStore::EmbeddedStore(const std::filesystem::path& file) : db_(file) {
    db_.migrate(kMigrations);
}

void EmbeddedStore::set_node(std::string_view operator_address, std::string_view domain) {
    const auto op = normalize_address(operator_address, "operator");
    const std::lock_guard lock(mutex_);
    store::Transaction tx(db_);
    if (domain.empty()) {
        throw RegistryRefused("Cannot set empty domain name. Use deleteNode method instead.");
    }
    auto taken = db_.prepare("SELECT 1 FROM reserved_domains WHERE domain = ?");
    if (taken.bind(1, domain).step()) {
        throw RegistryRefused("Domain name already registered.");
    }
    db_.prepare("INSERT INTO reserved_domains(domain) VALUES(?)").bind(1, domain).run();
    db_.prepare(
           "INSERT INTO operators(address, domain) VALUES(?1, ?2) "
           "ON CONFLICT(address) DO UPDATE SET domain = excluded.domain")
        .bind(1, op)
        .bind(2, domain)
        .run();
    tx.commit();
}

void EmbeddedStore::delete_node(std::string_view operator_address) {
    const auto op = normalize_address(operator_address, "operator");
    const std::lock_guard lock(mutex_);
    store::Transaction tx(db_);
    auto current = db_.prepare("SELECT domain FROM operators WHERE address = ? AND domain <> ''");
    if (!current.bind(1, op).step()) {
        throw RegistryRefused("Cannot delete node that does not exist.");
    }
    const std::string domain = current.get_text(0);
    db_.prepare("DELETE FROM reserved_domains WHERE domain = ?").bind(1, domain).run();
    db_.prepare("UPDATE operators SET domain = '' WHERE address = ?").bind(1, op).run();
    tx.commit();
}

std::string EmbeddedStore::get_node(std::string_view operator_address) {
    const auto op = normalize_address(operator_address, "operator");
    const std::lock_guard lock(mutex_);
    auto q = db_.prepare("SELECT domain FROM operators WHERE address = ?");
    return q.bind(1, op).step() ? q.get_text(0) : std::string{};
}

std::vector<NodeListing> EmbeddedStore::list_nodes() {
    const std::lock_guard lock(mutex_);
    std::vector<NodeListing> out;
    auto q = db_.prepare("SELECT address, domain FROM operators WHERE domain <> '' ORDER BY rowid");
    while (q.step()) {
        out.push_back({q.get_text(0), q.get_text(1)});
    }
    return out;
}

void EmbeddedStore::set_party(std::string_view party_address, std::string_view country_code, std::string_view party_id,
                              std::span<const Role> roles, std::string_view operator_address) {
    const auto party = normalize_address(party_address, "party");
    const std::lock_guard lock(mutex_);
    store::Transaction tx(db_);
    if (country_code.empty()) {
        throw RegistryRefused("Cannot set empty country_code. Use deleteParty method instead.");
    }
    if (party_id.empty()) {
        throw RegistryRefused("Cannot set empty party_id. Use deleteParty method instead.");
    }
    if (roles.empty()) {
        throw RegistryRefused("No roles provided.");
    }
    if (operator_address.empty() || operator_address == "0x0000000000000000000000000000000000000000") {
        throw RegistryRefused("Cannot set empty operator. Use deleteParty method instead.");
    }
    const auto op = normalize_address(operator_address, "operator");
    auto holder = db_.prepare(
        "SELECT address FROM parties WHERE country_code = ? AND party_id = ? AND operator <> '' AND address <> ?");
    if (holder.bind(1, country_code).bind(2, party_id).bind(3, party).step()) {
        throw RegistryRefused("Party with country_code/party_id already registered under different address.");
    }
    auto node = db_.prepare("SELECT 1 FROM operators WHERE address = ? AND domain <> ''");
    if (!node.bind(1, op).step()) {
        throw RegistryRefused("Provided operator not registered.");
    }
    db_.prepare(
           "INSERT INTO parties(address, country_code, party_id, roles, operator, listed_at) "
           "VALUES(?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(listed_at), 0) + 1 FROM parties)) "
           "ON CONFLICT(address) DO UPDATE SET country_code = excluded.country_code, party_id = excluded.party_id, "
           "roles = excluded.roles, operator = excluded.operator")
        .bind(1, party)
        .bind(2, country_code)
        .bind(3, party_id)
        .bind(4, encode_roles(roles))
        .bind(5, op)
        .run();
    tx.commit();
}

void EmbeddedStore::delete_party(std::string_view party_address) {
    const auto party = normalize_address(party_address, "party");
    const std::lock_guard lock(mutex_);
    store::Transaction tx(db_);
    auto exists = db_.prepare("SELECT 1 FROM parties WHERE address = ? AND operator <> ''");
    if (!exists.bind(1, party).step()) {
        throw RegistryRefused("Cannot delete party that does not exist. No operator found for given party.");
    }
    db_.prepare("UPDATE parties SET operator = '', roles = '' WHERE address = ?").bind(1, party).run();
    tx.commit();
}

std::optional<PartyListing> EmbeddedStore::party_by_ocpi(std::string_view country_code, std::string_view party_id) {
    const std::lock_guard lock(mutex_);
    auto q = db_.prepare(std::string(kSelectParty) + " AND p.country_code = ? AND p.party_id = ?");
    if (!q.bind(1, country_code).bind(2, party_id).step()) {
        return std::nullopt;
    }
    return read_party(q);
}

std::optional<PartyListing> EmbeddedStore::party_by_address(std::string_view party_address) {
    const auto party = normalize_address(party_address, "party");
    const std::lock_guard lock(mutex_);
    auto q = db_.prepare(std::string(kSelectParty) + " AND p.address = ?");
    if (!q.bind(1, party).step()) {
        return std::nullopt;
    }
    return read_party(q);
}

std::vector<PartyListing> EmbeddedStore::list_parties() {
    const std::lock_guard lock(mutex_);
    std::vector<PartyListing> out;
    auto q = db_.prepare(std::string(kSelectParty) + " ORDER BY p.listed_at");
    while (q.step()) {
        out.push_back(read_party(q));
    }
    return out;
}

}  // namespace scn::registry
