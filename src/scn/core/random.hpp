#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scn::core {

/// Cryptographically strong random bytes (OpenSSL's generator).
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t count);

/// A random RFC 4122 version 4 UUID in lower-case canonical form; used for ids, request ids and credential tokens.
[[nodiscard]] std::string random_uuid();

}  // namespace scn::core
