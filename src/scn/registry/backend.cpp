#include <scn/registry/backend.hpp>
#include <scn/registry/caching_registry.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/registry/ethereum_registry.hpp>

#include <array>

namespace scn::registry {

namespace {

constexpr std::array kStages{
    Stage{"local", "http://localhost:8544", "0x345cA3e014Aaf5dcA488057592ee47305D9B3e10", 9},
    Stage{"volta", "https://volta-rpc.energyweb.org", "0xd57595D5FA1F94725C426739C449b15D92758D55", 73799},
    Stage{"prod", "https://rpc.energyweb.org", "0x184aeD70F2aaB0Cd1FC62261C1170560cBfd0776", 246},
};

}  // namespace

const Stage* find_stage(std::string_view name) {
    for (const auto& s : kStages) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

std::unique_ptr<Registry> make_registry(const config::RegistryConfig& config, http::Client& http,
                                        std::string_view default_stage) {
    if (config.backend == config::RegistryConfig::Backend::embedded) {
        return std::make_unique<EmbeddedBackend>(config.path);
    }
    const bool explicit_contract = !config.rpc.empty() && !config.address.empty();
    const std::string_view stage_name = !config.stage.empty() ? std::string_view(config.stage)
                                        : explicit_contract   ? std::string_view()
                                                              : default_stage;
    const Stage* stage = stage_name.empty() ? nullptr : find_stage(stage_name);
    if (!stage_name.empty() && stage == nullptr) {
        throw config::ConfigError("registry.stage: unknown stage \"" + std::string(stage_name) +
                                  "\" (expected local, volta or prod)");
    }
    ChainSettings s;
    s.rpc = !config.rpc.empty() ? config.rpc : std::string(stage->rpc);
    try {
        s.contract = eth::Address::parse(!config.address.empty() ? config.address : std::string(stage->address));
    } catch (const eth::EthError& e) {
        throw config::ConfigError(std::string("registry.address: ") + e.what());
    }
    if (config.chain_id) {
        s.chain_id = config.chain_id;
    } else if (stage != nullptr) {
        s.chain_id = stage->chain_id;
    }
    // Nodes route every request by the registry: on a chain, look-ups are remembered for 30 s.
    return std::make_unique<CachingRegistry>(std::make_unique<EthereumRegistry>(http, std::move(s)),
                                             std::chrono::seconds(30));
}

}  // namespace scn::registry
