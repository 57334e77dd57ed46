#pragma once

// The SCN Registry contract on the wire: call data of the functions scn-tools uses, decoding of their return data,
// the signed ("Raw") listing messages, and revert reasons.

#include <scn/eth/crypto.hpp>

#include <string>
#include <vector>

namespace scn::eth::registry {

/// First four bytes of keccak256 of the canonical signature, e.g. "setNode(string)".
[[nodiscard]] std::array<std::uint8_t, 4> selector(std::string_view signature);

[[nodiscard]] Bytes encode_set_node(std::string_view domain);
[[nodiscard]] Bytes encode_set_party(std::string_view country_code, std::string_view party_id,
                                     const std::vector<std::uint8_t>& roles, const Address& operator_address);
[[nodiscard]] Bytes encode_set_party_raw(const Address& party, std::string_view country_code, std::string_view party_id,
                                         const std::vector<std::uint8_t>& roles, const Address& operator_address,
                                         const Signature& signature);
[[nodiscard]] Bytes encode_delete_party_raw(const Address& party, const Signature& signature);
[[nodiscard]] Bytes encode_delete_party();
[[nodiscard]] Bytes encode_set_node_raw(const Address& operator_address, std::string_view domain,
                                        const Signature& signature);
[[nodiscard]] Bytes encode_delete_node();
[[nodiscard]] Bytes encode_get_party_details_by_address(const Address& party);
[[nodiscard]] Bytes encode_get_party_details_by_ocpi(std::string_view country_code, std::string_view party_id);
[[nodiscard]] Bytes encode_get_operator_by_ocpi(std::string_view country_code, std::string_view party_id);
[[nodiscard]] Bytes encode_get_node(const Address& operator_address);
[[nodiscard]] Bytes encode_get_parties();
[[nodiscard]] Bytes encode_get_node_operators();

struct PartyDetails {
    Address party;
    std::vector<std::uint8_t> roles;
    std::vector<std::uint8_t> modules_sender;
    std::vector<std::uint8_t> modules_receiver;
    Address operator_address;
    std::string operator_domain;
    /// A party counts as listed when its operator is not the zero address.
    [[nodiscard]] bool listed() const { return !operator_address.is_zero(); }
};

/// getPartyDetailsByAddress: the same listing seen from the party's address (zero operator: not listed).
struct PartyByAddress {
    std::string country_code;  ///< empty when not listed
    std::string party_id;
    std::vector<std::uint8_t> roles;
    std::vector<std::uint8_t> modules_sender;
    std::vector<std::uint8_t> modules_receiver;
    Address operator_address;
    std::string operator_domain;
    [[nodiscard]] bool listed() const { return !operator_address.is_zero(); }
};

struct OperatorInfo {
    Address operator_address;
    std::string domain;
};

/// Decoders for the getters' return data; throw EthError for truncated or inconsistent data.
[[nodiscard]] PartyDetails decode_party_details(std::span<const std::uint8_t> data);
[[nodiscard]] PartyByAddress decode_party_by_address(std::span<const std::uint8_t> data);
[[nodiscard]] OperatorInfo decode_operator(std::span<const std::uint8_t> data);
[[nodiscard]] std::string decode_string(std::span<const std::uint8_t> data);
[[nodiscard]] std::vector<Address> decode_address_array(std::span<const std::uint8_t> data);

/// The digest the party signs for setPartyRaw: personal-message hash of keccak256(party ‖ cc ‖ pid ‖ roles as
/// 32-byte words ‖ operator).
[[nodiscard]] Hash set_party_raw_digest(const Address& party, std::string_view country_code, std::string_view party_id,
                                        const std::vector<std::uint8_t>& roles, const Address& operator_address);
/// The digest the operator signs for setNodeRaw: personal-message hash of keccak256(operator ‖ domain).
[[nodiscard]] Hash set_node_raw_digest(const Address& operator_address, std::string_view domain);
/// The digest the party signs for deletePartyRaw: personal-message hash of keccak256(party).
[[nodiscard]] Hash delete_party_raw_digest(const Address& party);

/// The reason text of `Error(string)` revert data, if that is what it is. Padding after the text is ignored.
[[nodiscard]] std::optional<std::string> decode_revert_reason(std::span<const std::uint8_t> data);

}  // namespace scn::eth::registry
