// The notary format against tests/data/eth/notary.json (made with the reference notary package).
#include <scn/eth/notary.hpp>

#include <gtest/gtest.h>

#include "vectors.hpp"

using namespace scn::eth;
using namespace scn::eth::test;
namespace json = boost::json;

namespace {

std::vector<std::string> strings(const json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) {
        out.emplace_back(s.as_string());
    }
    return out;
}

PrivateKey key(const json::value& v, const char* who) {
    return PrivateKey::parse(str(v.at("keys").at(who).at("privateKey")));
}

}  // namespace

TEST(Notary, WalkAndSignatureMatchTheReference) {
    const auto v = vectors("notary.json");
    const auto& sample = v.at("sample");
    const auto w = notary::walk(sample.at("request"));
    EXPECT_EQ(w.fields, strings(sample.at("fields")));
    EXPECT_EQ(w.message, str(sample.at("message")));
    const auto s = notary::sign(sample.at("request"), key(v, "party"));
    EXPECT_EQ(s.hash, str(sample.at("hash")));
    EXPECT_EQ(s.rsv, str(sample.at("rsv")));
    EXPECT_EQ(s.signatory, str(sample.at("signatory")));
}

TEST(Notary, ReadsTheReferenceHeaderAndVerifiesIt) {
    const auto v = vectors("notary.json");
    const auto& sample = v.at("sample");
    const auto s = notary::deserialize(str(sample.at("serialized")));
    EXPECT_EQ(s.fields, strings(sample.at("fields")));
    EXPECT_EQ(s.hash, str(sample.at("hash")));
    const auto result = notary::verify(s, sample.at("request"));
    EXPECT_TRUE(result.valid()) << result.error;
    EXPECT_EQ(result.signer->checksummed(), str(sample.at("recoveredSigner")));
    // Our own header round-trips (its bytes may differ from another Brotli build; only the JSON matters).
    const auto again = notary::deserialize(notary::serialize(s));
    EXPECT_EQ(again.fields, s.fields);
    EXPECT_EQ(again.rsv, s.rsv);
    EXPECT_THROW((void)notary::deserialize("bm90IGJyb3RsaQ=="), notary::NotaryError);
}

TEST(Notary, TamperingIsDetected) {
    const auto v = vectors("notary.json");
    const auto& sample = v.at("sample");
    const auto s = notary::deserialize(str(sample.at("serialized")));
    auto changed = sample.at("request");
    changed.at("body").at("evses").at(0).at("status") = "OUTOFORDER";
    EXPECT_EQ(notary::verify(s, changed).error, "Request has been modified");
    changed = sample.at("request");
    changed.at("params").at("offset") = 10;
    EXPECT_EQ(notary::verify(s, changed).error, "Request has been modified");
    changed = sample.at("request");
    changed.at("headers").at("ocpi-to-party-id") = "XYZ";
    EXPECT_EQ(notary::verify(s, changed).error, "Request has been modified");
    auto forged = s;
    forged.signatory = str(v.at("keys").at("msp").at("address"));
    EXPECT_EQ(notary::verify(forged, sample.at("request")).error, "Signatories do not match");
    forged = s;
    forged.rsv = notary::sign(sample.at("request"), key(v, "msp")).rsv;
    EXPECT_EQ(notary::verify(forged, sample.at("request")).error, "Signatories do not match");
    // Only listed fields are checked (a documented weakness of the format).
    changed = sample.at("request");
    changed.at("body").as_object()["extra"] = "added";
    changed.at("body").at("energy_mix") = json::object{{"is_green_energy", true}};
    EXPECT_TRUE(notary::verify(s, changed).valid());
}

TEST(Notary, NumbersAndKeysAreWalkedTheJavaScriptWay) {
    const auto v = vectors("notary.json");
    const auto& f = v.at("valueFormatting");
    const auto w = notary::walk(f.at("request"));
    EXPECT_EQ(w.fields, strings(f.at("fields")));
    EXPECT_EQ(w.message, str(f.at("message")));
    EXPECT_EQ(notary::sign(f.at("request"), key(v, "party")).hash, str(f.at("hash")));
    EXPECT_EQ(notary::js_number(2.0), "2");
    EXPECT_EQ(notary::js_number(1e21), "1e+21");
    EXPECT_EQ(notary::js_number(1e-7), "1e-7");
    EXPECT_EQ(notary::js_number(0.000001), "0.000001");
    EXPECT_EQ(notary::js_number(-0.783), "-0.783");
    EXPECT_EQ(notary::js_number(123456789012345680000.0), "123456789012345680000");
    EXPECT_EQ(notary::js_number(1.5e300), "1.5e+300");
    // Upper-case keys can be signed but never verified: the verifier lower-cases every path.
    const auto& upper = v.at("upperCaseKeyPitfall");
    const auto signed_upper = notary::sign(upper.at("request"), key(v, "party"));
    EXPECT_EQ(notary::walk(upper.at("request")).message, str(upper.at("message")));
    EXPECT_EQ(notary::verify(signed_upper, upper.at("request")).error,
              str(upper.at("verifyOnSameRequest").at("error")));
}

TEST(Notary, RewritesByANodeVerifyAndStayBound) {
    const auto v = vectors("notary.json");
    const auto& rw = v.at("rewrite");
    const auto original = notary::sign(rw.at("originalRequest"), key(v, "msp"));
    EXPECT_EQ(original.hash, str(rw.at("original").at("hash")));
    EXPECT_EQ(original.rsv, str(rw.at("original").at("rsv")));
    const auto rewritten =
        notary::rewrite(original, rw.at("stashed").as_object(), rw.at("modifiedRequest"), key(v, "node"));
    EXPECT_EQ(rewritten.hash, str(rw.at("rewritten").at("hash")));
    EXPECT_EQ(rewritten.rsv, str(rw.at("rewritten").at("rsv")));
    ASSERT_EQ(rewritten.rewrites.size(), 1u);
    EXPECT_EQ(rewritten.rewrites[0].signatory, str(rw.at("original").at("signatory")));
    EXPECT_TRUE(notary::verify(rewritten, rw.at("modifiedRequest")).valid());
    // The reference's own rewritten header verifies too.
    const auto reference = notary::deserialize(str(rw.at("rewritten").at("serialized")));
    EXPECT_TRUE(notary::verify(reference, rw.at("modifiedRequest")).valid());
    auto tampered = rw.at("modifiedRequest");
    tampered.at("body").at("evse_uid") = "OTHER";
    EXPECT_EQ(notary::verify(rewritten, tampered).error, "Request has been modified");
    auto forged = rewritten;
    forged.rewrites[0].rewritten_fields["$['body']['response_url']"] = "https://attacker.example/";
    EXPECT_EQ(notary::verify(forged, rw.at("modifiedRequest")).error,
              str(rw.at("verifyWithForgedStashValue").at("error")));
    // Two rewrites: verifying twice gives the same answer (unlike the reference, which mutates its object).
    const auto two = notary::deserialize(str(v.at("twoRewrites").at("serialized")));
    EXPECT_TRUE(notary::verify(two, v.at("twoRewrites").at("modifiedRequest")).valid());
    EXPECT_TRUE(notary::verify(two, v.at("twoRewrites").at("modifiedRequest")).valid());
}

TEST(Notary, UpstreamCompatibilityVector) {
    const auto v = vectors("notary.json");
    const auto& u = v.at("upstreamCompatibilityVector");
    const auto s = notary::deserialize(str(u.at("serialized")));
    EXPECT_EQ(s.hash, str(u.at("decodedJson").at("hash")));
    EXPECT_EQ(s.signatory, str(u.at("decodedJson").at("signatory")));
    EXPECT_EQ(s.rewrites.size(), u.at("decodedJson").at("rewrites").as_array().size());
}
