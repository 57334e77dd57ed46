#pragma once

// Ethereum primitives: bytes and hex, Keccak-256 (Crypto++), secp256k1 keys, recoverable signatures and addresses
// (libsecp256k1), EIP-55 checksums and the EIP-191 personal-message hash.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scn::eth {

using Bytes = std::vector<std::uint8_t>;
using Hash = std::array<std::uint8_t, 32>;

class EthError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Lower-case hex, `0x`-prefixed unless `prefix` is false.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes, bool prefix = true);
/// Hex with or without `0x`; nullopt for odd length or a non-hex character.
[[nodiscard]] std::optional<Bytes> from_hex(std::string_view text);

[[nodiscard]] Hash keccak256(std::span<const std::uint8_t> data);
[[nodiscard]] inline Hash keccak256(std::string_view text) {
    return keccak256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

/// A 20-byte account address.
struct Address {
    std::array<std::uint8_t, 20> bytes{};
    friend bool operator==(const Address&, const Address&) = default;

    /// Parses `0x` + 40 hex digits. All-lower or all-upper case is accepted as is; mixed case must be a valid EIP-55
    /// checksum. Throws EthError saying what is wrong.
    static Address parse(std::string_view text);
    /// EIP-55 mixed-case form.
    [[nodiscard]] std::string checksummed() const;
    [[nodiscard]] std::string lower() const { return to_hex(bytes); }
    [[nodiscard]] bool is_zero() const;
};

/// r, s and the recovery id of a secp256k1 signature (low-s, RFC 6979, as Ethereum clients make them).
struct Signature {
    std::array<std::uint8_t, 32> r{};
    std::array<std::uint8_t, 32> s{};
    int recovery_id = 0;
    /// 65 bytes r || s || v with v = 27 + recovery id (personal_sign and the registry's Raw functions).
    [[nodiscard]] Bytes rsv() const;
};

/// A secp256k1 private key. Deliberately not printable: no stream operator, no to_string; `redacted()` for logs.
class PrivateKey {
public:
    /// From 64 hex digits, with or without `0x` (e.g. the SIGNER_KEY variable). Throws EthError (without echoing the
    /// key) if it is malformed or outside the curve order.
    static PrivateKey parse(std::string_view hex);
    /// A fresh random key.
    static PrivateKey generate();

    [[nodiscard]] Address address() const;
    /// 65 bytes: 0x04 || X || Y.
    [[nodiscard]] Bytes public_key() const;
    [[nodiscard]] Signature sign(const Hash& digest) const;
    /// For storing a generated key in the party's own database; never log it.
    [[nodiscard]] std::string to_hex_secret() const { return to_hex(secret_); }
    [[nodiscard]] std::string redacted() const { return "<private key of " + address().checksummed() + ">"; }

private:
    std::array<std::uint8_t, 32> secret_{};
};

/// The address that made `signature` over `digest`; throws EthError for an invalid signature.
[[nodiscard]] Address recover(const Hash& digest, const Signature& signature);

/// keccak256("\x19Ethereum Signed Message:\n" + len(message) + message), EIP-191 version 0x45.
[[nodiscard]] Hash personal_message_hash(std::span<const std::uint8_t> message);

}  // namespace scn::eth
