#pragma once

// The on-disk format of generated data sets and the read-only base a Catalog serves from, shared by the plain
// (catalog.cpp) and compressed (compressed_dataset.cpp) data sets. Internal to the store library.

#include <scn/core/buffer.hpp>
#include <scn/store/catalog.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scn::store {
namespace detail {

// Version 1 data files end every object with a line break; version 2 with a comma and a line break, so that the
// objects of a page are one contiguous byte range that is already the inside of a JSON array. Version 3 holds the
// version 2 bytes compressed with LZ4 in blocks of a few objects, against a dictionary stored first in the file.
constexpr std::array<char, 8> kMagicV1{'S', 'C', 'N', 'I', 'D', 'X', '0', '1'};
constexpr std::array<char, 8> kMagic{'S', 'C', 'N', 'I', 'D', 'X', '0', '2'};
constexpr std::array<char, 8> kMagicV3{'S', 'C', 'N', 'I', 'D', 'X', '0', '3'};

struct IndexHeader {
    std::array<char, 8> magic;
    std::uint64_t count;
    std::uint64_t records_offset;
    std::uint64_t ids_offset;
};

/// Version 3: the version 2 header, then the block table and the blocking.
struct IndexHeaderV3 {
    IndexHeader base;
    std::uint64_t blocks_offset;
    std::uint64_t block_count;
    std::uint32_t objects_per_block;
    std::uint32_t dictionary_size;  ///< the dictionary is the first bytes of the data file
    std::uint64_t reserved;
};

/// One object. `offset` is its place in the (uncompressed) stream of objects, each followed by ",\n".
struct IndexRecord {
    std::uint64_t offset;
    std::uint32_t length;
    std::uint32_t reserved;
    std::int64_t last_updated_ms;
};

struct IdEntry {
    std::uint64_t hash;
    std::uint64_t record;
};

/// Version 3: one compressed block of `objects_per_block` consecutive objects.
struct BlockEntry {
    std::uint64_t offset;  ///< in the data file
    std::uint32_t compressed_size;
    std::uint32_t raw_size;
};

static_assert(sizeof(IndexHeader) == 32 && sizeof(IndexHeaderV3) == 64 && sizeof(IndexRecord) == 24 &&
              sizeof(IdEntry) == 16 && sizeof(BlockEntry) == 16);

inline std::uint64_t hash_id(std::string_view id) {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a
    for (const char c : id) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

inline std::int64_t to_ms(core::TimePoint t) {
    return t.time_since_epoch().count();
}

inline std::string errno_text() {
    return std::strerror(errno);
}

/// Reads exactly `size` bytes at `offset`; throws CatalogError otherwise.
void pread_all(int fd, char* out, std::size_t size, std::uint64_t offset);

/// The record holding the object `id`: the sorted hash table gives candidates, `read(record)` confirms one.
std::optional<std::size_t> find_id(const IdEntry* ids, std::size_t count, std::string_view id,
                                   const std::function<std::string(std::size_t)>& read);

/// An index file mapped into memory (read-only), unmapped and closed on destruction.
class MappedIndex {
public:
    explicit MappedIndex(const std::filesystem::path& path);
    ~MappedIndex();
    MappedIndex(const MappedIndex&) = delete;
    MappedIndex& operator=(const MappedIndex&) = delete;
    [[nodiscard]] const char* data() const { return static_cast<const char*>(map_); }
    [[nodiscard]] std::size_t size() const { return size_; }

private:
    int fd_ = -1;
    void* map_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace detail

struct Catalog::Base {
    virtual ~Base() = default;
    [[nodiscard]] virtual std::size_t size() const = 0;
    [[nodiscard]] virtual std::int64_t last_updated_ms(std::size_t i) const = 0;
    [[nodiscard]] virtual std::optional<std::size_t> index_of(std::string_view id) const = 0;
    /// Emits items [first, last) except those in `skip` (sorted).
    virtual void emit_range(std::size_t first, std::size_t last, std::size_t limit,
                            const std::vector<std::size_t>& skip,
                            const std::function<void(std::string_view)>& emit) const = 0;
    [[nodiscard]] virtual std::string read(std::size_t i) const = 0;
    /// The same bytes, shared: a base held in memory hands out its own copy.
    [[nodiscard]] virtual std::shared_ptr<const std::string> read_shared(std::size_t i) const {
        return std::make_shared<const std::string>(read(i));
    }
    /// Appends items [first, last) but those in `skip`, at most `limit`, comma-separated; returns how many.
    virtual std::size_t append_range(std::size_t first, std::size_t last, std::size_t limit,
                                     const std::vector<std::size_t>& skip, core::Buffer& out, bool comma) const {
        std::size_t n = 0;
        emit_range(first, last, limit, skip, [&](std::string_view json) {
            if (comma || n > 0) {
                out.push_back(',');
            }
            out.append(json);
            ++n;
        });
        return n;
    }

    /// Items [first, last) but those in `skip`, at most `limit`, as one byte range of a file, when they are stored
    /// that way (comma-separated and none skipped); nullopt otherwise.
    [[nodiscard]] virtual std::optional<FileRange> file_range(std::size_t /*first*/, std::size_t /*last*/,
                                                              std::size_t /*limit*/,
                                                              const std::vector<std::size_t>& /*skip*/) const {
        return std::nullopt;
    }

    /// The files the objects are read from, in the order they are best read into the page cache.
    [[nodiscard]] virtual std::vector<std::filesystem::path> data_files() const { return {}; }

    [[nodiscard]] std::size_t lower_bound(std::int64_t ms) const {
        std::size_t lo = 0;
        std::size_t hi = size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (last_updated_ms(mid) < ms) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
};

namespace detail {

/// A base read from a data set: the objects are consecutive in a stream (the data file, or its decompressed
/// blocks), described by the mapped index. Subclasses say how bytes of the stream are read.
class StreamBase : public Catalog::Base {
public:
    [[nodiscard]] std::size_t size() const override { return count_; }
    [[nodiscard]] std::int64_t last_updated_ms(std::size_t i) const override { return records_[i].last_updated_ms; }
    [[nodiscard]] std::optional<std::size_t> index_of(std::string_view id) const override {
        return find_id(ids_, count_, id, [this](std::size_t i) { return read(i); });
    }

    void emit_range(std::size_t first, std::size_t last, std::size_t limit, const std::vector<std::size_t>& skip,
                    const std::function<void(std::string_view)>& emit) const override {
        if (first >= last || limit == 0) {
            return;
        }
        // One read covering the records the page can need (they are consecutive in the stream).
        const std::size_t stop = std::min(
            last, first + limit + static_cast<std::size_t>(std::count_if(skip.begin(), skip.end(), [&](std::size_t s) {
                      return s >= first && s < last;
                  })));
        const std::uint64_t begin = records_[first].offset;
        thread_local std::string buffer;
        buffer.resize(stream_end(stop - 1) - begin);
        copy_stream(first, stop, buffer.data());
        auto s = std::lower_bound(skip.begin(), skip.end(), first);
        for (std::size_t i = first; i < stop && limit > 0; ++i) {
            if (s != skip.end() && *s == i) {
                ++s;
                continue;
            }
            emit(std::string_view(buffer).substr(records_[i].offset - begin, records_[i].length));
            --limit;
        }
    }

    std::size_t append_range(std::size_t first, std::size_t last, std::size_t limit,
                             const std::vector<std::size_t>& skip, core::Buffer& out, bool comma) const override {
        const auto stop = contiguous_stop(first, last, limit, skip);
        if (!stop) {
            return Base::append_range(first, last, limit, skip, out, comma);
        }
        // Consecutive records with the separators between them: read straight into the response.
        if (comma) {
            out.push_back(',');
        }
        char* at = out.grow(stream_end(*stop - 1) - records_[first].offset);
        copy_stream(first, *stop, at);
        patch_separators(first, *stop, at);
        return *stop - first;
    }

    [[nodiscard]] std::string read(std::size_t i) const override {
        std::string out(records_[i].length, '\0');
        copy_stream(i, i + 1, out.data());
        return out;
    }

protected:
    /// Writes the stream bytes of records [first, stop) (separators between them included) to `out`.
    virtual void copy_stream(std::size_t first, std::size_t stop, char* out) const = 0;
    /// Makes the separators in bytes written by copy_stream commas (for formats that separate otherwise).
    virtual void patch_separators(std::size_t /*first*/, std::size_t /*stop*/, char* /*out*/) const {}
    /// Where record `i` ends in the stream (its separator not included).
    [[nodiscard]] std::uint64_t stream_end(std::size_t i) const { return records_[i].offset + records_[i].length; }

    /// The end of records [first, min(last, first + limit)) when that range holds at least one record and none of
    /// `skip`: then it is one run of the stream. nullopt otherwise.
    [[nodiscard]] static std::optional<std::size_t> contiguous_stop(std::size_t first, std::size_t last,
                                                                    std::size_t limit,
                                                                    const std::vector<std::size_t>& skip) {
        const std::size_t stop = std::min(last, first + limit);
        const auto skipped = std::lower_bound(skip.begin(), skip.end(), first);
        if (first >= stop || (skipped != skip.end() && *skipped < stop)) {
            return std::nullopt;
        }
        return stop;
    }

    /// Checks that the records follow each other in the stream (`separator` bytes apart) in `last_updated` order;
    /// returns the stream's length. Throws CatalogError naming `index` otherwise.
    [[nodiscard]] std::uint64_t check_records(const std::filesystem::path& index, std::uint64_t separator) const {
        std::uint64_t expected_offset = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            const auto& r = records_[i];
            if (r.offset != expected_offset || (i > 0 && r.last_updated_ms < records_[i - 1].last_updated_ms)) {
                throw CatalogError(index.string() + ": record " + std::to_string(i) + " is out of order");
            }
            expected_offset = r.offset + r.length + separator;
        }
        return expected_offset;
    }

    std::size_t count_ = 0;
    const IndexRecord* records_ = nullptr;
    const IdEntry* ids_ = nullptr;
};

/// A version 3 (compressed) data set: `<dir>/<name>.idx` and `<dir>/<name>.lz4`.
std::unique_ptr<Catalog::Base> open_compressed_base(const std::filesystem::path& dir, std::string_view name);

}  // namespace detail

}  // namespace scn::store
