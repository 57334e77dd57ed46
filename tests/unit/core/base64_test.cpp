#include <scn/core/base64.hpp>

#include <gtest/gtest.h>

using scn::core::base64_decode;
using scn::core::base64_encode;

TEST(Base64, EncodesWithPadding) {
    EXPECT_EQ(base64_encode("example-token"), "ZXhhbXBsZS10b2tlbg==");
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("ab"), "YWI=");
    EXPECT_EQ(base64_encode("abc"), "YWJj");
}

TEST(Base64, DecodesWhatItEncodes) {
    for (const char* s : {"a", "ab", "abc", "abcd", "ec005952-8c33-4bc0-8032-e07fdc420931"}) {
        EXPECT_EQ(base64_decode(base64_encode(s)), std::string(s));
    }
}

TEST(Base64, RejectsWhatIsNotBase64) {
    EXPECT_FALSE(base64_decode("ec005952-8c33-4bc0-8032-e07fdc420931")) << "a raw UUID token is not Base64";
    EXPECT_FALSE(base64_decode("abc"));
    EXPECT_FALSE(base64_decode("ab=c"));
    EXPECT_FALSE(base64_decode(""));
    EXPECT_FALSE(base64_decode("YW I="));
}
