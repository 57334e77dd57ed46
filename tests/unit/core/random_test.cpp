#include <scn/core/random.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace {

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Canonical lower-case form 8-4-4-4-12, version nibble 4, variant 10xx.
bool is_uuid_v4(const std::string& id) {
    if (id.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < id.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !is_hex(id[i])) {
            return false;
        }
    }
    return id[14] == '4' && (id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

}  // namespace

TEST(Random, UuidIsVersion4AndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const auto id = scn::core::random_uuid();
        EXPECT_TRUE(is_uuid_v4(id)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 200u);
    EXPECT_FALSE(is_uuid_v4("2c3b1c4e-6a5f-3d6e-9c1b-5b0a7f3e2d10")) << "the checker itself must reject version 3";
}

TEST(Random, RequestUuidIsVersion4AndUniqueAcrossThreads) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const auto id = scn::core::request_uuid();
        EXPECT_TRUE(is_uuid_v4(id)) << id;
        seen.insert(id);
    }
    // Another thread gets its own generator, seeded separately: its ids do not repeat this thread's.
    std::vector<std::string> other;
    std::thread([&] {
        for (int i = 0; i < 200; ++i) {
            other.push_back(scn::core::request_uuid());
        }
    }).join();
    seen.insert(other.begin(), other.end());
    EXPECT_EQ(seen.size(), 400u);
}

TEST(Random, BytesHaveTheRequestedLength) {
    EXPECT_EQ(scn::core::random_bytes(0).size(), 0u);
    const auto a = scn::core::random_bytes(32);
    const auto b = scn::core::random_bytes(32);
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(a, b);
}
