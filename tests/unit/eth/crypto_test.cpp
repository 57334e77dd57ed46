#include <scn/eth/crypto.hpp>

#include <gtest/gtest.h>

#include "vectors.hpp"

using namespace scn::eth;
using namespace scn::eth::test;

TEST(Keccak, MatchesEveryVectorAndIsNotSha3) {
    const auto v = vectors("keys.json");
    for (const auto& item : v.at("keccak256").as_array()) {
        EXPECT_EQ(to_hex(keccak256(hex(item.at("inputHex")))), str(item.at("hash"))) << str(item.at("input"));
    }
    const auto& nist = v.at("sha3_256_nist_of_empty_for_contrast");
    const auto sha3 = nist.is_string() ? str(nist) : str(nist.at("hash"));
    EXPECT_EQ(sha3.size(), 66u);
    EXPECT_NE(to_hex(keccak256(std::string_view())), sha3);
}

TEST(Keys, DeriveThePublicKeyAndTheChecksummedAddress) {
    const auto v = vectors("keys.json");
    for (const auto& item : v.at("keys").as_array()) {
        const auto key = PrivateKey::parse(str(item.at("privateKey")));
        EXPECT_EQ(to_hex(key.public_key()), str(item.at("publicKeyUncompressed")));
        EXPECT_EQ(key.address().checksummed(), str(item.at("address")));
        EXPECT_EQ(key.address().lower(), str(item.at("addressLower")));
    }
    for (const auto& item : v.at("devAccounts").as_array()) {
        EXPECT_EQ(PrivateKey::parse(str(item.at("privateKey"))).address().checksummed(), str(item.at("address")));
    }
}

TEST(Keys, RejectInvalidPrivateKeysWithoutEchoingThem) {
    for (const char* bad : {"", "0x", "0x00", "0x0000000000000000000000000000000000000000000000000000000000000000",
                            "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
                            "0xzz87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3",
                            "c87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d"}) {
        try {
            (void)PrivateKey::parse(bad);
            FAIL() << "accepted " << bad;
        } catch (const EthError& e) {
            if (std::string(bad).size() > 10) {
                EXPECT_EQ(std::string(e.what()).find(std::string(bad).substr(4)), std::string::npos) << e.what();
            }
        }
    }
    EXPECT_NO_THROW((void)PrivateKey::parse("c87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3\n"));
    const auto key = PrivateKey::parse("0xc87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3");
    EXPECT_EQ(key.redacted().find("c87509a1"), std::string::npos);
}

TEST(Address, ParsingChecksEip55OnMixedCase) {
    EXPECT_EQ(Address::parse("0x627306090abaB3A6e1400e9345bC60c78a8BEf57").lower(),
              "0x627306090abab3a6e1400e9345bc60c78a8bef57");
    EXPECT_NO_THROW((void)Address::parse("0x627306090abab3a6e1400e9345bc60c78a8bef57"));
    EXPECT_NO_THROW((void)Address::parse("0x627306090ABAB3A6E1400E9345BC60C78A8BEF57"));
    EXPECT_THROW((void)Address::parse("0x627306090abaB3A6e1400e9345bC60c78a8BEf58"), EthError) << "wrong digit";
    EXPECT_THROW((void)Address::parse("0x627306090AbaB3A6e1400e9345bC60c78a8BEf57"), EthError) << "wrong case";
    EXPECT_THROW((void)Address::parse("0x1234"), EthError);
    EXPECT_THROW((void)Address::parse("627306090abab3a6e1400e9345bc60c78a8bef5700"), EthError);
    EXPECT_TRUE(Address{}.is_zero());
}

TEST(Signatures, RecoverTheSignerForManyDigests) {
    const auto key = PrivateKey::generate();
    for (int i = 0; i < 50; ++i) {
        const Hash digest = keccak256(std::to_string(i));
        const auto sig = key.sign(digest);
        EXPECT_EQ(recover(digest, sig), key.address());
        auto tampered = sig;
        tampered.s[31] ^= 1;
        try {
            EXPECT_NE(recover(digest, tampered), key.address());
        } catch (const EthError&) {
            SUCCEED();
        }
    }
}

TEST(Signatures, PersonalSignMatchesWeb3) {
    // web3.eth.accounts.sign('Some data', '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
    const std::string message = "Some data";
    const Hash digest = personal_message_hash(std::span(reinterpret_cast<const std::uint8_t*>(message.data()), 9));
    EXPECT_EQ(to_hex(digest), "0x1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655");
    const auto key = PrivateKey::parse("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    EXPECT_EQ(key.address().checksummed(), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    EXPECT_EQ(
        to_hex(key.sign(digest).rsv()),
        "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef0"
        "45e5d18a5f5d4300f8e1a0291c");
}
