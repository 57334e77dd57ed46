#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scn::core {

/// Cryptographically strong random bytes (OpenSSL's generator).
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t count);

/// A random RFC 4122 version 4 UUID in lower-case canonical form from the cryptographic generator: for credential
/// tokens and anything else that must not be guessable.
[[nodiscard]] std::string random_uuid();

/// A version 4 UUID for message ids that only need to be unique (X-Request-ID of forwarded requests): drawn from a
/// per-thread generator seeded once from the cryptographic one, so it costs no system call. Never use it for secrets.
[[nodiscard]] std::string request_uuid();

}  // namespace scn::core
