#include <scn/store/catalog.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace scn::store;
using scn::core::TimePoint;
using std::chrono::milliseconds;

namespace {

TimePoint at(int seconds) {
    return TimePoint{milliseconds{1'600'000'000'000LL + seconds * 1000LL}};
}

std::string json_for(int i) {
    return R"({"country_code":"CH","party_id":"CPO","id":"Loc)" + std::to_string(i) + "\"}";
}

std::vector<CatalogItem> items(int n) {
    std::vector<CatalogItem> out;
    for (int i = n; i >= 1; --i) {  // deliberately unsorted
        out.push_back({"Loc" + std::to_string(i), at(i), json_for(i)});
    }
    return out;
}

/// Catalog::append_page into a string: the page's bytes, appended.
std::size_t append_text(const Catalog& c, const TimeWindow& w, std::size_t offset, std::size_t limit,
                        std::string& out) {
    scn::core::Buffer buffer;
    const auto n = c.append_page(w, offset, limit, buffer);
    out += buffer.view();
    return n;
}

std::vector<std::string> page_of(const Catalog& c, const TimeWindow& w, std::size_t offset, std::size_t limit) {
    std::vector<std::string> out;
    c.page(w, offset, limit, [&](std::string_view j) { out.emplace_back(j); });
    return out;
}

std::filesystem::path dataset_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-catalog-test-" + std::to_string(::getpid())) / name;
    std::filesystem::remove_all(dir);
    return dir;
}

using Format = DatasetWriter::Format;

Catalog write_dataset(const std::filesystem::path& dir, int n, Format format = Format::plain) {
    DatasetWriter w(dir, "locations", format);
    for (int i = 1; i <= n; ++i) {
        w.add("Loc" + std::to_string(i), at(i), json_for(i));
    }
    w.finish();
    return Catalog::open_dataset(dir, "locations");
}

enum class BaseKind { in_memory, on_disk, compressed };

// The same behaviour is required from the in-memory, the on-disk and the compressed on-disk base.
class CatalogBehaviour : public ::testing::TestWithParam<BaseKind> {
protected:
    Catalog make(int n) {
        const auto dir = dataset_dir("p" + std::to_string(n));
        switch (GetParam()) {
            case BaseKind::on_disk:
                return write_dataset(dir, n, Format::plain);
            case BaseKind::compressed:
                return write_dataset(dir, n, Format::compressed);
            case BaseKind::in_memory:
                break;
        }
        return Catalog::from_items(items(n));
    }
};

}  // namespace

TEST_P(CatalogBehaviour, PagesInLastUpdatedOrder) {
    const auto c = make(10);
    EXPECT_EQ(c.size(), 10u);
    EXPECT_EQ(c.count({}), 10u);
    EXPECT_EQ(page_of(c, {}, 0, 3), (std::vector<std::string>{json_for(1), json_for(2), json_for(3)}));
    EXPECT_EQ(page_of(c, {}, 8, 5), (std::vector<std::string>{json_for(9), json_for(10)}));
    EXPECT_TRUE(page_of(c, {}, 10, 5).empty());
    EXPECT_TRUE(page_of(c, {}, 3, 0).empty());
}

TEST_P(CatalogBehaviour, DateWindowIsFromInclusiveToExclusive) {
    const auto c = make(10);
    const TimeWindow w{at(3), at(6)};
    EXPECT_EQ(c.count(w), 3u);
    EXPECT_EQ(page_of(c, w, 0, 10), (std::vector<std::string>{json_for(3), json_for(4), json_for(5)}));
    EXPECT_EQ(page_of(c, w, 1, 1), (std::vector<std::string>{json_for(4)}));
    EXPECT_EQ(c.count({at(11), std::nullopt}), 0u);
    EXPECT_EQ(c.count({std::nullopt, at(1)}), 0u);
}

TEST_P(CatalogBehaviour, FindsById) {
    const auto c = make(50);
    EXPECT_EQ(c.find("Loc37"), json_for(37));
    EXPECT_FALSE(c.find("Loc51"));
    EXPECT_FALSE(c.find("loc37")) << "ids are exact";
}

TEST_P(CatalogBehaviour, SharedBytesAreTheObjectAndOutliveChangesAndTheCatalog) {
    auto c = std::make_unique<Catalog>(make(20));
    const auto base = c->find_shared("Loc12");
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(*base, json_for(12));
    EXPECT_EQ(c->find_shared("Loc21"), nullptr);
    c->upsert({"Loc12", at(100), R"({"id":"Loc12","status":"CHARGING"})"});
    const auto changed = c->find_shared("Loc12");
    ASSERT_NE(changed, nullptr);
    EXPECT_EQ(*changed, R"({"id":"Loc12","status":"CHARGING"})");
    c->upsert({"Loc12", at(101), R"({"id":"Loc12","status":"AVAILABLE"})"});
    c.reset();
    // A response being written holds these: they must still be the bytes they were.
    EXPECT_EQ(*base, json_for(12));
    EXPECT_EQ(*changed, R"({"id":"Loc12","status":"CHARGING"})");
}

TEST_P(CatalogBehaviour, ChangesMoveToTheEndAndShadowTheBaseCopy) {
    auto c = make(10);
    c.upsert({"Loc3", at(100), R"({"id":"Loc3","status":"CHARGING"})"});
    c.upsert({"Loc7", at(101), R"({"id":"Loc7","status":"CHARGING"})"});
    EXPECT_EQ(c.size(), 10u);
    EXPECT_EQ(c.find("Loc3"), R"({"id":"Loc3","status":"CHARGING"})");
    const auto all = page_of(c, {}, 0, 100);
    ASSERT_EQ(all.size(), 10u);
    EXPECT_EQ(all[2], json_for(4)) << "Loc3's old copy is skipped";
    EXPECT_EQ(all[8], R"({"id":"Loc3","status":"CHARGING"})");
    EXPECT_EQ(all[9], R"({"id":"Loc7","status":"CHARGING"})");
    // Every offset gives the element at that position of the full list.
    for (std::size_t offset = 0; offset < 10; ++offset) {
        EXPECT_EQ(page_of(c, {}, offset, 1), std::vector<std::string>{all[offset]}) << offset;
    }
    EXPECT_EQ(c.count({at(100), std::nullopt}), 2u);
    EXPECT_EQ(c.count({std::nullopt, at(100)}), 8u);
    c.upsert({"Loc3", at(102), R"({"id":"Loc3","status":"AVAILABLE"})"});
    EXPECT_EQ(c.size(), 10u);
    EXPECT_EQ(page_of(c, {}, 9, 1), std::vector<std::string>{R"({"id":"Loc3","status":"AVAILABLE"})"});
    c.upsert({"Loc11", at(103), json_for(11)});
    EXPECT_EQ(c.size(), 11u);
}

TEST_P(CatalogBehaviour, AppendPageWritesWhatPageEmits) {
    auto c = make(12);
    c.upsert({"Loc5", at(200), R"({"id":"Loc5","changed":true})"});
    for (const TimeWindow& w : {TimeWindow{}, TimeWindow{at(3), at(9)}, TimeWindow{at(4), std::nullopt}}) {
        for (std::size_t offset = 0; offset < 14; ++offset) {
            for (std::size_t limit : {0u, 1u, 3u, 20u}) {
                std::string expected;
                std::size_t n = 0;
                for (const auto& j : page_of(c, w, offset, limit)) {
                    expected += (n++ > 0 ? "," : "") + j;
                }
                std::string out = "[";
                EXPECT_EQ(append_text(c, w, offset, limit, out), n);
                // A data set keeps a line break after each comma (JSON whitespace); objects never contain one.
                std::erase(out, '\n');
                EXPECT_EQ(out, "[" + expected) << offset << "/" << limit;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryBase, CatalogBehaviour,
                         ::testing::Values(BaseKind::in_memory, BaseKind::on_disk, BaseKind::compressed),
                         [](const auto& param_info) {
                             switch (param_info.param) {
                                 case BaseKind::on_disk:
                                     return "OnDisk";
                                 case BaseKind::compressed:
                                     return "Compressed";
                                 case BaseKind::in_memory:
                                     break;
                             }
                             return "InMemory";
                         });

TEST(CatalogDataset, RejectsADamagedIndex) {
    const auto dir = dataset_dir("damaged");
    (void)write_dataset(dir, 20, Format::plain);
    std::filesystem::resize_file(dir / "locations.jsonl", 10);
    EXPECT_THROW((void)Catalog::open_dataset(dir, "locations"), CatalogError);
    std::ofstream(dir / "locations.idx", std::ios::binary) << "not an index at all, really not";
    EXPECT_THROW((void)Catalog::open_dataset(dir, "locations"), CatalogError);
    EXPECT_THROW((void)Catalog::open_dataset(dataset_dir("missing"), "locations"), CatalogError);
}

TEST(CatalogDataset, RejectsADamagedCompressedDataSet) {
    const auto dir = dataset_dir("damaged-lz4");
    (void)write_dataset(dir, 40, Format::compressed);
    EXPECT_FALSE(std::filesystem::exists(dir / "locations.jsonl"));
    const auto size = std::filesystem::file_size(dir / "locations.lz4");
    {
        // The last block overwritten (its place is the index's last 16 bytes): the catalog opens, reading that
        // block fails with a clear error instead of returning garbage or reading out of bounds.
        std::ifstream idx(dir / "locations.idx", std::ios::binary);
        idx.seekg(-16, std::ios::end);
        std::uint64_t offset = 0;
        std::uint32_t compressed = 0;
        idx.read(reinterpret_cast<char*>(&offset), sizeof offset);
        idx.read(reinterpret_cast<char*>(&compressed), sizeof compressed);
        ASSERT_EQ(offset + compressed, size);
        std::fstream f(dir / "locations.lz4", std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(offset));
        f << std::string(compressed, '\xff');
    }
    const auto c = Catalog::open_dataset(dir, "locations");
    EXPECT_EQ(c.find("Loc1"), json_for(1)) << "the first block is intact";
    try {
        (void)c.find("Loc40");
        ADD_FAILURE() << "a damaged block must not decompress silently";
    } catch (const CatalogError& e) {
        EXPECT_NE(std::string(e.what()).find("is damaged"), std::string::npos) << e.what();
    }
    std::filesystem::resize_file(dir / "locations.lz4", size / 2);
    EXPECT_THROW((void)Catalog::open_dataset(dir, "locations"), CatalogError) << "truncated";
    (void)write_dataset(dir, 40, Format::compressed);
    std::fstream idx(dir / "locations.idx", std::ios::binary | std::ios::in | std::ios::out);
    idx.seekp(8);
    const std::uint64_t wrong_count = 41;
    idx.write(reinterpret_cast<const char*>(&wrong_count), sizeof wrong_count);
    idx.close();
    EXPECT_THROW((void)Catalog::open_dataset(dir, "locations"), CatalogError) << "index and objects disagree";
}

TEST(CatalogDataset, CompressedPagesAreTheBytesOfThePlainDataSet) {
    // Objects of about 150 bytes: 3,000 of them are over 64 KB, so the writer holds blocks back until its
    // dictionary is complete. Every page, wherever it starts and ends within a block, must be byte for byte what the
    // uncompressed data set gives.
    const auto write = [](const std::filesystem::path& dir, Format format) {
        DatasetWriter w(dir, "locations", format);
        for (int i = 1; i <= 3000; ++i) {
            w.add("Loc" + std::to_string(i), at(i),
                  R"({"id":"Loc)" + std::to_string(i) + R"(","name":"Station )" + std::to_string(i * 7919 % 10007) +
                      R"(","address":"Bahnhofstrasse )" + std::to_string(i % 97) +
                      R"(","city":"Zürich","evses":[{"uid":"E)" + std::to_string(i) + R"(","status":"AVAILABLE"}]})");
        }
        w.finish();
        return Catalog::open_dataset(dir, "locations");
    };
    const auto plain_dir = dataset_dir("plain");
    const auto packed_dir = dataset_dir("packed");
    const auto plain = write(plain_dir, Format::plain);
    const auto packed = write(packed_dir, Format::compressed);
    EXPECT_LT(std::filesystem::file_size(packed_dir / "locations.lz4") * 3,
              std::filesystem::file_size(plain_dir / "locations.jsonl"));
    for (const std::size_t offset : {0u, 1u, 7u, 8u, 9u, 500u, 2991u, 2999u}) {
        for (const std::size_t limit : {1u, 2u, 8u, 9u, 100u}) {
            std::string a;
            std::string b;
            EXPECT_EQ(append_text(plain, {}, offset, limit, a), append_text(packed, {}, offset, limit, b));
            EXPECT_EQ(a, b) << offset << "/" << limit;
            EXPECT_EQ(page_of(plain, {}, offset, limit), page_of(packed, {}, offset, limit)) << offset << "/" << limit;
        }
    }
    EXPECT_EQ(packed.find("Loc1234"), plain.find("Loc1234"));
    EXPECT_EQ(*packed.find_shared("Loc3000"), *plain.find("Loc3000"));
    EXPECT_FALSE(packed.page_file({}, 0, 10).has_value()) << "compressed pages are assembled in memory";
    EXPECT_EQ(packed.data_files(), std::vector<std::filesystem::path>{packed_dir / "locations.lz4"});
}

namespace {

std::string read_range(const FileRange& r) {
    std::string out(r.length, '\0');
    EXPECT_EQ(::pread(r.fd, out.data(), out.size(), static_cast<off_t>(r.offset)), static_cast<ssize_t>(r.length));
    return out;
}

}  // namespace

TEST(CatalogDataset, BothFormsSendPagesFromThePlainCopyOnlyWhileItIsInThePageCache) {
    const auto dir = dataset_dir("both");
    {
        DatasetWriter w(dir, "locations", Format::both);
        for (int i = 1; i <= 3000; ++i) {
            w.add("Loc" + std::to_string(i), at(i), json_for(i));
        }
        w.finish();
    }
    const auto plain = dir / "locations.jsonl";
    ASSERT_TRUE(std::filesystem::exists(plain));
    ASSERT_TRUE(std::filesystem::exists(dir / "locations.lz4"));
    {
        const auto c = Catalog::open_dataset(dir, "locations");
        EXPECT_EQ(c.data_files(), (std::vector<std::filesystem::path>{dir / "locations.lz4", plain}))
            << "the small file is read ahead first";
        std::string expected;
        EXPECT_EQ(append_text(c, {}, 1000, 100, expected), 100u);
        // Just written, so in the page cache: sent from the plain copy, the same bytes.
        const auto range = c.page_file({}, 1000, 100);
        ASSERT_TRUE(range.has_value());
        EXPECT_EQ(read_range(*range), expected);
        // Out of the page cache: decompressed instead, never read from the disk on the caller's thread.
        const int fd = ::open(plain.c_str(), O_RDONLY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::fdatasync(fd), 0);
        ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
        ::close(fd);
        EXPECT_FALSE(c.page_file({}, 1000, 100).has_value());
        std::string again;
        EXPECT_EQ(append_text(c, {}, 1000, 100, again), 100u);
        EXPECT_EQ(again, expected);
    }
    // A plain file that is not the copy of these objects (here: cut short) is ignored.
    std::filesystem::resize_file(plain, std::filesystem::file_size(plain) - 1);
    const auto c = Catalog::open_dataset(dir, "locations");
    EXPECT_EQ(c.data_files(), std::vector<std::filesystem::path>{dir / "locations.lz4"});
    EXPECT_FALSE(c.page_file({}, 0, 10).has_value());
    EXPECT_EQ(c.find("Loc3000"), json_for(3000));
}

TEST(CatalogDataset, WriterRefusesOutOfOrderObjects) {
    DatasetWriter w(dataset_dir("order"), "locations");
    w.add("a", at(5), "{}");
    EXPECT_THROW(w.add("b", at(4), "{}"), CatalogError);
    EXPECT_THROW(w.add("c", at(6), "{\n}"), CatalogError);
}

TEST(CatalogDataset, PagesAreOneFileRangeWithTheSameJson) {
    auto c = write_dataset(dataset_dir("ranges"), 30, Format::plain);
    for (const TimeWindow& w : {TimeWindow{}, TimeWindow{at(3), at(19)}}) {
        for (std::size_t offset : {0u, 1u, 7u, 15u}) {
            for (std::size_t limit : {1u, 4u, 100u}) {
                std::string expected;
                const auto n = append_text(c, w, offset, limit, expected);
                const auto range = c.page_file(w, offset, limit);
                ASSERT_TRUE(range.has_value()) << offset << "/" << limit;
                EXPECT_EQ(range->count, n);
                // The same bytes as the page assembled in memory: objects separated by ",\n".
                const auto bytes = read_range(*range);
                EXPECT_EQ(bytes, expected) << offset << "/" << limit;
                std::string joined;
                for (const auto& j : page_of(c, w, offset, limit)) {
                    joined += (joined.empty() ? "" : ",\n") + j;
                }
                EXPECT_EQ(bytes, joined);
            }
        }
    }
    EXPECT_FALSE(c.page_file(TimeWindow{}, 40, 10).has_value()) << "an empty page is written, not sent from the file";
    // A changed object is skipped in the base: pages that would contain it are assembled in memory.
    c.upsert({"Loc5", at(200), R"({"id":"Loc5","changed":true})"});
    EXPECT_FALSE(c.page_file(TimeWindow{}, 0, 10).has_value());
    EXPECT_TRUE(c.page_file(TimeWindow{}, 10, 10).has_value());
    EXPECT_FALSE(c.page_file(TimeWindow{}, 25, 10).has_value()) << "the page runs into the changed object";
}

TEST(CatalogDataset, ReadsDataSetsOfTheFirstFormat) {
    // Version 1 (line breaks only between objects): still served, assembled in memory.
    const auto dir = dataset_dir("v1");
    (void)write_dataset(dir, 3, Format::plain);
    std::string data;
    for (int i = 1; i <= 3; ++i) {
        data += json_for(i) + "\n";
    }
    std::ofstream(dir / "locations.jsonl", std::ios::binary | std::ios::trunc) << data;
    std::fstream idx(dir / "locations.idx", std::ios::binary | std::ios::in | std::ios::out);
    idx.seekp(7);
    idx.put('1');
    std::uint64_t offset = 0;
    for (int i = 1; i <= 3; ++i) {
        idx.seekp(static_cast<std::streamoff>(32 + (i - 1) * 24));
        idx.write(reinterpret_cast<const char*>(&offset), sizeof offset);
        offset += json_for(i).size() + 1;
    }
    idx.close();
    const auto c = Catalog::open_dataset(dir, "locations");
    std::string out;
    EXPECT_EQ(append_text(c, TimeWindow{}, 0, 10, out), 3u);
    EXPECT_EQ(out, json_for(1) + "," + json_for(2) + "," + json_for(3));
    EXPECT_FALSE(c.page_file(TimeWindow{}, 0, 10).has_value());
    EXPECT_EQ(c.find("Loc2"), json_for(2));
}
