#pragma once

#include <scn/registry/registry.hpp>

#include <chrono>
#include <map>
#include <memory>

namespace scn::registry {

/// Remembers party look-ups for a while, so a node that routes every request by the registry makes one chain call
/// per party and period rather than one per request. Changes made through it pass through and forget what was
/// remembered; listings changed by others are seen after at most `ttl`.
class CachingRegistry final : public Registry {
public:
    CachingRegistry(std::unique_ptr<Registry> inner, std::chrono::milliseconds ttl);

    boost::asio::awaitable<std::optional<PartyListing>> party(std::string country_code, std::string party_id) override;
    boost::asio::awaitable<std::optional<PartyListing>> party_by_address(eth::Address address) override;
    boost::asio::awaitable<std::vector<PartyListing>> parties() override;
    boost::asio::awaitable<std::string> node(eth::Address operator_address) override;
    boost::asio::awaitable<std::vector<NodeListing>> nodes() override;
    boost::asio::awaitable<void> set_node(Signers who, std::string url) override;
    boost::asio::awaitable<void> set_party(Signers who, std::string country_code, std::string party_id,
                                           std::vector<Role> roles, eth::Address operator_address) override;
    boost::asio::awaitable<void> delete_party(Signers who) override;
    [[nodiscard]] std::string describe() const override { return inner_->describe(); }

private:
    struct Entry {
        std::chrono::steady_clock::time_point expires;
        std::optional<PartyListing> listing;
    };
    std::unique_ptr<Registry> inner_;
    std::chrono::milliseconds ttl_;
    std::map<std::pair<std::string, std::string>, Entry> parties_;
};

}  // namespace scn::registry
