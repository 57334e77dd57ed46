#pragma once

#include <scn/cli/options.hpp>
#include <scn/config/config.hpp>
#include <scn/core/log.hpp>

namespace scn::cli {

/// Reads the configuration: --config FILE, else config/config.json, else the built-in local defaults (said once on
/// the log). A broken file is an error, not a fallback.
config::Config load_config(const GlobalOptions& global, const core::Logger& log);

/// A relative data directory that does not exist from here is looked up next to the scn-tools checkout the binary
/// was built in (build/<preset>/scn-tools), so the shipped data is found from any working directory.
std::filesystem::path resolve_data_dir(const std::filesystem::path& dir);

}  // namespace scn::cli
