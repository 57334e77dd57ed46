#include <scn/eth/registry_abi.hpp>
#include <scn/registry/caching_registry.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/test/io_thread.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace scn;
using namespace scn::registry;

namespace {

// The reference vectors' keys: the operator (dev account 1) and the CPO party of registry-sign.json.
const auto kOperator = eth::PrivateKey::parse("0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f");
const auto kParty = eth::PrivateKey::parse("0xc67fbc4a17662189f44f90506a229cd9e1e7c94c999a9e36151e18e7214a2840");

std::string refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const RegistryRefused& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST(EmbeddedRegistry, AcceptsTheSignatureTheContractAccepts) {
    EmbeddedRegistry reg(":memory:");
    reg.set_node(kOperator, "https://node.scn.example");
    // The signature of the reference vector (made by the reference library, accepted on chain).
    eth::Signature sig;
    const auto r = eth::from_hex("0x65b3b3df69affe1f85ab50a40848211e990897d33b62dc0657ec1031ccc80a75").value();
    const auto s = eth::from_hex("0x1c13db0a630a045936b4e9c3c374e50e0d5f531743a013f9aeb91cec75afa9a2").value();
    std::copy(r.begin(), r.end(), sig.r.begin());
    std::copy(s.begin(), s.end(), sig.s.begin());
    sig.recovery_id = 28 - 27;
    reg.set_party_raw(kParty.address(), "CH", "CPO", {Role::cpo}, kOperator.address(), sig);
    const auto p = reg.store().party_by_ocpi("CH", "CPO");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->address, "0x741c7da1064a158aa96083d7aa5062efbca61687");
    EXPECT_EQ(p->node_url, "https://node.scn.example");
}

TEST(EmbeddedRegistry, RefusesListingsSignedByAnotherKeyOrForOtherContent) {
    EmbeddedRegistry reg(":memory:");
    reg.set_node(kOperator, "http://localhost:8080");
    const auto digest = eth::registry::set_party_raw_digest(kParty.address(), "CH", "CPO", {0}, kOperator.address());
    const auto by_operator = kOperator.sign(digest);
    EXPECT_EQ(refusal([&] {
                  reg.set_party_raw(kParty.address(), "CH", "CPO", {Role::cpo}, kOperator.address(), by_operator);
              }),
              "Signer and provided party address different.");
    const auto by_party = kParty.sign(digest);
    EXPECT_EQ(
        refusal([&] { reg.set_party_raw(kParty.address(), "CH", "MSP", {Role::cpo}, kOperator.address(), by_party); }),
        "Signer and provided party address different.")
        << "a signature for CH/CPO does not list CH/MSP";
    EXPECT_EQ(refusal([&] { reg.set_party(kParty, "CH", "CPO", {Role::cpo}, kOperator.address()); }), "accepted");
    EXPECT_TRUE(reg.store().party_by_ocpi("CH", "CPO"));
}

TEST(EmbeddedRegistry, DeletionNeedsThePartysSignature) {
    EmbeddedRegistry reg(":memory:");
    reg.set_node(kOperator, "http://localhost:8080");
    reg.set_party(kParty, "CH", "CPO", {Role::cpo}, kOperator.address());
    const auto digest = eth::registry::delete_party_raw_digest(kParty.address());
    EXPECT_EQ(refusal([&] { reg.delete_party_raw(kParty.address(), kOperator.sign(digest)); }),
              "Signer and provided party address different.");
    reg.delete_party_raw(kParty.address(), kParty.sign(digest));
    EXPECT_FALSE(reg.store().party_by_ocpi("CH", "CPO"));
}

namespace {

/// Counts the look-ups that reach the registry behind the cache.
class CountingRegistry final : public scn::registry::Registry {
public:
    explicit CountingRegistry(std::filesystem::path file) : inner_(std::move(file)) {}
    int lookups = 0;
    boost::asio::awaitable<std::optional<PartyListing>> party(std::string cc, std::string pid) override {
        ++lookups;
        co_return co_await inner_.party(std::move(cc), std::move(pid));
    }
    boost::asio::awaitable<std::optional<PartyListing>> party_by_address(scn::eth::Address a) override {
        co_return co_await inner_.party_by_address(a);
    }
    boost::asio::awaitable<std::vector<PartyListing>> parties() override { co_return co_await inner_.parties(); }
    boost::asio::awaitable<std::string> node(scn::eth::Address a) override { co_return co_await inner_.node(a); }
    boost::asio::awaitable<std::vector<NodeListing>> nodes() override { co_return co_await inner_.nodes(); }
    boost::asio::awaitable<void> set_node(Signers who, std::string url) override {
        co_await inner_.set_node(who, std::move(url));
    }
    boost::asio::awaitable<void> set_party(Signers who, std::string cc, std::string pid, std::vector<Role> roles,
                                           scn::eth::Address op) override {
        co_await inner_.set_party(who, std::move(cc), std::move(pid), std::move(roles), op);
    }
    boost::asio::awaitable<void> delete_party(Signers who) override { co_await inner_.delete_party(who); }
    [[nodiscard]] std::string describe() const override { return "counting"; }

private:
    scn::registry::EmbeddedBackend inner_;
};

}  // namespace

TEST(CachingRegistry, RemembersLookupsForItsTtlAndForgetsOnChanges) {
    scn::test::IoThread io;
    const auto file = std::filesystem::temp_directory_path() / ("scn-cache-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    auto counting = std::make_unique<CountingRegistry>(file);
    auto* counter = counting.get();
    scn::registry::CachingRegistry cache(std::move(counting), std::chrono::milliseconds(1500));
    const auto op = scn::eth::PrivateKey::generate();
    const auto party = scn::eth::PrivateKey::generate();
    io.await(cache.set_node({op}, "http://localhost:8080"));
    EXPECT_FALSE(io.await(cache.party("CH", "CPO")));
    EXPECT_FALSE(io.await(cache.party("CH", "CPO")));
    EXPECT_EQ(counter->lookups, 1) << "the second look-up is answered from memory";
    io.await(cache.set_party({party}, "CH", "CPO", {scn::registry::Role::cpo}, op.address()));
    ASSERT_TRUE(io.await(cache.party("CH", "CPO"))) << "a change through the cache is seen at once";
    ASSERT_TRUE(io.await(cache.party("CH", "CPO")));
    EXPECT_EQ(counter->lookups, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    (void)io.await(cache.party("CH", "CPO"));
    EXPECT_EQ(counter->lookups, 3) << "after the ttl the registry is asked again";
    std::filesystem::remove(file);
}
