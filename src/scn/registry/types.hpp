#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scn::registry {

/// The registry contract's `Role` enum; the numbers are the on-chain values.
enum class Role : std::uint8_t { cpo = 0, emsp = 1, hub = 2, nap = 3, nsp = 4, other = 5, scsp = 6 };

/// SCPI spelling: CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP.
[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::optional<Role> role_from_string(std::string_view text);
[[nodiscard]] std::optional<Role> role_from_index(unsigned index);

/// A node operator's listing: its wallet address and the public URL of its node.
struct NodeListing {
    std::string operator_address;  ///< 0x-prefixed, lower-case
    std::string url;
};

/// A party's listing. `operator_address` and `node_url` are empty when the party is not listed.
struct PartyListing {
    std::string country_code;
    std::string party_id;
    std::string address;  ///< the party's own address (the key that signed its listing)
    std::vector<Role> roles;
    std::string operator_address;
    std::string node_url;
};

/// The registry refused a change; `what()` is the reason in the contract's own words, so a message reads the same
/// whichever backend produced it (e.g. "Provided operator not registered.").
class RegistryRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The registry could not be reached or answered something unusable.
class RegistryUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace scn::registry
