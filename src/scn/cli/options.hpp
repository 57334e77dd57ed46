#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace scn::cli {

/// Options every subcommand shares.
struct GlobalOptions {
    std::filesystem::path config = "config/config.json";
    bool config_given = false;  ///< --config was on the command line (a missing file is then an error)
    bool verbose = false;
};

/// `scn-tools mock --cpo|--msp`
struct MockOptions {
    enum class Party { cpo, msp };
    Party party = Party::cpo;
    bool offline = false;
    bool register_only = false;
    std::optional<std::uint16_t> port;
    std::optional<std::uint16_t> control_port;  ///< 0 turns the control API off
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::filesystem::path> db;
    std::optional<std::string> protocol;        ///< `scpi-2.2` or `ocpi-2.2.1` (overrides the configuration)
    std::optional<std::size_t> console_buffer;  ///< exchanges the console keeps (overrides `console.buffer`)
};

/// `scn-tools node`
struct NodeOptions {
    std::optional<std::uint16_t> port;
    std::optional<std::string> public_url;
    std::optional<std::string> api_key;
    std::optional<std::filesystem::path> db;
    std::optional<std::size_t> console_buffer;  ///< exchanges the console keeps (overrides `console.buffer`)
};

/// `scn-tools sandbox`
struct SandboxOptions {
    std::filesystem::path dir = "sandbox";
    std::optional<std::string> chain;             ///< JSON-RPC URL of a real chain instead of the embedded registry
    std::optional<std::string> registry_address;  ///< registry contract on that chain
    bool reset = false;
    /// Start nothing: wait until the sandbox running with this --dir is ready, print its URL and tokens as shell
    /// assignments, and exit (0 when ready, 1 after `wait_timeout_s`).
    bool wait_ready = false;
    int wait_timeout_s = 60;
    std::optional<std::size_t> console_buffer;  ///< exchanges each console keeps (overrides `console.buffer`)
};

/// `scn-tools registry <action>`
struct RegistryOptions {
    std::string action;  ///< get-node, list-nodes, get-party, list-parties, set-node, set-party, delete-party
    std::vector<std::string> args;
    std::optional<std::string> address;
    std::optional<std::string> operator_address;
    std::vector<std::string> roles;
    bool json = false;
};

/// `scn-tools outbox --cpo|--msp`
struct OutboxOptions {
    enum class Party { cpo, msp };
    Party party = Party::cpo;
    bool dead = false;  ///< list the dead letters instead of the queued messages
    bool json = false;
    std::optional<std::filesystem::path> db;  ///< instead of the configured party's database
    std::optional<std::int64_t> retry;        ///< queue this dead letter again
    std::size_t limit = 1000;                 ///< at most this many listed
};

/// `scn-tools request …`
struct RequestOptions {
    std::string as = "msp";  ///< the configured party the request is sent as
    std::optional<std::string> to;
    std::vector<std::string> words;  ///< e.g. {"get", "locations/Loc1"} or {"start-session"}
    std::optional<std::string> data;
    bool all_pages = false;
    bool raw = false;
    std::optional<std::string> location;
    std::optional<std::string> evse;
    std::optional<std::string> connector;
    std::optional<std::string> token_uid;
    std::optional<std::string> reservation_id;
    std::optional<std::string> expiry;
    bool sign = false;  ///< sign the request with the party's key even when its `signatures` setting is off
};

/// `scn-tools generate locations`
struct GenerateOptions {
    std::string what = "locations";
    std::uint64_t count = 1000;
    std::filesystem::path out = "data/generated";
    std::uint64_t seed = 1;
    /// Large data sets: "both" (LZ4 blocks and plain lines), "compressed" (`locations.lz4` only) or "plain"
    /// (`locations.jsonl` only).
    std::string format = "both";
};

/// `scn-tools check`
struct CheckCommandOptions {
    std::optional<std::string> versions_url;
    std::optional<std::string> node;
    std::string token;
    std::string role;                 ///< cpo or emsp
    std::optional<std::string> from;  ///< COUNTRY/PARTY
    std::optional<std::string> to;
    std::optional<std::filesystem::path> json;
    std::optional<std::filesystem::path> junit;
    int timeout_s = 120;
    int call_timeout_s = 10;
    bool active = false;
    std::string listen = "127.0.0.1:0";  ///< where command results are served (--active)
    std::optional<std::string> callback_url;
    std::string protocol = "scpi-2.2";  ///< or ocpi-2.2.1 (a party checked directly)
};

/// `scn-tools scenario list|run NAME|FILE`
struct ScenarioOptions {
    std::string action;                     ///< list or run
    std::string scenario;                   ///< a built-in scenario's name or a file
    std::filesystem::path dir = "sandbox";  ///< the running sandbox's --dir (its ready.json)
    std::optional<std::uint64_t> seed;      ///< overrides the scenario's seed
};

int run_mock(const GlobalOptions& global, const MockOptions& options);
int run_scenario(const GlobalOptions& global, const ScenarioOptions& options);
int run_check(const GlobalOptions& global, const CheckCommandOptions& options);
int run_node(const GlobalOptions& global, const NodeOptions& options);
int run_sandbox(const GlobalOptions& global, const SandboxOptions& options);
int run_registry(const GlobalOptions& global, const RegistryOptions& options);
int run_outbox(const GlobalOptions& global, const OutboxOptions& options);
int run_request(const GlobalOptions& global, const RequestOptions& options);
int run_generate(const GlobalOptions& global, const GenerateOptions& options);

}  // namespace scn::cli
