#include <scn/registry/types.hpp>

#include <array>

namespace scn::registry {
namespace {

constexpr std::array<std::string_view, 7> kRoleNames{"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"};

}  // namespace

std::string_view to_string(Role role) {
    return kRoleNames.at(static_cast<std::size_t>(role));
}

std::optional<Role> role_from_string(std::string_view text) {
    for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
        if (kRoleNames[i] == text) {
            return static_cast<Role>(i);
        }
    }
    return std::nullopt;
}

std::optional<Role> role_from_index(unsigned index) {
    if (index >= kRoleNames.size()) {
        return std::nullopt;
    }
    return static_cast<Role>(index);
}

}  // namespace scn::registry
