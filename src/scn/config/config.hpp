#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace scn::config {

/// A configuration problem, with the file and the JSON path it concerns (`config/config.json: $.cpo.port: expected
/// an integer from 0 to 65535`).
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One SCPI role the party plays (`cpo.roles[]`).
struct RoleConfig {
    std::string country_code;
    std::string party_id;
    std::string role;  ///< CPO, EMSP, HUB, NAP, NSP, OTHER or SCSP
    std::string business_name;
    std::optional<std::string> business_website;
};

/// A peer for bilateral (offline) testing: its versions URL and the token to call it with.
struct PeerConfig {
    std::string url;
    std::string token;    ///< used as it is
    std::string token_a;  ///< instead of `token`: the party registers with the peer (OCPI 2.2 §7.4.1) and keeps TOKEN_C
};

/// How long a party keeps trying to deliver a push (`cpo.push`, `msp.push`). A message that failed `max_attempts`
/// times, or failed when older than `max_age`, goes to the party's dead-letter list; so does at once one the
/// recipient refused for good (HTTP 4xx other than 408 and 429, or status 2xxx).
struct PushPolicy {
    int max_attempts = 10;
    std::chrono::seconds max_age{3600};
    /// Messages waiting at most; one more goes straight to the dead letters, with a log line (a recipient gone for
    /// good must not fill the disk).
    std::int64_t max_queued = 100'000;
    /// Requests in flight to the recipient at once, each on its own pooled keep-alive connection; messages of one
    /// key (one session's pushes and its CDR) still go one after the other.
    int parallel = 16;
};

/// The `cpo` or `msp` section.
struct PartyConfig {
    std::uint16_t port = 0;
    std::string bind = "127.0.0.1";  ///< address to listen on
    std::string public_url;          ///< `publicIP`: the base URL the node calls back
    /// The control API's port (the sandbox's defaults: 3100 for the CPO, 3101 for the MSP); 0 turns it off.
    std::uint16_t control_port = 0;
    std::string control_bind = "127.0.0.1";  ///< the control API listens here only, unless told otherwise
    std::vector<RoleConfig> roles;
    std::filesystem::path data_dir;
    std::filesystem::path db;
    std::chrono::seconds session_update_interval{30};
    /// CPO: read a generated data set into the page cache in the background when it fits in available memory.
    bool warm_data = true;
    std::optional<PeerConfig> peer;
    /// Refuse what OCPI 2.2 forbids but earlier mock parties accepted, and the original walkthrough relies on: a
    /// sessions list without date_from (OCPI 2.2 §9.2.1.1 makes it required). Off by default.
    bool strict = false;
    /// Sign every SCPI request the party sends (SCN-Signature, OCN notary format) and every answer, and refuse
    /// functional-module requests that come unsigned, as against a node whose signature setting is on (the reference
    /// node's default). Needs the party's signer key (kept at registration). Signed requests and answers received are
    /// verified whatever this says.
    bool signatures = false;
    /// Module identifiers a peer registering bilaterally (credentials POST/PUT) must offer in its version details;
    /// without them the registration fails with 3003 (OCPI 2.2 §7.2.2). None by default.
    std::vector<std::string> required_modules;
    PushPolicy push;
    /// `scpi-2.2` (default): the Smart Charging Network's dialect; `ocpi-2.2.1`: plain OCPI 2.2.1 for bilateral
    /// partners (`/ocpi/` paths, `OCPI-from-*` headers, Base64 tokens), always offline (no node, no registry).
    std::string protocol = "scpi-2.2";
    /// Exchanges the party's console keeps (top-level `console.buffer`; the console is on the control port); 0: none.
    std::size_t console_buffer = 2000;
};

/// The `registry` section.
struct RegistryConfig {
    enum class Backend { embedded, ethereum };
    Backend backend = Backend::embedded;
    std::filesystem::path path = "registry.db";  ///< embedded backend: the shared SQLite file
    std::string stage;                           ///< ethereum backend: local, volta or prod
    std::string rpc;                             ///< ethereum backend: JSON-RPC URL (overrides the stage's)
    std::string address;                         ///< ethereum backend: contract address (overrides the stage's)
    std::optional<std::uint64_t> chain_id;       ///< ethereum backend: chain id (overrides the stage's)
};

/// The `node` section (the local SCN node).
struct NodeConfig {
    std::uint16_t port = 8080;
    std::string bind = "127.0.0.1";
    std::string public_url = "http://localhost:8080";
    std::string api_key;
    std::filesystem::path db = "node.db";
    std::chrono::milliseconds forward_timeout{10'000};
    /// How often parties quiet for that long are asked for their versions (OFFLINE / CONNECTED); 0 turns it off.
    std::chrono::milliseconds still_alive_interval{900'000};
    /// How often the registry is searched for parties listed under this node but not connected (PLANNED); 0: off.
    std::chrono::milliseconds planned_party_search_interval{3'600'000};
    /// Node-wide signature requirement (OCN node behaviour §6.1): every routed request and every answer must carry
    /// a valid SCN-Signature, and new platforms start with their own `signatures` rule on. Off by default, as a
    /// development node runs.
    bool signatures = false;
    /// Exchanges the node's console (`GET /console`) keeps (top-level `console.buffer`); 0 turns the console off.
    std::size_t console_buffer = 2000;
};

struct Config {
    std::string node_url = "http://localhost:8080";  ///< `scn.node`: the node the parties connect to
    std::string stage = "local";                     ///< `scn.stage`
    PartyConfig cpo;
    PartyConfig msp;
    RegistryConfig registry;
    NodeConfig node;
    std::filesystem::path source;  ///< the file it was read from; empty for the built-in defaults
};

/// The built-in defaults: the same values as the shipped `config/config.local.json`.
[[nodiscard]] Config defaults();

/// Parses a configuration document. Sections and keys that are absent keep their defaults; unknown keys and wrong
/// types throw ConfigError naming `source_name` and the JSON path.
[[nodiscard]] Config parse(std::string_view json_text, std::string_view source_name = "config");

/// Reads a file with parse(); a missing or unreadable file is a ConfigError saying so.
[[nodiscard]] Config load(const std::filesystem::path& path);

}  // namespace scn::config
