#pragma once

// ASCII text helpers: identifiers on the wire (country codes, party ids, enum names) are ASCII.

#include <string>
#include <string_view>

namespace scn::core {

/// `s` with a-z turned into A-Z; other bytes unchanged.
[[nodiscard]] inline std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

/// `s` with A-Z turned into a-z; other bytes unchanged.
[[nodiscard]] inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace scn::core
