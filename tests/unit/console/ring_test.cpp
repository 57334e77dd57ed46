#include <scn/console/ring.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using scn::console::Ring;

namespace {
std::vector<std::pair<std::uint64_t, std::string>> after(const Ring<std::string>& r, std::uint64_t seq) {
    std::vector<std::pair<std::uint64_t, std::string>> out;
    r.for_each_after(seq, [&](std::uint64_t s, const std::string& v) { out.emplace_back(s, v); });
    return out;
}
}  // namespace

TEST(ConsoleRing, NumbersValuesFromOne) {
    Ring<std::string> r(3);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.first_seq(), 0u);
    EXPECT_EQ(r.last_seq(), 0u);
    EXPECT_EQ(r.push("a"), 1u);
    EXPECT_EQ(r.push("b"), 2u);
    EXPECT_EQ(r.size(), 2u);
    EXPECT_EQ(r.first_seq(), 1u);
    EXPECT_EQ(r.last_seq(), 2u);
    ASSERT_NE(r.find(2), nullptr);
    EXPECT_EQ(*r.find(2), "b");
    EXPECT_EQ(r.find(0), nullptr);
    EXPECT_EQ(r.find(3), nullptr);
}

TEST(ConsoleRing, ReplacesTheOldestOnceFull) {
    Ring<std::string> r(3);
    for (const char* v : {"a", "b", "c", "d", "e"}) {
        r.push(v);
    }
    EXPECT_EQ(r.size(), 3u);
    EXPECT_EQ(r.capacity(), 3u);
    EXPECT_EQ(r.first_seq(), 3u);
    EXPECT_EQ(r.last_seq(), 5u);
    EXPECT_EQ(r.find(2), nullptr) << "replaced";
    EXPECT_EQ(*r.find(3), "c");
    EXPECT_EQ(*r.find(5), "e");
    const std::vector<std::pair<std::uint64_t, std::string>> all{{3, "c"}, {4, "d"}, {5, "e"}};
    EXPECT_EQ(after(r, 0), all);
    EXPECT_EQ(after(r, 4), (std::vector<std::pair<std::uint64_t, std::string>>{{5, "e"}}));
    EXPECT_TRUE(after(r, 5).empty());
    EXPECT_TRUE(after(r, 99).empty());
}

TEST(ConsoleRing, WrapsManyTimesInOrder) {
    Ring<int> r(4);
    for (int i = 1; i <= 1001; ++i) {
        r.push(i);
    }
    std::vector<int> seen;
    r.for_each_after(0, [&](std::uint64_t seq, int v) {
        EXPECT_EQ(seq, static_cast<std::uint64_t>(v));
        seen.push_back(v);
    });
    EXPECT_EQ(seen, (std::vector<int>{998, 999, 1000, 1001}));
}

TEST(ConsoleRing, ClearKeepsTheNumbering) {
    Ring<std::string> r(2);
    r.push("a");
    r.clear();
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.first_seq(), 0u);
    EXPECT_EQ(r.last_seq(), 1u);
    EXPECT_EQ(r.find(1), nullptr);
    EXPECT_EQ(r.push("b"), 2u);
    EXPECT_EQ(r.push("c"), 3u);
    EXPECT_EQ(r.push("d"), 4u);
    EXPECT_EQ(after(r, 0), (std::vector<std::pair<std::uint64_t, std::string>>{{3, "c"}, {4, "d"}}));
}

TEST(ConsoleRing, CapacityOfAtLeastOne) {
    Ring<int> r(0);
    EXPECT_EQ(r.capacity(), 1u);
    r.push(1);
    r.push(2);
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(*r.find(2), 2);
}
