#include <scn/eth/registry_abi.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <gtest/gtest.h>

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
