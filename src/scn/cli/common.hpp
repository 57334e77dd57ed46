#pragma once

#include <scn/cli/options.hpp>
#include <scn/config/config.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/party/control_server.hpp>
#include <scn/party/party_server.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace scn::cli {

/// Reads the configuration: --config FILE, else config/config.json, else the built-in local defaults (said once on
/// the log). A broken file is an error, not a fallback.
config::Config load_config(const GlobalOptions& global, const core::Logger& log);

/// Where a party's data directory is, for a configured path such as `data/cpo`: the path itself (absolute, or from
/// the current directory), then the seed data of an installation (`<prefix>/share/scn-tools/data/cpo`, the prefix
/// found from the executable's own location, so a moved installation works), then the checkout the binary was built
/// from. Throws std::runtime_error naming every place it looked.
std::filesystem::path resolve_data_dir(const std::filesystem::path& dir);

/// The places resolve_data_dir looks at, in order (for its error message and for tests).
std::vector<std::filesystem::path> data_dir_candidates(const std::filesystem::path& dir,
                                                       const std::filesystem::path& executable);

/// Runs `start` (a server's start); a port it cannot listen on becomes one line naming the part, the address, the
/// reason and what to change: `the node cannot listen on 127.0.0.1:8080: address already in use (…)`.
void start_or_explain(std::string_view part, std::string_view hint, const std::function<void()>& start);

/// The control API of `party` when its configuration names a control_port, with the party's interception enabled
/// (call before the party starts); null when the port is 0.
std::unique_ptr<party::ControlServer> make_control(boost::asio::io_context& ioc, party::PartyServer& party,
                                                   core::VirtualClock& clock, const config::PartyConfig& config,
                                                   core::Logger log);

/// A private key from the environment (SIGNER_KEY, SPENDER_KEY, NODE_KEY); nullopt when unset or empty. A malformed
/// key is an error that names the variable and never echoes the value.
std::optional<eth::PrivateKey> key_from_env(const char* name);

/// Runs `work` on a fresh io_context until it completes (for one-shot commands) and returns its result.
template <typename T>
T run_to_completion(std::function<boost::asio::awaitable<T>(boost::asio::io_context&)> work) {
    boost::asio::io_context ioc(1);
    std::optional<T> result;
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, work(ioc), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) {
            result = std::move(value);
        }
    });
    ioc.run();
    if (error) {
        std::rethrow_exception(error);
    }
    return std::move(*result);
}

}  // namespace scn::cli
