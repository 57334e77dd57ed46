#include <scn/store/cache_warmer.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <sys/mman.h>
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

std::filesystem::path make_file(std::size_t bytes, const std::string& name = "jsonl") {
    const auto path = std::filesystem::temp_directory_path() / ("scn-warm-" + std::to_string(::getpid()) + "." + name);
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
    return path;
}

/// The share of the file's pages that are in the page cache (mincore), after evicting it first when asked to.
double resident_share(const std::filesystem::path& path, bool evict_first) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const auto size = static_cast<std::size_t>(std::filesystem::file_size(path));
    if (evict_first) {
        ::fdatasync(fd);
        (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((size + page - 1) / page);
    ::mincore(map, size, in.data());
    std::size_t resident = 0;
    for (const auto v : in) {
        resident += v & 1U;
    }
    ::munmap(map, size);
    ::close(fd);
    return static_cast<double>(resident) / static_cast<double>(in.size());
}

}  // namespace

TEST(CacheWarmer, WhatItCallsInMemoryIsInThePageCache) {
    const auto file = make_file(24 * 1024 * 1024);
    const double before = resident_share(file, true);
    Lines out;
    {
        CacheWarmer warmer(file, out.sink());
        ASSERT_TRUE(warmer.wait());
    }
    const double after = resident_share(file, false);
    std::filesystem::remove(file);
    EXPECT_LT(before, 0.5) << "the test could not evict the file first";
    EXPECT_GT(after, 0.99) << "pages in memory after the warmer said so: " << after;
}

TEST(CacheWarmer, ReadsAFileThatFitsAndSaysSo) {
    const auto file = make_file(40 * 1024 * 1024);  // forty reads
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

TEST(CacheWarmer, ReadsSeveralFilesOneAfterTheOther) {
    const auto small = make_file(2 * 1024 * 1024, "lz4");
    const auto large = make_file(20 * 1024 * 1024, "jsonl");
    (void)resident_share(small, true);
    (void)resident_share(large, true);
    Lines out;
    {
        CacheWarmer warmer(std::vector<std::filesystem::path>{small, large}, out.sink(), 0);
        EXPECT_TRUE(warmer.wait());
    }
    ASSERT_EQ(out.lines.size(), 4u);
    EXPECT_EQ(out.lines[0].rfind("Reading " + small.filename().string(), 0), 0u) << out.lines[0];
    EXPECT_NE(out.lines[1].find(small.filename().string() + " is in memory"), std::string::npos) << out.lines[1];
    EXPECT_EQ(out.lines[2].rfind("Reading " + large.filename().string(), 0), 0u) << out.lines[2];
    EXPECT_NE(out.lines[3].find(large.filename().string() + " is in memory"), std::string::npos) << out.lines[3];
    EXPECT_GT(resident_share(large, false), 0.99);
    std::filesystem::remove(small);
    std::filesystem::remove(large);
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
