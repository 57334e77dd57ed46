#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace scn::party {

/// Realistic, deterministic locations for tests, benchmarks and `scn-tools generate`: Swiss cities and streets,
/// 1-4 EVSEs with AC or DC connectors, tariff ids 1-3. The same seed gives the same locations.
class LocationGenerator {
public:
    explicit LocationGenerator(std::uint64_t seed, std::string country_code = "CH", std::string party_id = "CPO");

    /// Location `Loc<i>` as compact JSON, with every `last_updated` set to `updated` (an SCPI DateTime).
    [[nodiscard]] std::string location(std::uint64_t i, const std::string& updated);

private:
    std::mt19937_64 rng_;
    std::string cc_;
    std::string pid_;
};

}  // namespace scn::party
