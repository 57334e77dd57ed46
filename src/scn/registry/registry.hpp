#pragma once

#include <scn/eth/crypto.hpp>
#include <scn/registry/types.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace scn::registry {

/// Progress of a change while it is on its way (e.g. "transaction 0x… sent, waiting for it to be mined").
using Progress = std::function<void(const std::string&)>;

/// Who authorises a change and who pays for it. The signer is the listed address (party or node operator); the
/// spender, when given, submits and pays for the signed ("Raw") form of the call, so the signer needs no funds.
struct Signers {
    const eth::PrivateKey& signer;
    const eth::PrivateKey* spender = nullptr;
};

/// The SCN Registry, whichever backend keeps it. Reads never fail for unknown keys (nullopt or empty); changes
/// throw RegistryRefused with the contract's reason, or RegistryUnavailable when the backend cannot be reached.
class Registry {
public:
    virtual ~Registry() = default;

    /// A party by country code and party id; nullopt when it is not listed.
    virtual boost::asio::awaitable<std::optional<PartyListing>> party(std::string country_code,
                                                                      std::string party_id) = 0;
    virtual boost::asio::awaitable<std::optional<PartyListing>> party_by_address(eth::Address address) = 0;
    virtual boost::asio::awaitable<std::vector<PartyListing>> parties() = 0;
    /// The URL a node operator listed; empty when it has none.
    virtual boost::asio::awaitable<std::string> node(eth::Address operator_address) = 0;
    virtual boost::asio::awaitable<std::vector<NodeListing>> nodes() = 0;

    virtual boost::asio::awaitable<void> set_node(Signers who, std::string url) = 0;
    virtual boost::asio::awaitable<void> set_party(Signers who, std::string country_code, std::string party_id,
                                                   std::vector<Role> roles, eth::Address operator_address) = 0;
    virtual boost::asio::awaitable<void> delete_party(Signers who) = 0;

    /// One line for logs: which registry this is ("embedded registry registry.db", "SCN Registry 0x… on chain 9").
    [[nodiscard]] virtual std::string describe() const = 0;

    void on_progress(Progress progress) { progress_ = std::move(progress); }

protected:
    void progress(const std::string& message) const {
        if (progress_) {
            progress_(message);
        }
    }

private:
    Progress progress_;
};

}  // namespace scn::registry
