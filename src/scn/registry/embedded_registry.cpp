#include <scn/eth/registry_abi.hpp>
#include <scn/registry/embedded_registry.hpp>

namespace scn::registry {
namespace {

std::vector<std::uint8_t> role_numbers(const std::vector<Role>& roles) {
    std::vector<std::uint8_t> out;
    for (const auto r : roles) {
        out.push_back(static_cast<std::uint8_t>(r));
    }
    return out;
}

}  // namespace

void EmbeddedRegistry::set_node(const eth::PrivateKey& operator_key, std::string_view url) {
    store_.set_node(operator_key.address().lower(), url);
}

void EmbeddedRegistry::delete_node(const eth::PrivateKey& operator_key) {
    store_.delete_node(operator_key.address().lower());
}

void EmbeddedRegistry::set_party_raw(const eth::Address& party, std::string_view country_code,
                                     std::string_view party_id, const std::vector<Role>& roles,
                                     const eth::Address& operator_address, const eth::Signature& signature) {
    if (country_code.size() != 2 || party_id.size() != 3) {
        throw RegistryRefused("country code and party id must be 2 and 3 characters");
    }
    const auto digest =
        eth::registry::set_party_raw_digest(party, country_code, party_id, role_numbers(roles), operator_address);
    eth::Address signer;
    try {
        signer = eth::recover(digest, signature);
    } catch (const eth::EthError&) {
        throw RegistryRefused("Signer and provided party address different.");
    }
    if (signer != party) {
        throw RegistryRefused("Signer and provided party address different.");
    }
    store_.set_party(party.lower(), country_code, party_id, roles,
                     operator_address.is_zero() ? std::string() : operator_address.lower());
}

void EmbeddedRegistry::set_party(const eth::PrivateKey& party_key, std::string_view country_code,
                                 std::string_view party_id, const std::vector<Role>& roles,
                                 const eth::Address& operator_address) {
    const auto party = party_key.address();
    if (country_code.size() != 2 || party_id.size() != 3) {
        throw RegistryRefused("country code and party id must be 2 and 3 characters");
    }
    const auto digest =
        eth::registry::set_party_raw_digest(party, country_code, party_id, role_numbers(roles), operator_address);
    set_party_raw(party, country_code, party_id, roles, operator_address, party_key.sign(digest));
}

void EmbeddedRegistry::delete_party_raw(const eth::Address& party, const eth::Signature& signature) {
    eth::Address signer;
    try {
        signer = eth::recover(eth::registry::delete_party_raw_digest(party), signature);
    } catch (const eth::EthError&) {
        throw RegistryRefused("Signer and provided party address different.");
    }
    if (signer != party) {
        throw RegistryRefused("Signer and provided party address different.");
    }
    store_.delete_party(party.lower());
}

namespace asio = boost::asio;

asio::awaitable<std::optional<PartyListing>> EmbeddedBackend::party(std::string country_code, std::string party_id) {
    co_return registry_.store().party_by_ocpi(country_code, party_id);
}

asio::awaitable<std::optional<PartyListing>> EmbeddedBackend::party_by_address(eth::Address address) {
    co_return registry_.store().party_by_address(address.lower());
}

asio::awaitable<std::vector<PartyListing>> EmbeddedBackend::parties() {
    co_return registry_.store().list_parties();
}

asio::awaitable<std::string> EmbeddedBackend::node(eth::Address operator_address) {
    co_return registry_.store().get_node(operator_address.lower());
}

asio::awaitable<std::vector<NodeListing>> EmbeddedBackend::nodes() {
    co_return registry_.store().list_nodes();
}

asio::awaitable<void> EmbeddedBackend::set_node(Signers who, std::string url) {
    if (registry_.store().get_node(who.signer.address().lower()) != url) {
        registry_.set_node(who.signer, url);
    }
    co_return;
}

asio::awaitable<void> EmbeddedBackend::set_party(Signers who, std::string country_code, std::string party_id,
                                                 std::vector<Role> roles, eth::Address operator_address) {
    registry_.set_party(who.signer, country_code, party_id, roles, operator_address);
    co_return;
}

asio::awaitable<void> EmbeddedBackend::delete_party(Signers who) {
    const auto party = who.signer.address();
    registry_.delete_party_raw(party, who.signer.sign(eth::registry::delete_party_raw_digest(party)));
    co_return;
}

}  // namespace scn::registry
