#pragma once

#include <scn/registry/chain.hpp>
#include <scn/registry/registry.hpp>

namespace scn::registry {

/// The SCN Registry contract on a chain. Country codes and party ids are upper-cased before they are encoded (the
/// contract compares bytes). Changes with a spender use the signed ("Raw") functions so that the spender pays and
/// the signer needs no funds; without one the signer sends and pays itself.
class EthereumRegistry final : public Registry {
public:
    EthereumRegistry(http::Client& http, ChainSettings settings);

    boost::asio::awaitable<std::optional<PartyListing>> party(std::string country_code, std::string party_id) override;
    boost::asio::awaitable<std::optional<PartyListing>> party_by_address(eth::Address address) override;
    boost::asio::awaitable<std::vector<PartyListing>> parties() override;
    boost::asio::awaitable<std::string> node(eth::Address operator_address) override;
    boost::asio::awaitable<std::vector<NodeListing>> nodes() override;

    boost::asio::awaitable<void> set_node(Signers who, std::string url) override;
    boost::asio::awaitable<void> set_party(Signers who, std::string country_code, std::string party_id,
                                           std::vector<Role> roles, eth::Address operator_address) override;
    boost::asio::awaitable<void> delete_party(Signers who) override;

    [[nodiscard]] std::string describe() const override;

    Chain& chain() { return chain_; }

private:
    boost::asio::awaitable<void> send(const eth::PrivateKey& payer, eth::Bytes data, const std::string& what);

    Chain chain_;
};

}  // namespace scn::registry
