#include <scn/cli/common.hpp>

#include <cstdlib>
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

std::filesystem::path resolve_data_dir(const std::filesystem::path& dir) {
    if (dir.is_absolute() || std::filesystem::exists(dir)) {
        return dir;
    }
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (auto base = exe.parent_path(); !base.empty() && base != base.root_path(); base = base.parent_path()) {
            if (std::filesystem::exists(base / dir)) {
                return base / dir;
            }
        }
    }
    return dir;
}

std::optional<eth::PrivateKey> key_from_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    try {
        return eth::PrivateKey::parse(value);
    } catch (const eth::EthError& e) {
        throw std::runtime_error(std::string(name) + ": " + e.what());
    }
}

}  // namespace scn::cli
