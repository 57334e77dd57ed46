#pragma once

#include <scn/core/clock.hpp>
#include <scn/scpi/common.hpp>
#include <scn/scpi/hubclientinfo.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/store/database.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace scn::node {

/// A party identity: country code and party id (always stored upper-case).
struct PartyRef {
    std::string country_code;
    std::string party_id;
    friend bool operator==(const PartyRef&, const PartyRef&) = default;
};

/// A platform: one connection of a party's software to this node (it may hold several roles).
struct Platform {
    std::int64_t id = 0;
    scpi::ConnectionStatus status = scpi::ConnectionStatus::PLANNED;
    std::optional<std::string> token_a;
    std::optional<std::string> token_b;  ///< the party's token: the node calls the party with it
    std::optional<std::string> token_c;  ///< the node's token: the party calls the node with it
    std::string versions_url;
    core::TimePoint last_updated{};
    bool signatures = false;
};

struct PlatformRole {
    scpi::Role role = scpi::Role::OTHER;
    std::string country_code;
    std::string party_id;
    std::string business_details;  ///< the BusinessDetails object as JSON text
};

struct Endpoint {
    std::string identifier;  ///< module id exactly as the party advertised it
    scpi::InterfaceRole role = scpi::InterfaceRole::SENDER;
    std::string url;
};

/// The recipient's whitelist or blacklist entry for one sender (ScnRules).
struct RuleEntry {
    PartyRef party;
    std::vector<std::string> modules;
};

struct Rules {
    bool signatures = false;
    bool whitelist_active = false;
    bool blacklist_active = false;
    std::vector<RuleEntry> entries;
};

/// Everything the local node persists: platforms and their tokens, roles and endpoints, proxied resources, rules.
/// One SQLite file; every multi-step change is one transaction.
class NodeStore {
public:
    NodeStore(const std::filesystem::path& file, const core::Clock& clock);

    /// A PLANNED platform holding a fresh TOKEN_A (returned).
    std::string create_planned_platform();
    [[nodiscard]] std::optional<Platform> platform_by_token_a(std::string_view token);
    [[nodiscard]] std::optional<Platform> platform_by_token_c(std::string_view token);
    /// The id of the platform holding this TOKEN_C, without copying the platform (every routed request asks).
    [[nodiscard]] std::optional<std::int64_t> platform_id_by_token_c(std::string_view token);
    /// `Token <TOKEN_B>`: what the node sends the platform as Authorization (`Token ` alone without TOKEN_B).
    [[nodiscard]] std::string authorization(std::int64_t id);
    [[nodiscard]] std::optional<Platform> platform(std::int64_t id);
    /// Completes a registration: stores TOKEN_B, a fresh TOKEN_C (returned), roles and endpoints, clears TOKEN_A.
    std::string connect_platform(std::int64_t id, const std::string& token_b, const std::string& versions_url,
                                 const std::vector<PlatformRole>& roles, const std::vector<Endpoint>& endpoints);
    /// PUT credentials: replaces TOKEN_B, roles and endpoints and rotates TOKEN_C (returned).
    std::string update_platform(std::int64_t id, const std::string& token_b, const std::string& versions_url,
                                const std::vector<PlatformRole>& roles, const std::vector<Endpoint>& endpoints);
    /// DELETE credentials: removes the platform with its roles, endpoints and rules.
    void delete_platform(std::int64_t id);
    /// Marks the platform CONNECTED and seen now; returns true if its status changed.
    bool renew(std::int64_t id);
    void set_status(std::int64_t id, scpi::ConnectionStatus status);

    /// The platform that holds this role (case-insensitive), if it is local.
    [[nodiscard]] std::optional<std::int64_t> platform_of(const PartyRef& party);
    [[nodiscard]] std::vector<PlatformRole> roles(std::int64_t platform_id);
    [[nodiscard]] std::vector<Endpoint> endpoints(std::int64_t platform_id);
    [[nodiscard]] std::optional<std::string> endpoint_url(std::int64_t platform_id, std::string_view identifier,
                                                          scpi::InterfaceRole role);
    [[nodiscard]] std::vector<Platform> platforms();

    /// Stores a URL the node hands out in proxied form; `alias` is the UUID used across nodes.
    std::int64_t add_proxy(const std::string& resource, const PartyRef& sender, const PartyRef& receiver,
                           const std::optional<std::string>& alias = std::nullopt);
    /// The stored URL for id (a number) or alias, bound to exactly this sender and receiver.
    [[nodiscard]] std::optional<std::string> proxy(std::string_view id_or_alias, const PartyRef& sender,
                                                   const PartyRef& receiver);
    void delete_proxy(std::string_view id_or_alias);

    /// The platform's rules, valid until the next change to the store (copy them to keep them longer).
    [[nodiscard]] const Rules& rules(std::int64_t platform_id);
    void save_rules(std::int64_t platform_id, const Rules& rules);

    /// Small key/value settings (e.g. the node's generated wallet key).
    [[nodiscard]] std::optional<std::string> setting(std::string_view key);
    void set_setting(std::string_view key, std::string_view value);

private:
    std::string store_credentials(std::int64_t id, bool clear_token_a, const std::string& token_b,
                                  const std::string& versions_url, const std::vector<PlatformRole>& roles,
                                  const std::vector<Endpoint>& endpoints);
    void replace_roles_and_endpoints(std::int64_t id, const std::vector<PlatformRole>& roles,
                                     const std::vector<Endpoint>& endpoints);
    [[nodiscard]] std::optional<Platform> platform_where(std::string_view column, std::string_view value);
    /// The cached platform (filled on first use); null when there is none.
    [[nodiscard]] const Platform* cached_platform(std::int64_t id);
    [[nodiscard]] const Platform* cached_by_token_c(std::string_view token);
    void invalidate() { cache_ = {}; }

    store::Database db_;
    const core::Clock& clock_;
    /// The lookups every routed request makes, answered from memory; any change to platforms, roles, endpoints or
    /// rules empties it. (This process is the only writer of the node's database.)
    struct Cache {
        std::map<std::string, std::optional<Platform>, std::less<>> by_token_c;
        std::map<std::int64_t, std::optional<Platform>> by_id;
        std::map<std::pair<std::string, std::string>, std::optional<std::int64_t>> by_party;
        std::map<std::tuple<std::int64_t, std::string, scpi::InterfaceRole>, std::optional<std::string>> endpoint;
        std::map<std::int64_t, Rules> rules;
    } cache_;
    std::map<std::int64_t, core::TimePoint> renewed_;  ///< when each platform's last_updated was last written
    std::map<std::int64_t, core::TimePoint> seen_;     ///< when each platform was last renewed (maybe not written yet)
    [[nodiscard]] Platform with_seen(Platform p) const;
};

}  // namespace scn::node
