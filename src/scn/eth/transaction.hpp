#pragma once

// RLP and legacy (EIP-155) transactions.

#include <scn/eth/crypto.hpp>

#include <boost/multiprecision/cpp_int.hpp>

#include <optional>

namespace scn::eth {

using U256 = boost::multiprecision::uint256_t;

namespace rlp {
/// A byte string item.
[[nodiscard]] Bytes bytes(std::span<const std::uint8_t> data);
/// An unsigned integer item: big-endian without leading zeros, zero as the empty string.
[[nodiscard]] Bytes uint(const U256& value);
/// A list of already-encoded items.
[[nodiscard]] Bytes list(const std::vector<Bytes>& encoded_items);
}  // namespace rlp

[[nodiscard]] Bytes to_bytes(const U256& value);  ///< minimal big-endian

struct LegacyTransaction {
    U256 nonce = 0;
    U256 gas_price = 0;
    U256 gas = 0;
    std::optional<Address> to;  ///< absent: contract creation
    U256 value = 0;
    Bytes data;
    std::optional<std::uint64_t> chain_id;  ///< EIP-155 replay protection; absent only for pre-EIP-155 chains

    /// RLP of the nine (EIP-155) or six fields that are signed.
    [[nodiscard]] Bytes signing_payload() const;
    [[nodiscard]] Hash signing_hash() const { return keccak256(signing_payload()); }
};

struct SignedTransaction {
    Bytes raw;  ///< for eth_sendRawTransaction
    Hash hash;  ///< what the chain reports as the transaction hash
    std::uint64_t v = 0;
    Signature signature;
};

[[nodiscard]] SignedTransaction sign(const LegacyTransaction& tx, const PrivateKey& key);

}  // namespace scn::eth
