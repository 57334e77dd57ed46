#include <scn/store/cache_warmer.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <unistd.h>
#include <vector>

using scn::store::CacheWarmer;

namespace {

struct Lines {
    std::mutex mutex;
    std::vector<std::string> lines;
    std::function<void(const std::string&)> sink() {
        return [this](const std::string& line) {
            const std::lock_guard lock(mutex);
            lines.push_back(line);
        };
    }
};

std::filesystem::path make_file(std::size_t bytes) {
    const auto path = std::filesystem::temp_directory_path() / ("scn-warm-" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
    return path;
}

}  // namespace

TEST(CacheWarmer, ReadsAFileThatFitsAndSaysSo) {
    const auto file = make_file(40 * 1024 * 1024);  // three readahead steps
    Lines out;
    {
        CacheWarmer warmer(file, out.sink(), 0);
        EXPECT_TRUE(warmer.wait());
    }
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_EQ(out.lines[0].rfind("Reading " + file.filename().string() + " (42 MB) into the page cache", 0), 0u)
        << out.lines[0];
    EXPECT_NE(out.lines[1].find("is in memory (42 MB read in "), std::string::npos) << out.lines[1];
    std::filesystem::remove(file);
}

TEST(CacheWarmer, DeclinesWhenTheFileWouldNotFit) {
    const auto file = make_file(1024);
    Lines out;
    CacheWarmer warmer(file, out.sink(), std::uint64_t{1} << 62);  // a margin no machine has
    EXPECT_FALSE(warmer.wait());
    ASSERT_EQ(out.lines.size(), 1u);
    EXPECT_NE(out.lines[0].find("available; pages are read from disk when asked for"), std::string::npos)
        << out.lines[0];
    std::filesystem::remove(file);
}

TEST(CacheWarmer, ReportsAMissingFile) {
    Lines out;
    CacheWarmer warmer("/nonexistent/scn-data/locations.jsonl", out.sink());
    EXPECT_FALSE(warmer.wait());
    ASSERT_EQ(out.lines.size(), 1u);
    EXPECT_EQ(out.lines[0].rfind("Not reading locations.jsonl ahead: ", 0), 0u) << out.lines[0];
}

TEST(CacheWarmer, SizesReadLikeALogLine) {
    EXPECT_EQ(scn::store::human_bytes(17'866'569'246ULL), "17.9 GB");
    EXPECT_EQ(scn::store::human_bytes(347'000'000ULL), "347 MB");
    EXPECT_EQ(scn::store::human_bytes(512), "512 bytes");
    EXPECT_TRUE(scn::store::available_memory().has_value());
}
