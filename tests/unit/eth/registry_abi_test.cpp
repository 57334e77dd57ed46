#include <scn/eth/registry_abi.hpp>

#include <gtest/gtest.h>

#include "vectors.hpp"

using namespace scn::eth;
using namespace scn::eth::test;
namespace reg = scn::eth::registry;

TEST(RegistryAbi, SelectorsMatch) {
    const auto v = vectors("abi.json");
    for (const auto& s : v.at("selectors").as_object()) {
        const auto sel = reg::selector(s.key());
        EXPECT_EQ(to_hex(sel), str(s.value())) << s.key();
    }
}

TEST(RegistryAbi, CallDataMatchesTheVectors) {
    const auto v = vectors("abi.json");
    EXPECT_EQ(to_hex(reg::encode_get_party_details_by_ocpi("CH", "CPO")),
              str(v.at("getPartyDetailsByOcpi_CH_CPO").at("calldata")));
    EXPECT_EQ(to_hex(reg::encode_get_operator_by_ocpi("CH", "CPO")),
              str(v.at("getOperatorByOcpi_CH_CPO").at("calldata")));
    EXPECT_EQ(to_hex(reg::encode_get_parties()), str(v.at("getParties").at("calldata")));
    EXPECT_EQ(to_hex(reg::encode_get_node_operators()), str(v.at("getNodeOperators").at("calldata")));
    EXPECT_EQ(to_hex(reg::encode_get_node(Address::parse("0xf17f52151EbEF6C7334FAD080c5704D77216b732"))),
              str(v.at("getNode_registered").at("calldata")));
    EXPECT_EQ(to_hex(reg::encode_set_node(str(v.at("setNode_calldata").at("domain")))),
              str(v.at("setNode_calldata").at("calldata")));
    EXPECT_THROW((void)reg::encode_get_operator_by_ocpi("CHE", "CPO"), EthError);
}

TEST(RegistryAbi, ReturnDataDecodes) {
    const auto v = vectors("abi.json");
    const auto details = reg::decode_party_details(hex(v.at("getPartyDetailsByOcpi_CH_CPO").at("returnData")));
    const auto& d = v.at("getPartyDetailsByOcpi_CH_CPO").at("decoded");
    EXPECT_EQ(details.party.checksummed(), str(d.at("partyAddress")));
    EXPECT_EQ(details.roles, std::vector<std::uint8_t>{0});
    EXPECT_TRUE(details.modules_sender.empty());
    EXPECT_EQ(details.operator_address.checksummed(), str(d.at("operatorAddress")));
    EXPECT_EQ(details.operator_domain, str(d.at("operatorDomain")));
    EXPECT_TRUE(details.listed());
    const auto unknown = reg::decode_party_details(hex(v.at("getPartyDetailsByOcpi_unknown_XX_XXX").at("returnData")));
    EXPECT_FALSE(unknown.listed());
    EXPECT_TRUE(unknown.roles.empty());
    const auto op = reg::decode_operator(hex(v.at("getOperatorByOcpi_CH_CPO").at("returnData")));
    EXPECT_EQ(op.domain, "https://node.scn.example");
    EXPECT_EQ(reg::decode_string(hex(v.at("getNode_registered").at("returnData"))),
              str(v.at("getNode_registered").at("decoded")));
    EXPECT_EQ(reg::decode_string(hex(v.at("getNode_unregistered").at("returnData"))), "");
    const auto parties = reg::decode_address_array(hex(v.at("getParties").at("returnData")));
    ASSERT_EQ(parties.size(), v.at("getParties").at("decoded").as_array().size());
    for (std::size_t i = 0; i < parties.size(); ++i) {
        EXPECT_EQ(parties[i].checksummed(), str(v.at("getParties").at("decoded").as_array()[i]));
    }
    const auto operators = reg::decode_address_array(hex(v.at("getNodeOperators").at("returnData")));
    EXPECT_EQ(operators.size(), v.at("getNodeOperators").at("decoded").as_array().size());
    EXPECT_THROW((void)reg::decode_party_details(Bytes(40, 0)), EthError) << "truncated data is refused";
}

TEST(RegistrySigning, SetPartyRawMatchesEveryVector) {
    const auto v = vectors("registry-sign.json");
    for (const auto& item : v.at("setPartyRaw").as_array()) {
        const auto& in = item.at("input");
        const auto key = PrivateKey::parse(str(in.at("partyPrivateKey")));
        const auto party = key.address();
        EXPECT_EQ(party.checksummed(), str(item.at("party")));
        std::vector<std::uint8_t> roles;
        for (const auto& r : in.at("roles").as_array()) {
            roles.push_back(static_cast<std::uint8_t>(r.as_int64()));
        }
        const auto op = Address::parse(str(in.at("operator")));
        const auto digest =
            reg::set_party_raw_digest(party, str(in.at("countryCode")), str(in.at("partyId")), roles, op);
        EXPECT_EQ(to_hex(digest), str(item.at("prefixed"))) << str(item.at("note"));
        const auto sig = key.sign(digest);
        EXPECT_EQ(to_hex(sig.r), str(item.at("r")));
        EXPECT_EQ(to_hex(sig.s), str(item.at("s")));
        EXPECT_EQ(27 + sig.recovery_id, item.at("v").as_int64());
        EXPECT_EQ(to_hex(sig.rsv()), str(item.at("signature65")));
        EXPECT_EQ(recover(digest, sig), party) << "the embedded registry checks listings this way";
        EXPECT_EQ(
            to_hex(reg::encode_set_party_raw(party, str(in.at("countryCode")), str(in.at("partyId")), roles, op, sig)),
            str(item.at("calldata")));
    }
    const auto& del = v.at("deletePartyRaw");
    const auto key = PrivateKey::parse(str(del.at("input").at("partyPrivateKey")));
    const auto digest = reg::delete_party_raw_digest(key.address());
    EXPECT_EQ(to_hex(digest), str(del.at("prefixed")));
    EXPECT_EQ(to_hex(reg::encode_delete_party_raw(key.address(), key.sign(digest))), str(del.at("calldata")));
}

TEST(RegistrySigning, SetNodeRawMatchesTheReferenceSigner) {
    const auto v = vectors("set-node-raw.json");
    const auto key = PrivateKey::parse(str(v.at("key")));
    EXPECT_EQ(key.address().checksummed(), str(v.at("operator")));
    const auto digest = reg::set_node_raw_digest(key.address(), str(v.at("domain")));
    const auto sig = key.sign(digest);
    EXPECT_EQ(to_hex(sig.r), str(v.at("r")));
    EXPECT_EQ(to_hex(sig.s), str(v.at("s")));
    EXPECT_EQ(27 + sig.recovery_id, v.at("v").as_int64());
    const auto data = reg::encode_set_node_raw(key.address(), str(v.at("domain")), sig);
    EXPECT_EQ(to_hex(std::span(data).first(4)), "0x99bd6901");
    EXPECT_EQ(data.size(), 4u + 7 * 32) << "head of five words, then the domain's length and one padded word";
}

TEST(RegistryAbi, PartyDetailsByAddressDecode) {
    // Return data laid out as the contract's getPartyDetailsByAddress returns it: cc, pid, three dynamic arrays
    // (modules sender, modules receiver, roles), operator, domain.
    Bytes data;
    const auto word = [&data](std::uint64_t n) {
        Bytes w(32, 0);
        for (int i = 31; i >= 24; --i, n >>= 8) {
            w[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n & 0xFF);
        }
        data.insert(data.end(), w.begin(), w.end());
    };
    Bytes cc(32, 0);
    cc[0] = 'C';
    cc[1] = 'H';
    data.insert(data.end(), cc.begin(), cc.end());
    Bytes pid(32, 0);
    pid[0] = 'M';
    pid[1] = 'S';
    pid[2] = 'P';
    data.insert(data.end(), pid.begin(), pid.end());
    word(7 * 32);  // modules sender
    word(8 * 32);  // modules receiver
    word(9 * 32);  // roles
    Bytes op(32, 0);
    op[31] = 0x42;
    data.insert(data.end(), op.begin(), op.end());
    word(11 * 32);  // domain
    word(0);        // modules sender: []
    word(0);        // modules receiver: []
    word(1);        // roles: [EMSP]
    word(1);
    word(21);  // "http://localhost:8080"
    const std::string domain = "http://localhost:8080";
    Bytes text(domain.begin(), domain.end());
    text.resize(32, 0);
    data.insert(data.end(), text.begin(), text.end());

    const auto p = reg::decode_party_by_address(data);
    EXPECT_EQ(p.country_code, "CH");
    EXPECT_EQ(p.party_id, "MSP");
    EXPECT_EQ(p.roles, std::vector<std::uint8_t>{1});
    EXPECT_EQ(p.operator_domain, domain);
    EXPECT_TRUE(p.listed());
    EXPECT_EQ(to_hex(reg::encode_get_party_details_by_address(p.operator_address)).substr(0, 10), "0xdf516128");
}

TEST(RegistryAbi, RevertReasonsDecodeDespiteDirtyPadding) {
    const auto v = vectors("abi.json");
    const auto& mismatch = v.at("reverts").at("ethCallSignerMismatch");
    EXPECT_EQ(reg::decode_revert_reason(hex(mismatch.at("error").at("data"))), str(mismatch.at("decodedReason")));
    EXPECT_FALSE(reg::decode_revert_reason(Bytes{0x01, 0x02}));
    EXPECT_FALSE(reg::decode_revert_reason(hex(v.at("getNode_registered").at("returnData"))));
}

TEST(RegistryAbi, EventTopicsAndTheRemainingCallData) {
    const auto v = vectors("abi.json");
    for (const auto& e : v.at("events").as_object()) {
        EXPECT_EQ(to_hex(keccak256(std::string(e.key()))), str(e.value())) << e.key();
    }
    // setPartyRaw for CH/CPO, signed by the CH/CPO key of registry-sign.json, under the vectors' operator.
    const auto sign = vectors("registry-sign.json");
    const auto key = PrivateKey::parse("0xc67fbc4a17662189f44f90506a229cd9e1e7c94c999a9e36151e18e7214a2840");
    const auto op = Address::parse(str(sign.at("operator").at("address")));
    const auto digest = reg::set_party_raw_digest(key.address(), "CH", "CPO", {0}, op);
    EXPECT_EQ(to_hex(reg::encode_set_party_raw(key.address(), "CH", "CPO", {0}, op, key.sign(digest))),
              str(v.at("setPartyRaw_CH_CPO_calldata")));
    EXPECT_EQ(to_hex(reg::encode_set_node(str(sign.at("operator").at("domain")))),
              str(sign.at("operator").at("setNodeCalldata")));
}

TEST(RegistrySigning, WhatTheReferenceCliSentVerifies) {
    const auto v = vectors("registry-sign.json");
    const auto& cli = v.at("cliProduced");
    const auto key = PrivateKey::parse(str(cli.at("partyPrivateKey")));
    EXPECT_EQ(key.address().checksummed(), str(cli.at("party")));
    std::vector<std::uint8_t> roles;
    for (const auto& r : cli.at("roles").as_array()) {
        roles.push_back(static_cast<std::uint8_t>(r.as_int64()));
    }
    const auto op = Address::parse(str(cli.at("operator")));
    const auto digest = reg::set_party_raw_digest(key.address(), "DE", "CLI", roles, op);
    const auto sig = key.sign(digest);
    EXPECT_EQ(to_hex(sig.r), str(cli.at("r")));
    EXPECT_EQ(to_hex(sig.s), str(cli.at("s")));
    EXPECT_EQ(27 + sig.recovery_id, cli.at("v").as_int64());
    EXPECT_EQ(to_hex(reg::encode_set_party_raw(key.address(), "DE", "CLI", roles, op, sig)), str(cli.at("calldata")));
}

TEST(RegistryAbi, LengthsThatRunPastTheDataAreErrorsNotAllocations) {
    // Found by fuzz_registry_abi: a string length near 2^64 wrapped the bounds check and asked for a huge string.
    const auto bytes = *from_hex(
        "000000000000000000000000000000000000000000000000fffffffffffffff60000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000200003b");
    EXPECT_THROW((void)reg::decode_operator(bytes), EthError);
    // An array announcing more elements than the data holds.
    std::vector<std::uint8_t> array(96, 0);
    array[31] = 32;                                        // the array starts at 32
    std::fill(array.begin() + 32, array.begin() + 64, 0);  // its length word…
    array[56] = 0x7f;                                      // …is 0x7f << 56 elements
    EXPECT_THROW((void)reg::decode_address_array(array), EthError);
}
