#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scn::core {

/// Standard Base64 (RFC 4648 §4) with padding.
[[nodiscard]] std::string base64_encode(std::string_view data);

/// Strict decoding: nullopt for any character outside the alphabet, a wrong length or wrong padding.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace scn::core
