#include <scn/core/random.hpp>
#include <scn/core/text.hpp>
#include <scn/node/node_store.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace scn::node {
namespace {

constexpr std::array kMigrations{store::Migration{1, R"sql(
CREATE TABLE platforms(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    token_a TEXT UNIQUE,
    token_b TEXT,
    token_c TEXT UNIQUE,
    versions_url TEXT NOT NULL DEFAULT '',
    last_updated_ms INTEGER NOT NULL,
    signatures INTEGER NOT NULL DEFAULT 0,
    whitelist_active INTEGER NOT NULL DEFAULT 0,
    blacklist_active INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE roles(
    platform_id INTEGER NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    country_code TEXT NOT NULL COLLATE NOCASE,
    party_id TEXT NOT NULL COLLATE NOCASE,
    business_details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX roles_by_party ON roles(country_code, party_id);
CREATE TABLE endpoints(
    platform_id INTEGER NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    role TEXT NOT NULL,
    url TEXT NOT NULL
);
CREATE INDEX endpoints_by_platform ON endpoints(platform_id, identifier, role);
CREATE TABLE proxies(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alias TEXT UNIQUE,
    resource TEXT NOT NULL,
    sender_cc TEXT NOT NULL, sender_pid TEXT NOT NULL,
    receiver_cc TEXT NOT NULL, receiver_pid TEXT NOT NULL
);
CREATE TABLE rule_entries(
    platform_id INTEGER NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    modules TEXT NOT NULL
);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql"}};

constexpr auto kRenewInterval = std::chrono::seconds(5);

std::int64_t to_ms(core::TimePoint t) {
    return t.time_since_epoch().count();
}

Platform read_platform(const store::Statement& q) {
    Platform p;
    p.id = q.get_int(0);
    p.status = scpi::enum_from_string<scpi::ConnectionStatus>(q.get_text(1)).value_or(scpi::ConnectionStatus::PLANNED);
    p.token_a = q.get_optional_text(2);
    p.token_b = q.get_optional_text(3);
    p.token_c = q.get_optional_text(4);
    p.versions_url = q.get_text(5);
    p.last_updated = core::TimePoint{std::chrono::milliseconds{q.get_int(6)}};
    p.signatures = q.get_int(7) != 0;
    return p;
}

constexpr std::string_view kSelectPlatform =
    "SELECT id, status, token_a, token_b, token_c, versions_url, last_updated_ms, signatures FROM platforms";

bool is_number(std::string_view s) {
    return !s.empty() && s.size() < 19 &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

NodeStore::NodeStore(const std::filesystem::path& file, const core::Clock& clock) : db_(file), clock_(clock) {
    db_.migrate(kMigrations);
}

std::string NodeStore::create_planned_platform() {
    invalidate();
    const std::string token = core::random_uuid();
    db_.prepare("INSERT INTO platforms(status, token_a, last_updated_ms) VALUES('PLANNED', ?, ?)")
        .bind(1, token)
        .bind(2, to_ms(clock_.now()))
        .run();
    return token;
}

std::optional<Platform> NodeStore::platform_where(std::string_view column, std::string_view value) {
    auto q = db_.prepare(std::string(kSelectPlatform) + " WHERE " + std::string(column) + " = ?");
    if (!q.bind(1, value).step()) {
        return std::nullopt;
    }
    return read_platform(q);
}

std::optional<Platform> NodeStore::platform_by_token_a(std::string_view token) {
    return token.empty() ? std::nullopt : platform_where("token_a", token);
}

const Platform* NodeStore::cached_by_token_c(std::string_view token) {
    if (token.empty()) {
        return nullptr;
    }
    auto it = cache_.by_token_c.find(token);
    if (it == cache_.by_token_c.end()) {
        it = cache_.by_token_c.emplace(std::string(token), platform_where("token_c", token)).first;
    }
    return it->second ? &*it->second : nullptr;
}

const Platform* NodeStore::cached_platform(std::int64_t id) {
    auto it = cache_.by_id.find(id);
    if (it == cache_.by_id.end()) {
        it = cache_.by_id.emplace(id, platform_where("id", std::to_string(id))).first;
    }
    return it->second ? &*it->second : nullptr;
}

std::optional<Platform> NodeStore::platform_by_token_c(std::string_view token) {
    const auto* p = cached_by_token_c(token);
    return p != nullptr ? std::optional(with_seen(*p)) : std::nullopt;
}

std::optional<std::int64_t> NodeStore::platform_id_by_token_c(std::string_view token) {
    const auto* p = cached_by_token_c(token);
    return p != nullptr ? std::optional(p->id) : std::nullopt;
}

std::optional<Platform> NodeStore::platform(std::int64_t id) {
    const auto* p = cached_platform(id);
    return p != nullptr ? std::optional(with_seen(*p)) : std::nullopt;
}

std::string NodeStore::authorization(std::int64_t id) {
    const auto* p = cached_platform(id);
    const std::string_view token = p != nullptr && p->token_b ? std::string_view(*p->token_b) : std::string_view();
    std::string out;
    out.reserve(6 + token.size());
    out.append("Token ").append(token);
    return out;
}

Platform NodeStore::with_seen(Platform p) const {
    // Renewals are written every few seconds; the latest one is kept here meanwhile.
    if (const auto it = seen_.find(p.id); it != seen_.end() && it->second > p.last_updated) {
        p.last_updated = it->second;
    }
    return p;
}

void NodeStore::replace_roles_and_endpoints(std::int64_t id, const std::vector<PlatformRole>& roles,
                                            const std::vector<Endpoint>& endpoints) {
    db_.prepare("DELETE FROM roles WHERE platform_id = ?").bind(1, id).run();
    db_.prepare("DELETE FROM endpoints WHERE platform_id = ?").bind(1, id).run();
    auto add_role = db_.prepare(
        "INSERT INTO roles(platform_id, role, country_code, party_id, business_details) VALUES(?, ?, ?, ?, ?)");
    for (const auto& r : roles) {
        add_role.bind(1, id)
            .bind(2, scpi::to_string(r.role))
            .bind(3, r.country_code)
            .bind(4, r.party_id)
            .bind(5, r.business_details);
        add_role.run();
    }
    auto add_endpoint = db_.prepare("INSERT INTO endpoints(platform_id, identifier, role, url) VALUES(?, ?, ?, ?)");
    for (const auto& e : endpoints) {
        add_endpoint.bind(1, id).bind(2, e.identifier).bind(3, scpi::to_string(e.role)).bind(4, e.url);
        add_endpoint.run();
    }
}

std::string NodeStore::store_credentials(std::int64_t id, bool clear_token_a, const std::string& token_b,
                                         const std::string& versions_url, const std::vector<PlatformRole>& roles,
                                         const std::vector<Endpoint>& endpoints) {
    const std::string token_c = core::random_uuid();
    invalidate();
    store::Transaction tx(db_);
    db_.prepare(std::string("UPDATE platforms SET status = 'CONNECTED', ") + (clear_token_a ? "token_a = NULL, " : "") +
                "token_b = ?, token_c = ?, versions_url = ?, last_updated_ms = ? WHERE id = ?")
        .bind(1, token_b)
        .bind(2, token_c)
        .bind(3, versions_url)
        .bind(4, to_ms(clock_.now()))
        .bind(5, id)
        .run();
    replace_roles_and_endpoints(id, roles, endpoints);
    tx.commit();
    return token_c;
}

std::string NodeStore::connect_platform(std::int64_t id, const std::string& token_b, const std::string& versions_url,
                                        const std::vector<PlatformRole>& roles,
                                        const std::vector<Endpoint>& endpoints) {
    return store_credentials(id, true, token_b, versions_url, roles, endpoints);
}

std::string NodeStore::update_platform(std::int64_t id, const std::string& token_b, const std::string& versions_url,
                                       const std::vector<PlatformRole>& roles, const std::vector<Endpoint>& endpoints) {
    return store_credentials(id, false, token_b, versions_url, roles, endpoints);
}

void NodeStore::delete_platform(std::int64_t id) {
    invalidate();
    renewed_.erase(id);
    seen_.erase(id);
    db_.prepare("DELETE FROM platforms WHERE id = ?").bind(1, id).run();
}

bool NodeStore::renew(std::int64_t id) {
    // last_updated is written at most every few seconds per platform: routing does not pay a write per request.
    const auto now = clock_.now();
    if (const auto it = cache_.by_id.find(id); it == cache_.by_id.end()) {
        cache_.by_id.emplace(id, platform_where("id", std::to_string(id)));
    }
    const auto& current = cache_.by_id.at(id);  // read in place: this runs for every routed request
    if (!current) {
        return false;
    }
    const bool changed = current->status != scpi::ConnectionStatus::CONNECTED;
    seen_[id] = now;
    if (const auto it = renewed_.find(id); !changed && it != renewed_.end() && now - it->second < kRenewInterval) {
        return false;
    }
    renewed_[id] = now;
    invalidate();
    db_.prepare("UPDATE platforms SET status = 'CONNECTED', last_updated_ms = ? WHERE id = ?")
        .bind(1, to_ms(now))
        .bind(2, id)
        .run();
    return changed;
}

void NodeStore::set_status(std::int64_t id, scpi::ConnectionStatus status) {
    invalidate();
    db_.prepare("UPDATE platforms SET status = ? WHERE id = ?").bind(1, scpi::to_string(status)).bind(2, id).run();
}

std::optional<std::int64_t> NodeStore::platform_of(const PartyRef& party) {
    const auto key = std::pair(party.country_code, party.party_id);
    if (const auto it = cache_.by_party.find(key); it != cache_.by_party.end()) {
        return it->second;
    }
    auto q = db_.prepare(
        "SELECT r.platform_id FROM roles r JOIN platforms p ON p.id = r.platform_id "
        "WHERE r.country_code = ? AND r.party_id = ? AND p.token_c IS NOT NULL LIMIT 1");
    std::optional<std::int64_t> id;
    if (q.bind(1, party.country_code).bind(2, party.party_id).step()) {
        id = q.get_int(0);
    }
    cache_.by_party.emplace(key, id);
    return id;
}

std::vector<PlatformRole> NodeStore::roles(std::int64_t platform_id) {
    std::vector<PlatformRole> out;
    auto q = db_.prepare(
        "SELECT role, country_code, party_id, business_details FROM roles WHERE platform_id = ? ORDER BY rowid");
    q.bind(1, platform_id);
    while (q.step()) {
        out.push_back({scpi::enum_from_string<scpi::Role>(q.get_text(0)).value_or(scpi::Role::OTHER), q.get_text(1),
                       q.get_text(2), q.get_text(3)});
    }
    return out;
}

std::vector<Endpoint> NodeStore::endpoints(std::int64_t platform_id) {
    std::vector<Endpoint> out;
    auto q = db_.prepare("SELECT identifier, role, url FROM endpoints WHERE platform_id = ? ORDER BY rowid");
    q.bind(1, platform_id);
    while (q.step()) {
        out.push_back({q.get_text(0),
                       scpi::enum_from_string<scpi::InterfaceRole>(q.get_text(1)).value_or(scpi::InterfaceRole::SENDER),
                       q.get_text(2)});
    }
    return out;
}

std::optional<std::string> NodeStore::endpoint_url(std::int64_t platform_id, std::string_view identifier,
                                                   scpi::InterfaceRole role) {
    auto key = std::tuple(platform_id, std::string(identifier), role);
    if (const auto it = cache_.endpoint.find(key); it != cache_.endpoint.end()) {
        return it->second;
    }
    auto q = db_.prepare("SELECT url FROM endpoints WHERE platform_id = ? AND identifier = ? AND role = ? LIMIT 1");
    std::optional<std::string> url;
    if (q.bind(1, platform_id).bind(2, identifier).bind(3, scpi::to_string(role)).step()) {
        url = q.get_text(0);
    }
    cache_.endpoint.emplace(std::move(key), url);
    return url;
}

std::vector<Platform> NodeStore::platforms() {
    std::vector<Platform> out;
    auto q = db_.prepare(std::string(kSelectPlatform) + " ORDER BY id");
    while (q.step()) {
        out.push_back(with_seen(read_platform(q)));
    }
    return out;
}

std::int64_t NodeStore::add_proxy(const std::string& resource, const PartyRef& sender, const PartyRef& receiver,
                                  const std::optional<std::string>& alias) {
    db_.prepare(
           "INSERT INTO proxies(alias, resource, sender_cc, sender_pid, receiver_cc, receiver_pid) "
           "VALUES(?, ?, ?, ?, ?, ?)")
        .bind(1, alias)
        .bind(2, resource)
        .bind(3, core::ascii_upper(sender.country_code))
        .bind(4, core::ascii_upper(sender.party_id))
        .bind(5, core::ascii_upper(receiver.country_code))
        .bind(6, core::ascii_upper(receiver.party_id))
        .run();
    return db_.last_insert_id();
}

std::optional<std::string> NodeStore::proxy(std::string_view id_or_alias, const PartyRef& sender,
                                            const PartyRef& receiver) {
    const bool numeric = is_number(id_or_alias);
    auto q = db_.prepare(std::string("SELECT resource FROM proxies WHERE ") + (numeric ? "id" : "alias") +
                         " = ? AND sender_cc = ? AND sender_pid = ? AND receiver_cc = ? AND receiver_pid = ?");
    if (numeric) {
        q.bind(1, static_cast<std::int64_t>(std::stoll(std::string(id_or_alias))));
    } else {
        q.bind(1, id_or_alias);
    }
    q.bind(2, core::ascii_upper(sender.country_code))
        .bind(3, core::ascii_upper(sender.party_id))
        .bind(4, core::ascii_upper(receiver.country_code))
        .bind(5, core::ascii_upper(receiver.party_id));
    if (!q.step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

void NodeStore::delete_proxy(std::string_view id_or_alias) {
    if (is_number(id_or_alias)) {
        db_.prepare("DELETE FROM proxies WHERE id = ?")
            .bind(1, static_cast<std::int64_t>(std::stoll(std::string(id_or_alias))))
            .run();
    } else {
        db_.prepare("DELETE FROM proxies WHERE alias = ?").bind(1, id_or_alias).run();
    }
}

const Rules& NodeStore::rules(std::int64_t platform_id) {
    if (const auto it = cache_.rules.find(platform_id); it != cache_.rules.end()) {
        return it->second;
    }
    Rules r;
    auto p = db_.prepare("SELECT signatures, whitelist_active, blacklist_active FROM platforms WHERE id = ?");
    if (!p.bind(1, platform_id).step()) {
        return cache_.rules.emplace(platform_id, r).first->second;
    }
    r.signatures = p.get_int(0) != 0;
    r.whitelist_active = p.get_int(1) != 0;
    r.blacklist_active = p.get_int(2) != 0;
    auto q =
        db_.prepare("SELECT country_code, party_id, modules FROM rule_entries WHERE platform_id = ? ORDER BY rowid");
    q.bind(1, platform_id);
    while (q.step()) {
        RuleEntry e{{q.get_text(0), q.get_text(1)}, {}};
        const std::string modules = q.get_text(2);
        std::size_t pos = 0;
        while (pos <= modules.size() && !modules.empty()) {
            const auto nl = modules.find('\n', pos);
            e.modules.push_back(modules.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
            if (nl == std::string::npos) {
                break;
            }
            pos = nl + 1;
        }
        r.entries.push_back(std::move(e));
    }
    return cache_.rules.emplace(platform_id, std::move(r)).first->second;
}

void NodeStore::save_rules(std::int64_t platform_id, const Rules& rules) {
    invalidate();
    store::Transaction tx(db_);
    db_.prepare("UPDATE platforms SET signatures = ?, whitelist_active = ?, blacklist_active = ? WHERE id = ?")
        .bind(1, rules.signatures ? 1 : 0)
        .bind(2, rules.whitelist_active ? 1 : 0)
        .bind(3, rules.blacklist_active ? 1 : 0)
        .bind(4, platform_id)
        .run();
    db_.prepare("DELETE FROM rule_entries WHERE platform_id = ?").bind(1, platform_id).run();
    auto add = db_.prepare("INSERT INTO rule_entries(platform_id, country_code, party_id, modules) VALUES(?, ?, ?, ?)");
    for (const auto& e : rules.entries) {
        std::string modules;
        for (const auto& m : e.modules) {
            modules += modules.empty() ? "" : "\n";
            modules += m;
        }
        add.bind(1, platform_id)
            .bind(2, core::ascii_upper(e.party.country_code))
            .bind(3, core::ascii_upper(e.party.party_id))
            .bind(4, modules);
        add.run();
    }
    tx.commit();
}

std::optional<std::string> NodeStore::setting(std::string_view key) {
    auto q = db_.prepare("SELECT value FROM settings WHERE key = ?");
    if (!q.bind(1, key).step()) {
        return std::nullopt;
    }
    return q.get_text(0);
}

void NodeStore::set_setting(std::string_view key, std::string_view value) {
    db_.prepare("INSERT INTO settings(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value)
        .run();
}

}  // namespace scn::node
