#include <scn/cli/common.hpp>

#include <filesystem>

namespace scn::cli {

config::Config load_config(const GlobalOptions& global, const core::Logger& log) {
    if (!global.config_given && !std::filesystem::exists(global.config)) {
        log.info("No " + global.config.string() +
                 " found; using the built-in local defaults (copy config/config.local.json to config/config.json "
                 "to change them)");
        return config::defaults();
    }
    return config::load(global.config);
}

}  // namespace scn::cli
