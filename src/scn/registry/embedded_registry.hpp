#pragma once

#include <scn/eth/crypto.hpp>
#include <scn/registry/embedded_store.hpp>
#include <scn/registry/registry.hpp>

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

/// The embedded registry behind the Registry interface. Nothing is paid for, so a spender is not needed (and is
/// ignored); SQLite answers in microseconds, so the calls complete without suspending.
class EmbeddedBackend final : public Registry {
public:
    explicit EmbeddedBackend(const std::filesystem::path& file) : registry_(file), file_(file) {}

    boost::asio::awaitable<std::optional<PartyListing>> party(std::string country_code, std::string party_id) override;
    boost::asio::awaitable<std::optional<PartyListing>> party_by_address(eth::Address address) override;
    boost::asio::awaitable<std::vector<PartyListing>> parties() override;
    boost::asio::awaitable<std::string> node(eth::Address operator_address) override;
    boost::asio::awaitable<std::vector<NodeListing>> nodes() override;
    boost::asio::awaitable<void> set_node(Signers who, std::string url) override;
    boost::asio::awaitable<void> set_party(Signers who, std::string country_code, std::string party_id,
                                           std::vector<Role> roles, eth::Address operator_address) override;
    boost::asio::awaitable<void> delete_party(Signers who) override;
    [[nodiscard]] std::string describe() const override { return "embedded registry " + file_.string(); }

    EmbeddedRegistry& registry() { return registry_; }

private:
    EmbeddedRegistry registry_;
    std::filesystem::path file_;
};

}  // namespace scn::registry
