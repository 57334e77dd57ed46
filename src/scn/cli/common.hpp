#pragma once

#include <scn/cli/options.hpp>
#include <scn/config/config.hpp>
#include <scn/core/log.hpp>

namespace scn::cli {

/// Reads the configuration: --config FILE, else config/config.json, else the built-in local defaults (said once on
/// the log). A broken file is an error, not a fallback.
config::Config load_config(const GlobalOptions& global, const core::Logger& log);

}  // namespace scn::cli
