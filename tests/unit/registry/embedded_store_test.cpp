#include <scn/registry/embedded_store.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace scn::registry;

namespace {

constexpr const char* kOperator = "0x627306090abaB3A6e1400e9345bC60c78a8BEf57";
constexpr const char* kOperator2 = "0xf17f52151EbEF6C7334FAD080c5704D77216b732";
constexpr const char* kCpo = "0xC5fdf4076b8F3A5357c5E395ab970B5B54098Fef";
constexpr const char* kMsp = "0x821aEa9a577a9b44299B9c15c88cf3087F3b5544";
const std::vector<Role> kCpoRoles{Role::cpo};

std::string refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const RegistryRefused& e) {
        return e.what();
    }
    return "accepted";
}

std::filesystem::path fresh_file(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-registry-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto file = dir / name;
    std::filesystem::remove(file);
    return file;
}

}  // namespace

TEST(EmbeddedStore, ListsANodeAndAPartyUnderIt) {
    EmbeddedStore reg(":memory:");
    reg.set_node(kOperator, "http://localhost:8080");
    EXPECT_EQ(reg.get_node(kOperator), "http://localhost:8080");
    reg.set_party(kCpo, "CH", "CPO", kCpoRoles, kOperator);
    const auto p = reg.party_by_ocpi("CH", "CPO");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->address, "0xc5fdf4076b8f3a5357c5e395ab970b5b54098fef");
    EXPECT_EQ(p->operator_address, "0x627306090abab3a6e1400e9345bc60c78a8bef57");
    EXPECT_EQ(p->node_url, "http://localhost:8080");
    EXPECT_EQ(p->roles, kCpoRoles);
    EXPECT_EQ(reg.party_by_address(kCpo)->party_id, "CPO");
    EXPECT_FALSE(reg.party_by_ocpi("ch", "cpo")) << "look-ups are exact, like the contract's bytes2/bytes3 keys";
    ASSERT_EQ(reg.list_nodes().size(), 1u);
    ASSERT_EQ(reg.list_parties().size(), 1u);
}

TEST(EmbeddedStore, NodeRulesFollowTheContract) {
    EmbeddedStore reg(":memory:");
    EXPECT_EQ(refusal([&] { reg.set_node(kOperator, ""); }),
              "Cannot set empty domain name. Use deleteNode method instead.");
    reg.set_node(kOperator, "http://a:8080");
    EXPECT_EQ(refusal([&] { reg.set_node(kOperator2, "http://a:8080"); }), "Domain name already registered.");
    EXPECT_EQ(refusal([&] { reg.set_node(kOperator, "http://a:8080"); }), "Domain name already registered.")
        << "even the same operator re-sending its own domain";
    reg.set_node(kOperator, "http://b:8080");
    EXPECT_EQ(reg.get_node(kOperator), "http://b:8080");
    EXPECT_EQ(refusal([&] { reg.set_node(kOperator2, "http://a:8080"); }), "Domain name already registered.")
        << "a domain once used stays reserved until deleteNode";
    reg.delete_node(kOperator);
    EXPECT_EQ(reg.get_node(kOperator), "");
    EXPECT_EQ(refusal([&] { reg.set_node(kOperator2, "http://b:8080"); }), "accepted");
    EXPECT_NE(refusal([&] { reg.set_node("0x1234", "http://c"); }).find("not an address"), std::string::npos);
}

TEST(EmbeddedStore, PartyRulesAreCheckedInTheContractsOrder) {
    EmbeddedStore reg(":memory:");
    const std::vector<Role> none;
    EXPECT_EQ(refusal([&] { reg.set_party(kCpo, "", "", none, ""); }),
              "Cannot set empty country_code. Use deleteParty method instead.");
    EXPECT_EQ(refusal([&] { reg.set_party(kCpo, "CH", "", none, ""); }),
              "Cannot set empty party_id. Use deleteParty method instead.");
    EXPECT_EQ(refusal([&] { reg.set_party(kCpo, "CH", "CPO", none, ""); }), "No roles provided.");
    EXPECT_EQ(refusal([&] { reg.set_party(kCpo, "CH", "CPO", kCpoRoles, ""); }),
              "Cannot set empty operator. Use deleteParty method instead.");
    EXPECT_EQ(refusal([&] { reg.set_party(kCpo, "CH", "CPO", kCpoRoles, kOperator); }),
              "Provided operator not registered.");
    reg.set_node(kOperator, "http://localhost:8080");
    reg.set_party(kCpo, "CH", "CPO", kCpoRoles, kOperator);
    EXPECT_EQ(refusal([&] { reg.set_party(kMsp, "CH", "CPO", kCpoRoles, kOperator); }),
              "Party with country_code/party_id already registered under different address.");
}

TEST(EmbeddedStore, ReListingReplacesAndDeletionFreesTheIdentity) {
    EmbeddedStore reg(":memory:");
    reg.set_node(kOperator, "http://n1");
    reg.set_node(kOperator2, "http://n2");
    reg.set_party(kCpo, "CH", "CPO", kCpoRoles, kOperator);
    const std::vector<Role> two{Role::emsp, Role::cpo};
    reg.set_party(kCpo, "CH", "CPO", two, kOperator2);
    EXPECT_EQ(reg.party_by_ocpi("CH", "CPO")->roles, two) << "roles keep the caller's order";
    EXPECT_EQ(reg.party_by_ocpi("CH", "CPO")->node_url, "http://n2");
    EXPECT_EQ(refusal([&] { reg.delete_party(kMsp); }),
              "Cannot delete party that does not exist. No operator found for given party.");
    reg.delete_party(kCpo);
    EXPECT_FALSE(reg.party_by_ocpi("CH", "CPO"));
    EXPECT_TRUE(reg.list_parties().empty());
    reg.set_party(kMsp, "CH", "CPO", kCpoRoles, kOperator);
    EXPECT_EQ(reg.party_by_ocpi("CH", "CPO")->address, "0x821aea9a577a9b44299b9c15c88cf3087f3b5544");
}

TEST(EmbeddedStore, SeveralProcessesShareOneFile) {
    const auto file = fresh_file("registry.db");
    EmbeddedStore node_side(file);
    node_side.set_node(kOperator, "http://localhost:8080");
    std::thread cpo([&] {
        EmbeddedStore mine(file);
        mine.set_party(kCpo, "CH", "CPO", kCpoRoles, kOperator);
    });
    std::thread msp([&] {
        EmbeddedStore mine(file);
        mine.set_party(kMsp, "CH", "MSP", std::vector<Role>{Role::emsp}, kOperator);
    });
    cpo.join();
    msp.join();
    EXPECT_EQ(node_side.list_parties().size(), 2u);
    EXPECT_EQ(node_side.party_by_ocpi("CH", "MSP")->roles, std::vector<Role>{Role::emsp});
}

TEST(RoleNames, RoundTripAndMatchTheContractEnum) {
    for (unsigned i = 0; i < 7; ++i) {
        const auto r = role_from_index(i);
        ASSERT_TRUE(r);
        EXPECT_EQ(role_from_string(to_string(*r)), r);
    }
    EXPECT_EQ(role_from_string("EMSP"), Role::emsp);
    EXPECT_EQ(static_cast<int>(Role::scsp), 6);
    EXPECT_FALSE(role_from_string("MSP"));
    EXPECT_FALSE(role_from_index(7));
}
