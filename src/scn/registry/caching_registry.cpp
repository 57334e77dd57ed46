#include <scn/registry/caching_registry.hpp>

#include <algorithm>

namespace scn::registry {
namespace asio = boost::asio;

CachingRegistry::CachingRegistry(std::unique_ptr<Registry> inner, std::chrono::milliseconds ttl)
    : inner_(std::move(inner)), ttl_(ttl) {
    inner_->on_progress([this](const std::string& m) { progress(m); });
}

asio::awaitable<std::optional<PartyListing>> CachingRegistry::party(std::string country_code, std::string party_id) {
    const auto now = std::chrono::steady_clock::now();
    auto key = std::pair(country_code, party_id);
    if (const auto it = parties_.find(key); it != parties_.end() && it->second.expires > now) {
        co_return it->second.listing;
    }
    auto listing = co_await inner_->party(std::move(country_code), std::move(party_id));
    // "Not listed" is remembered briefly only: a party that lists itself and then registers must be seen.
    const auto ttl = listing ? ttl_ : std::min(ttl_, std::chrono::milliseconds(1000));
    parties_[std::move(key)] = Entry{std::chrono::steady_clock::now() + ttl, listing};
    co_return listing;
}

asio::awaitable<std::optional<PartyListing>> CachingRegistry::party_by_address(eth::Address address) {
    co_return co_await inner_->party_by_address(address);
}

asio::awaitable<std::vector<PartyListing>> CachingRegistry::parties() {
    co_return co_await inner_->parties();
}

asio::awaitable<std::string> CachingRegistry::node(eth::Address operator_address) {
    co_return co_await inner_->node(operator_address);
}

asio::awaitable<std::vector<NodeListing>> CachingRegistry::nodes() {
    co_return co_await inner_->nodes();
}

asio::awaitable<void> CachingRegistry::set_node(Signers who, std::string url) {
    parties_.clear();
    co_await inner_->set_node(who, std::move(url));
}

asio::awaitable<void> CachingRegistry::set_party(Signers who, std::string country_code, std::string party_id,
                                                 std::vector<Role> roles, eth::Address operator_address) {
    parties_.clear();
    co_await inner_->set_party(who, std::move(country_code), std::move(party_id), std::move(roles), operator_address);
}

asio::awaitable<void> CachingRegistry::delete_party(Signers who) {
    parties_.clear();
    co_await inner_->delete_party(who);
}

}  // namespace scn::registry
