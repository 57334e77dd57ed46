#include <scn/core/text.hpp>
#include <scn/eth/registry_abi.hpp>
#include <scn/registry/ethereum_registry.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace scn::registry {
namespace asio = boost::asio;
namespace abi = eth::registry;

namespace {

std::vector<Role> roles_of(const std::vector<std::uint8_t>& numbers) {
    std::vector<Role> out;
    for (const auto n : numbers) {
        if (const auto r = role_from_index(n)) {
            out.push_back(*r);
        }
    }
    return out;
}

std::vector<std::uint8_t> numbers_of(const std::vector<Role>& roles) {
    std::vector<std::uint8_t> out;
    for (const auto r : roles) {
        out.push_back(static_cast<std::uint8_t>(r));
    }
    return out;
}

void check_identity(const std::string& cc, const std::string& pid) {
    if (cc.size() != 2 || pid.size() != 3) {
        throw RegistryRefused("country code and party id must be 2 and 3 characters (got \"" + cc + "\" and \"" + pid +
                              "\")");
    }
}

}  // namespace

EthereumRegistry::EthereumRegistry(http::Client& http, ChainSettings settings) : chain_(http, std::move(settings)) {}

std::string EthereumRegistry::describe() const {
    const auto& s = chain_.settings();
    return "SCN Registry " + s.contract.checksummed() + " on " + s.rpc +
           (s.chain_id ? " (chain id " + std::to_string(*s.chain_id) + ")" : std::string());
}

asio::awaitable<std::optional<PartyListing>> EthereumRegistry::party(std::string country_code, std::string party_id) {
    country_code = core::ascii_upper(std::move(country_code));
    party_id = core::ascii_upper(std::move(party_id));
    if (country_code.size() != 2 || party_id.size() != 3) {
        co_return std::nullopt;
    }
    const auto d =
        abi::decode_party_details(co_await chain_.call(abi::encode_get_party_details_by_ocpi(country_code, party_id)));
    if (!d.listed()) {
        co_return std::nullopt;
    }
    co_return PartyListing{country_code,     party_id, d.party.lower(), roles_of(d.roles), d.operator_address.lower(),
                           d.operator_domain};
}

asio::awaitable<std::optional<PartyListing>> EthereumRegistry::party_by_address(eth::Address address) {
    const auto d =
        abi::decode_party_by_address(co_await chain_.call(abi::encode_get_party_details_by_address(address)));
    if (!d.listed()) {
        co_return std::nullopt;
    }
    co_return PartyListing{d.country_code,   d.party_id, address.lower(), roles_of(d.roles), d.operator_address.lower(),
                           d.operator_domain};
}

asio::awaitable<std::vector<PartyListing>> EthereumRegistry::parties() {
    // getParties lists every address ever registered, deleted ones included, possibly more than once.
    const auto addresses = abi::decode_address_array(co_await chain_.call(abi::encode_get_parties()));
    std::vector<PartyListing> out;
    std::set<std::string> seen;
    for (const auto& a : addresses) {
        if (!seen.insert(a.lower()).second) {
            continue;
        }
        if (auto p = co_await party_by_address(a)) {
            out.push_back(std::move(*p));
        }
    }
    co_return out;
}

asio::awaitable<std::string> EthereumRegistry::node(eth::Address operator_address) {
    co_return abi::decode_string(co_await chain_.call(abi::encode_get_node(operator_address)));
}

asio::awaitable<std::vector<NodeListing>> EthereumRegistry::nodes() {
    const auto operators = abi::decode_address_array(co_await chain_.call(abi::encode_get_node_operators()));
    std::vector<NodeListing> out;
    std::set<std::string> seen;
    for (const auto& op : operators) {
        if (!seen.insert(op.lower()).second) {
            continue;
        }
        auto url = co_await node(op);
        if (!url.empty()) {
            out.push_back({op.lower(), std::move(url)});
        }
    }
    co_return out;
}

asio::awaitable<void> EthereumRegistry::send(const eth::PrivateKey& payer, eth::Bytes data, const std::string& what) {
    progress(what + ": paid by " + payer.address().checksummed());
    const auto receipt =
        co_await chain_.transact(payer, std::move(data), [this](const std::string& m) { progress(m); });
    progress(what + ": mined in block " + std::to_string(receipt.block) + " (gas used " +
             std::to_string(receipt.gas_used) + ")");
}

asio::awaitable<void> EthereumRegistry::set_node(Signers who, std::string url) {
    const auto op = who.signer.address();
    if (co_await node(op) == url) {
        co_return;  // the contract refuses to set the same domain again; there is nothing to change
    }
    const std::string what = "listing node " + url + " for operator " + op.checksummed();
    if (who.spender != nullptr) {
        const auto sig = who.signer.sign(abi::set_node_raw_digest(op, url));
        co_await send(*who.spender, abi::encode_set_node_raw(op, url, sig), what);
    } else {
        co_await send(who.signer, abi::encode_set_node(url), what);
    }
}

asio::awaitable<void> EthereumRegistry::set_party(Signers who, std::string country_code, std::string party_id,
                                                  std::vector<Role> roles, eth::Address operator_address) {
    country_code = core::ascii_upper(std::move(country_code));
    party_id = core::ascii_upper(std::move(party_id));
    check_identity(country_code, party_id);
    const auto party = who.signer.address();
    const auto numbers = numbers_of(roles);
    const std::string what = "listing " + country_code + "/" + party_id + " (party " + party.checksummed() + ")";
    if (who.spender != nullptr) {
        const auto sig =
            who.signer.sign(abi::set_party_raw_digest(party, country_code, party_id, numbers, operator_address));
        co_await send(*who.spender,
                      abi::encode_set_party_raw(party, country_code, party_id, numbers, operator_address, sig), what);
    } else {
        co_await send(who.signer, abi::encode_set_party(country_code, party_id, numbers, operator_address), what);
    }
}

asio::awaitable<void> EthereumRegistry::delete_party(Signers who) {
    const auto party = who.signer.address();
    const std::string what = "deleting the listing of party " + party.checksummed();
    if (who.spender != nullptr) {
        const auto sig = who.signer.sign(abi::delete_party_raw_digest(party));
        co_await send(*who.spender, abi::encode_delete_party_raw(party, sig), what);
    } else {
        co_await send(who.signer, abi::encode_delete_party(), what);
    }
}

}  // namespace scn::registry
