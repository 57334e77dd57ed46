#include <scn/eth/transaction.hpp>

#include <gtest/gtest.h>

#include "vectors.hpp"

using namespace scn::eth;
using namespace scn::eth::test;

TEST(Rlp, EncodesTheEdgeCases) {
    EXPECT_EQ(to_hex(rlp::bytes({})), "0x80");
    EXPECT_EQ(to_hex(rlp::uint(0)), "0x80");
    EXPECT_EQ(to_hex(rlp::uint(0x7f)), "0x7f") << "a single byte below 0x80 is itself";
    EXPECT_EQ(to_hex(rlp::uint(0x80)), "0x8180");
    EXPECT_EQ(to_hex(rlp::uint(1024)), "0x820400");
    EXPECT_EQ(to_hex(rlp::bytes(Bytes{'d', 'o', 'g'})), "0x83646f67");
    const Bytes b55(55, 0xAA);
    EXPECT_EQ(rlp::bytes(b55).size(), 56u);
    EXPECT_EQ(rlp::bytes(b55)[0], 0x80 + 55);
    const Bytes b56(56, 0xAA);
    const auto encoded56 = rlp::bytes(b56);
    EXPECT_EQ(to_hex(Bytes(encoded56.begin(), encoded56.begin() + 2)), "0xb838");
    EXPECT_EQ(encoded56.size(), 58u);
    EXPECT_EQ(to_hex(rlp::list({})), "0xc0");
    // [ [], [[]], [ [], [[]] ] ]
    const auto empty = rlp::list({});
    const auto one = rlp::list({empty});
    EXPECT_EQ(to_hex(rlp::list({empty, one, rlp::list({empty, one})})), "0xc7c0c1c0c3c0c1c0");
    EXPECT_EQ(to_hex(rlp::list({rlp::bytes(Bytes{'c', 'a', 't'}), rlp::bytes(Bytes{'d', 'o', 'g'})})),
              "0xc88363617483646f67");
}

TEST(Transactions, ReproduceEveryVector) {
    const auto v = vectors("tx.json");
    for (const auto& item : v.at("vectors").as_array()) {
        const auto& t = item.at("tx").as_object();
        LegacyTransaction tx;
        tx.nonce = static_cast<std::uint64_t>(t.at("nonce").as_int64());
        tx.gas_price = U256(str(t.at("gasPrice")));
        tx.gas = U256(str(t.at("gas")));
        tx.to = Address::parse(str(t.at("to")));
        tx.value = U256(str(t.at("value")));
        tx.data = hex(t.at("data"));
        if (!t.at("chainId").is_null()) {
            tx.chain_id = static_cast<std::uint64_t>(t.at("chainId").as_int64());
        }
        const auto name = str(item.at("name"));
        EXPECT_EQ(to_hex(tx.signing_payload()), str(item.at("signingPayloadRlp"))) << name;
        EXPECT_EQ(to_hex(tx.signing_hash()), str(item.at("signingHash"))) << name;
        const auto key = PrivateKey::parse(str(item.at("privateKey")));
        EXPECT_EQ(key.address().checksummed(), str(item.at("from"))) << name;
        const auto signed_tx = sign(tx, key);
        EXPECT_EQ(to_hex(signed_tx.signature.r), str(item.at("r"))) << name;
        EXPECT_EQ(to_hex(signed_tx.signature.s), str(item.at("s"))) << name;
        EXPECT_EQ(signed_tx.v, static_cast<std::uint64_t>(item.at("v").as_int64())) << name;
        EXPECT_EQ(to_hex(signed_tx.raw), str(item.at("raw"))) << name;
        EXPECT_EQ(to_hex(signed_tx.hash), str(item.at("hash"))) << name;
    }
}
