#pragma once

#include <scn/eth/crypto.hpp>
#include <scn/registry/embedded_store.hpp>

namespace scn::registry {

/// The SCN Registry without a chain: the contract's rules (EmbeddedStore) plus its authentication. A node listing
/// is made with the operator's key; a party listing must carry the party's signature over exactly the message the
/// contract's setPartyRaw checks, so a listing made here could be replayed on the real contract and vice versa.
class EmbeddedRegistry {
public:
    explicit EmbeddedRegistry(const std::filesystem::path& file) : store_(file) {}

    /// setNode by the operator whose key this is.
    void set_node(const eth::PrivateKey& operator_key, std::string_view url);
    void delete_node(const eth::PrivateKey& operator_key);
    /// setPartyRaw: `party` signed `set_party_raw_digest(...)`; anyone may submit it.
    void set_party_raw(const eth::Address& party, std::string_view country_code, std::string_view party_id,
                       const std::vector<Role>& roles, const eth::Address& operator_address,
                       const eth::Signature& signature);
    /// Signs with `party_key` and lists (what `scn-tools registry set-party` does).
    void set_party(const eth::PrivateKey& party_key, std::string_view country_code, std::string_view party_id,
                   const std::vector<Role>& roles, const eth::Address& operator_address);
    void delete_party_raw(const eth::Address& party, const eth::Signature& signature);

    EmbeddedStore& store() { return store_; }

private:
    EmbeddedStore store_;
};

}  // namespace scn::registry
