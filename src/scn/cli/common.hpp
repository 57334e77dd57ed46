#pragma once

#include <scn/cli/options.hpp>
#include <scn/config/config.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace scn::cli {

/// Reads the configuration: --config FILE, else config/config.json, else the built-in local defaults (said once on
/// the log). A broken file is an error, not a fallback.
config::Config load_config(const GlobalOptions& global, const core::Logger& log);

/// A relative data directory that does not exist from here is looked up next to the scn-tools checkout the binary
/// was built in (build/<preset>/scn-tools), so the shipped data is found from any working directory.
std::filesystem::path resolve_data_dir(const std::filesystem::path& dir);

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
