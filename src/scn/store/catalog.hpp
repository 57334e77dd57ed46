#pragma once

#include <scn/core/buffer.hpp>
#include <scn/core/clock.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace scn::store {

/// A dataset file is missing, truncated or inconsistent.
class CatalogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One stored object: its id, its `last_updated` and its serialised JSON, exactly the bytes served.
struct CatalogItem {
    std::string id;
    core::TimePoint last_updated;
    std::string json;
};

/// The half-open `last_updated` window of a list request (`date_from` inclusive, `date_to` exclusive).
struct TimeWindow {
    std::optional<core::TimePoint> from;
    std::optional<core::TimePoint> to;
};

/// A page of objects as one byte range of a data file (for sendfile); `owner` keeps the descriptor open.
struct FileRange {
    std::shared_ptr<const int> owner;
    int fd = -1;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::size_t count = 0;  ///< objects in the range
};

/// Serves objects (locations) by id and in pages ordered by `last_updated`, from a read-only base set plus the
/// changes made while running.
///
/// The base set is either held in memory (the editable data files) or, for generated data sets of millions of
/// objects, read from two files written by DatasetWriter: the objects in `last_updated` order (`<name>.lz4`, in
/// compressed blocks, or `<name>.jsonl`, one serialised object per line) and `<name>.idx`, a binary index (offsets,
/// lengths, timestamps, blocks, and a sorted table of id hashes). Only the index is mapped into memory; objects are
/// read with positional reads, so resident memory stays small whatever the data set's size and start-up does not
/// depend on it.
///
/// Changes (`upsert`) go to an in-memory overlay and always carry a `last_updated` no older than the base set's
/// newest, so they sort after it; the base copy of a changed object is skipped. Not thread-safe: use it from one
/// event loop.
class Catalog {
public:
    /// An in-memory base set; items are sorted by `last_updated` (stable).
    static Catalog from_items(std::vector<CatalogItem> items);
    /// A generated data set: `<dir>/<name>.idx` with `<dir>/<name>.lz4` or `<dir>/<name>.jsonl`.
    static Catalog open_dataset(const std::filesystem::path& dir, std::string_view name);
    /// True if `<dir>/<name>.idx` exists.
    static bool has_dataset(const std::filesystem::path& dir, std::string_view name);

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    ~Catalog();

    /// How many objects fall in the window.
    [[nodiscard]] std::size_t count(const TimeWindow& window) const;
    /// Calls `emit` with the serialised objects `offset` … `offset + limit - 1` of the window, in order.
    void page(const TimeWindow& window, std::size_t offset, std::size_t limit,
              const std::function<void(std::string_view json)>& emit) const;
    /// Appends the same objects to `out`, separated by commas (the inside of a JSON array); returns how many. Pages
    /// of an on-disk data set are read straight into `out`.
    std::size_t append_page(const TimeWindow& window, std::size_t offset, std::size_t limit, core::Buffer& out) const;
    /// The same page as one byte range of the data file, comma-separated, when it can be sent that way: a plain data
    /// set (or the plain copy of one written in both forms, while the range is in the page cache) of this version,
    /// and no object of the page changed since start. nullopt otherwise (use append_page).
    [[nodiscard]] std::optional<FileRange> page_file(const TimeWindow& window, std::size_t offset,
                                                     std::size_t limit) const;
    /// The serialised object with this id.
    [[nodiscard]] std::optional<std::string> find(std::string_view id) const;
    /// The same, without a copy when the object is held in memory: the bytes stay valid as long as the pointer,
    /// whatever the catalog does meanwhile. Null if there is no such object.
    [[nodiscard]] std::shared_ptr<const std::string> find_shared(std::string_view id) const;
    /// Adds or replaces an object; `item.last_updated` must not be older than any object already stored.
    void upsert(CatalogItem item);
    [[nodiscard]] std::size_t size() const;
    /// The files of a generated data set, in the order they are best read into the page cache (the compressed
    /// file first); none for an in-memory base set.
    [[nodiscard]] std::vector<std::filesystem::path> data_files() const;

    struct Base;  ///< the read-only base set (in memory or a data set on disk); defined in catalog.cpp

private:
    explicit Catalog(std::unique_ptr<Base> base);
    [[nodiscard]] bool shadowed(std::size_t base_index) const;
    /// Walks one page: `base_range(first, last, take)` for the base part, `overlay_item(json, index)` for each
    /// changed object after it. Returns how many objects the page holds.
    template <typename BaseRange, typename OverlayItem>
    std::size_t visit_page(const TimeWindow& window, std::size_t offset, std::size_t limit, const BaseRange& base_range,
                           const OverlayItem& overlay_item) const;

    std::unique_ptr<Base> base_;
    // Overlay: changed or new objects in order of change; `overlay_seq_` maps id -> sequence.
    std::map<std::uint64_t, CatalogItem> overlay_;
    std::unordered_map<std::string, std::uint64_t> overlay_seq_;
    std::vector<std::size_t> shadowed_base_;  // sorted base indexes replaced by the overlay
    std::uint64_t next_seq_ = 0;
};

/// Writes a data set readable by Catalog::open_dataset. Objects must be added in `last_updated` order.
///
/// Compressed: `<name>.lz4` holds the objects in blocks of kObjectsPerBlock, each block compressed with LZ4 on its
/// own against a dictionary (the first 64 KB of objects, stored at the start of the file), so that any page or
/// object is read by decompressing only the few blocks it touches. Generated locations compress to about a tenth.
/// Plain: `<name>.jsonl`, the objects as they are served, which the kernel can send straight from the file. Both
/// (the default): the two files with one index; pages are sent from the plain file while it is in the page cache
/// and decompressed from the small one otherwise.
class DatasetWriter {
public:
    enum class Format { plain, compressed, both };
    static constexpr std::uint32_t kObjectsPerBlock = 8;

    DatasetWriter(const std::filesystem::path& dir, std::string_view name, Format format = Format::both);
    ~DatasetWriter();
    DatasetWriter(const DatasetWriter&) = delete;
    DatasetWriter& operator=(const DatasetWriter&) = delete;

    void add(std::string_view id, core::TimePoint last_updated, std::string_view json);
    /// Writes the index; the data set is not readable before this.
    void finish();
    [[nodiscard]] std::uint64_t count() const { return records_.size(); }

private:
    struct Record {
        std::uint64_t offset;
        std::uint32_t length;
        std::uint32_t reserved;
        std::int64_t last_updated_ms;
    };
    struct Block {
        std::uint64_t offset;
        std::uint32_t compressed_size;
        std::uint32_t raw_size;
    };
    static void write(std::FILE* file, const void* bytes, std::size_t size);
    void end_block();
    void set_dictionary();
    void compress(const std::string& raw);

    [[nodiscard]] bool compressed() const { return format_ != Format::plain; }
    [[nodiscard]] bool plain() const { return format_ != Format::compressed; }

    std::filesystem::path dir_;
    std::string name_;
    Format format_;
    std::FILE* lz4_file_ = nullptr;
    std::FILE* plain_file_ = nullptr;
    std::uint64_t offset_ = 0;       // in the stream of objects (the plain file)
    std::uint64_t file_offset_ = 0;  // in the compressed file
    std::vector<Record> records_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ids_;  // (hash, record)
    std::vector<Block> blocks_;
    std::string block_;                 // objects of the block being filled
    std::vector<std::string> pending_;  // blocks filled before the dictionary was known
    std::size_t pending_bytes_ = 0;
    std::string dictionary_;
    bool has_dictionary_ = false;
    std::shared_ptr<void> lz4_;  // the LZ4 compression state
    std::string compressed_;     // room for one compressed block
    std::int64_t last_ms_ = INT64_MIN;
};

}  // namespace scn::store
