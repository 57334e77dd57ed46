#include <scn/core/buffer.hpp>

#include <gtest/gtest.h>

using scn::core::Buffer;
using scn::core::BufferPool;

TEST(Buffer, AppendsAndKeepsItsStorageWhenCleared) {
    Buffer b;
    b.append("{\"data\":[");
    std::copy_n("abc", 3, b.grow(3));
    b.push_back(']');
    EXPECT_EQ(b.view(), "{\"data\":[abc]");
    const auto capacity = b.capacity();
    const auto* storage = b.view().data();
    b.clear();
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.capacity(), capacity);
    b.append("xyz");
    EXPECT_EQ(b.view(), "xyz");
    EXPECT_EQ(b.view().data(), storage) << "filled again in the same storage";
    std::string big(100'000, 'q');
    b.append(big);
    EXPECT_EQ(b.size(), 100'003u);
    EXPECT_EQ(b.view().substr(3), big);
}

TEST(BufferPool, HandsTheSameStorageBackOutAndKeepsOnlyWhatItShould) {
    BufferPool pool(2, 1024);
    const char* first_storage = nullptr;
    {
        auto b = pool.take();
        b->append(std::string(500, 'a'));
        first_storage = b->view().data();
        EXPECT_EQ(pool.kept(), 0u);
    }
    EXPECT_EQ(pool.kept(), 1u) << "returned when its last owner let go";
    {
        auto b = pool.take();
        EXPECT_TRUE(b->empty()) << "handed out empty";
        b->append("x");
        EXPECT_EQ(b->view().data(), first_storage) << "the same storage again";
        auto large = pool.take();
        large->append(std::string(4096, 'b'));  // over max_kept_bytes: not kept
        auto third = pool.take();
        auto fourth = pool.take();
    }
    EXPECT_EQ(pool.kept(), 2u) << "at most max_kept, and not the oversized one";
    std::shared_ptr<Buffer> survivor;
    {
        BufferPool short_lived;
        survivor = short_lived.take();
        survivor->append("still here");
    }
    EXPECT_EQ(survivor->view(), "still here") << "a buffer may outlive its pool";
    survivor.reset();
}
