#pragma once

#include <scn/registry/types.hpp>
#include <scn/store/database.hpp>

#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace scn::registry {

/// The SCN Registry's state and rules kept in a SQLite file instead of a contract, so that a whole network runs on
/// one machine without a chain. Several processes (node, CPO, MSP) may open the same file: every change is one
/// immediate transaction.
///
/// This class applies the contract's rules to callers whose identity is already established (the address that
/// signed). Signature checking is the job of the layer above (EmbeddedRegistry). Refusals throw RegistryRefused
/// with the contract's revert reason, checked in the contract's order.
class EmbeddedStore {
public:
    explicit EmbeddedStore(const std::filesystem::path& file);

    /// setNode: lists (or moves) `operator_address`'s node to `domain`. A domain, once used, stays reserved.
    void set_node(std::string_view operator_address, std::string_view domain);
    /// deleteNode: removes the operator's node and frees its domain.
    void delete_node(std::string_view operator_address);
    /// getNode: the operator's node URL, empty if none.
    [[nodiscard]] std::string get_node(std::string_view operator_address);
    /// Operators that currently have a node.
    [[nodiscard]] std::vector<NodeListing> list_nodes();

    /// setParty: lists the party at `party_address` with its roles under a node operator.
    void set_party(std::string_view party_address, std::string_view country_code, std::string_view party_id,
                   std::span<const Role> roles, std::string_view operator_address);
    /// deleteParty.
    void delete_party(std::string_view party_address);
    /// getPartyDetailsByOcpi; nullopt when not listed. Country code and party id compare exactly (as bytes).
    [[nodiscard]] std::optional<PartyListing> party_by_ocpi(std::string_view country_code, std::string_view party_id);
    [[nodiscard]] std::optional<PartyListing> party_by_address(std::string_view party_address);
    /// Every listed party.
    [[nodiscard]] std::vector<PartyListing> list_parties();

private:
    store::Database db_;
    std::mutex mutex_;
};

/// Lower-cases and checks an address (`0x` + 40 hex digits); throws RegistryRefused naming `what` otherwise.
[[nodiscard]] std::string normalize_address(std::string_view address, std::string_view what);

}  // namespace scn::registry
