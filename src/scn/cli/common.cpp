#include <scn/cli/common.hpp>
#include <scn/http/server.hpp>

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

std::vector<std::filesystem::path> data_dir_candidates(const std::filesystem::path& dir,
                                                       const std::filesystem::path& executable) {
    std::vector<std::filesystem::path> out{dir};
    if (dir.is_absolute()) {
        return out;  // a path the user wrote out in full means that path
    }
    // `data/cpo` is `cpo` below an installation's or a checkout's data directory.
    auto below_data = dir.lexically_normal();
    if (below_data.begin() != below_data.end() && *below_data.begin() == "data") {
        below_data = below_data.lexically_relative("data");
    }
    if (!executable.empty()) {
        // <prefix>/bin/scn-tools → <prefix>/share/scn-tools/data
        out.push_back(executable.parent_path().parent_path() / "share" / "scn-tools" / "data" / below_data);
    }
    out.push_back(std::filesystem::path(SCN_CHECKOUT_DIR) / "data" / below_data);
    return out;
}

std::filesystem::path resolve_data_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    auto executable = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        executable.clear();
    }
    const auto candidates = data_dir_candidates(dir, executable);
    std::string tried;
    for (const auto& candidate : candidates) {
        if (std::filesystem::is_directory(candidate, ec)) {
            return candidate;
        }
        tried += (tried.empty() ? "" : ", ") + std::filesystem::absolute(candidate, ec).lexically_normal().string();
    }
    throw std::runtime_error("data directory " + dir.string() + " not found; looked in " + tried +
                             " (set \"data\" in the configuration or use --data)");
}

void start_or_explain(std::string_view part, std::string_view hint, const std::function<void()>& start) {
    try {
        start();
    } catch (const http::ListenError& e) {
        std::string message = std::string(part) + " " + e.what();
        if (e.error() == std::errc::address_in_use) {
            message += " (" + std::string(hint) + ")";
        }
        throw std::runtime_error(message);
    }
}

std::unique_ptr<party::ControlServer> make_control(boost::asio::io_context& ioc, party::PartyServer& party,
                                                   core::VirtualClock& clock, const config::PartyConfig& config,
                                                   core::Logger log) {
    if (config.control_port == 0) {
        return nullptr;
    }
    party.enable_interception();
    return std::make_unique<party::ControlServer>(
        ioc, party, clock, party::ControlOptions{config.control_bind, config.control_port, config.console_buffer},
        std::move(log));
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
