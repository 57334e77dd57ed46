#pragma once

#include <scn/config/config.hpp>
#include <scn/http/client.hpp>
#include <scn/registry/registry.hpp>

#include <memory>
#include <string_view>

namespace scn::registry {

/// A deployment of the SCN Registry contract.
struct Stage {
    std::string_view name;
    std::string_view rpc;
    std::string_view address;
    std::uint64_t chain_id;
};

/// The known deployments: local (the dev chain of the contract package), volta (test net), prod (main net).
[[nodiscard]] const Stage* find_stage(std::string_view name);

/// The registry the configuration's `registry` section names. For the ethereum backend, `rpc`, `address` and
/// `chain_id` override the stage's values; the stage defaults to `default_stage` (the `scn.stage` setting), and
/// party look-ups are remembered for 30 s (CachingRegistry).
/// Throws config::ConfigError when the section does not say enough.
[[nodiscard]] std::unique_ptr<Registry> make_registry(const config::RegistryConfig& config, http::Client& http,
                                                      std::string_view default_stage = "local");

}  // namespace scn::registry
