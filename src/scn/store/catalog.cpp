#include <scn/store/catalog.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scn::store {
namespace {

// Version 1 data files end every object with a line break; version 2 with a comma and a line break, so that the
// objects of a page are one contiguous byte range that is already the inside of a JSON array.
constexpr std::array<char, 8> kMagicV1{'S', 'C', 'N', 'I', 'D', 'X', '0', '1'};
constexpr std::array<char, 8> kMagic{'S', 'C', 'N', 'I', 'D', 'X', '0', '2'};

struct IndexHeader {
    std::array<char, 8> magic;
    std::uint64_t count;
    std::uint64_t records_offset;
    std::uint64_t ids_offset;
};

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

static_assert(sizeof(IndexHeader) == 32 && sizeof(IndexRecord) == 24 && sizeof(IdEntry) == 16);

std::uint64_t hash_id(std::string_view id) {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a
    for (const char c : id) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

std::int64_t to_ms(core::TimePoint t) {
    return t.time_since_epoch().count();
}

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

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
                                     const std::vector<std::size_t>& skip, std::string& out, bool comma) const {
        std::size_t n = 0;
        emit_range(first, last, limit, skip, [&](std::string_view json) {
            if (comma || n > 0) {
                out += ',';
            }
            out += json;
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

    [[nodiscard]] virtual std::optional<std::filesystem::path> data_file() const { return std::nullopt; }

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

namespace {

class MemoryBase final : public Catalog::Base {
public:
    explicit MemoryBase(std::vector<CatalogItem> items)
        : storage_(std::make_shared<std::vector<CatalogItem>>(std::move(items))), items_(*storage_) {
        std::stable_sort(items_.begin(), items_.end(),
                         [](const CatalogItem& a, const CatalogItem& b) { return a.last_updated < b.last_updated; });
        for (std::size_t i = 0; i < items_.size(); ++i) {
            by_id_.emplace(items_[i].id, i);
        }
    }
    [[nodiscard]] std::size_t size() const override { return items_.size(); }
    [[nodiscard]] std::int64_t last_updated_ms(std::size_t i) const override { return to_ms(items_[i].last_updated); }
    [[nodiscard]] std::optional<std::size_t> index_of(std::string_view id) const override {
        const auto it = by_id_.find(std::string(id));
        return it == by_id_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
    }
    void emit_range(std::size_t first, std::size_t last, std::size_t limit, const std::vector<std::size_t>& skip,
                    const std::function<void(std::string_view)>& emit) const override {
        auto s = std::lower_bound(skip.begin(), skip.end(), first);
        for (std::size_t i = first; i < last && limit > 0; ++i) {
            if (s != skip.end() && *s == i) {
                ++s;
                continue;
            }
            emit(items_[i].json);
            --limit;
        }
    }
    [[nodiscard]] std::string read(std::size_t i) const override { return items_[i].json; }
    [[nodiscard]] std::shared_ptr<const std::string> read_shared(std::size_t i) const override {
        return {storage_, &items_[i].json};  // the items never change once sorted: share them, no copy
    }

private:
    // Shared so that a response being written keeps its bytes alive, whatever happens to the catalog meanwhile.
    std::shared_ptr<std::vector<CatalogItem>> storage_;
    std::vector<CatalogItem>& items_;
    std::unordered_map<std::string, std::size_t> by_id_;
};

class FileBase final : public Catalog::Base {
public:
    FileBase(const std::filesystem::path& dir, std::string_view name) {
        const auto idx_path = dir / (std::string(name) + ".idx");
        const auto data_path = dir / (std::string(name) + ".jsonl");
        idx_fd_ = ::open(idx_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (idx_fd_ < 0) {
            throw CatalogError(idx_path.string() + ": " + errno_text());
        }
        data_path_ = data_path;
        data_fd_ = ::open(data_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (data_fd_ < 0) {
            const std::string why = errno_text();
            ::close(idx_fd_);
            throw CatalogError(data_path.string() + ": " + why);
        }
        // Responses that send file ranges share the descriptor: it is closed when the last of them is written.
        data_owner_ = std::shared_ptr<const int>(new int(data_fd_), [](const int* fd) {
            ::close(*fd);
            delete fd;
        });
        try {
            map_and_check(idx_path, data_path);
        } catch (...) {
            release();
            throw;
        }
    }
    ~FileBase() override { release(); }
    FileBase(const FileBase&) = delete;
    FileBase& operator=(const FileBase&) = delete;

    [[nodiscard]] std::size_t size() const override { return count_; }
    [[nodiscard]] std::optional<std::filesystem::path> data_file() const override { return data_path_; }
    [[nodiscard]] std::int64_t last_updated_ms(std::size_t i) const override { return records_[i].last_updated_ms; }

    [[nodiscard]] std::optional<std::size_t> index_of(std::string_view id) const override {
        const std::uint64_t h = hash_id(id);
        const IdEntry* end = ids_ + count_;
        const IdEntry* it =
            std::lower_bound(ids_, end, h, [](const IdEntry& e, std::uint64_t v) { return e.hash < v; });
        const std::string needle = "\"id\":\"" + std::string(id) + "\"";
        for (; it != end && it->hash == h; ++it) {
            if (read(it->record).find(needle) != std::string::npos) {
                return static_cast<std::size_t>(it->record);
            }
        }
        return std::nullopt;
    }

    void emit_range(std::size_t first, std::size_t last, std::size_t limit, const std::vector<std::size_t>& skip,
                    const std::function<void(std::string_view)>& emit) const override {
        if (first >= last || limit == 0) {
            return;
        }
        // One positional read covering the records the page can need (they are consecutive in the file).
        const std::size_t stop = std::min(
            last, first + limit + static_cast<std::size_t>(std::count_if(skip.begin(), skip.end(), [&](std::size_t s) {
                      return s >= first && s < last;
                  })));
        const std::uint64_t begin = records_[first].offset;
        const std::uint64_t end = records_[stop - 1].offset + records_[stop - 1].length;
        thread_local std::string buffer;
        buffer.resize(end - begin);
        pread_all(buffer.data(), end - begin, begin);
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
                             const std::vector<std::size_t>& skip, std::string& out, bool comma) const override {
        const std::size_t stop = std::min(last, first + limit);
        const auto skipped = std::lower_bound(skip.begin(), skip.end(), first);
        if (first >= stop || (skipped != skip.end() && *skipped < stop)) {
            return Base::append_range(first, last, limit, skip, out, comma);
        }
        // Consecutive records are consecutive lines of the file: read them straight into the response and turn the
        // line breaks between them into commas.
        const std::uint64_t begin = records_[first].offset;
        const std::uint64_t end = records_[stop - 1].offset + records_[stop - 1].length;
        if (comma) {
            out += ',';
        }
        const std::size_t at = out.size();
        out.reserve(at + (end - begin) + 256);  // room for what the caller appends after the page
        out.resize(at + (end - begin));
        pread_all(out.data() + at, end - begin, begin);
        for (std::size_t i = first; i + 1 < stop; ++i) {
            out[at + (records_[i].offset - begin) + records_[i].length] = ',';
        }
        return stop - first;
    }

    [[nodiscard]] std::optional<FileRange> file_range(std::size_t first, std::size_t last, std::size_t limit,
                                                      const std::vector<std::size_t>& skip) const override {
        const std::size_t stop = std::min(last, first + limit);
        const auto skipped = std::lower_bound(skip.begin(), skip.end(), first);
        if (separator_ != 2 || first >= stop || (skipped != skip.end() && *skipped < stop)) {
            return std::nullopt;
        }
        const std::uint64_t begin = records_[first].offset;
        const std::uint64_t end = records_[stop - 1].offset + records_[stop - 1].length;
        return FileRange{data_owner_, data_fd_, begin, end - begin, stop - first};
    }

    [[nodiscard]] std::string read(std::size_t i) const override {
        std::string out(records_[i].length, '\0');
        pread_all(out.data(), out.size(), records_[i].offset);
        return out;
    }

private:
    void map_and_check(const std::filesystem::path& idx_path, const std::filesystem::path& data_path) {
        struct stat st {};
        if (::fstat(idx_fd_, &st) != 0 || static_cast<std::size_t>(st.st_size) < sizeof(IndexHeader)) {
            throw CatalogError(idx_path.string() + ": too short to be an index");
        }
        map_size_ = static_cast<std::size_t>(st.st_size);
        map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, idx_fd_, 0);
        if (map_ == MAP_FAILED) {
            map_ = nullptr;
            throw CatalogError(idx_path.string() + ": cannot map: " + errno_text());
        }
        ::madvise(map_, map_size_, MADV_RANDOM);
        IndexHeader header{};
        std::memcpy(&header, map_, sizeof header);
        const auto* bytes = static_cast<const char*>(map_);
        if (header.magic != kMagic && header.magic != kMagicV1) {
            throw CatalogError(idx_path.string() + ": not an scn-tools data set index");
        }
        separator_ = header.magic == kMagic ? 2 : 1;
        count_ = header.count;
        if (header.records_offset != sizeof(IndexHeader) ||
            header.ids_offset != header.records_offset + count_ * sizeof(IndexRecord) ||
            map_size_ != header.ids_offset + count_ * sizeof(IdEntry)) {
            throw CatalogError(idx_path.string() + ": index size does not match its object count");
        }
        records_ = reinterpret_cast<const IndexRecord*>(bytes + header.records_offset);
        ids_ = reinterpret_cast<const IdEntry*>(bytes + header.ids_offset);
        struct stat data_st {};
        ::fstat(data_fd_, &data_st);
        std::uint64_t expected_offset = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            const auto& r = records_[i];
            if (r.offset != expected_offset || (i > 0 && r.last_updated_ms < records_[i - 1].last_updated_ms)) {
                throw CatalogError(idx_path.string() + ": record " + std::to_string(i) + " is out of order");
            }
            expected_offset = r.offset + r.length + separator_;
        }
        if (expected_offset > static_cast<std::uint64_t>(data_st.st_size)) {
            throw CatalogError(data_path.string() + ": shorter than its index says (truncated?)");
        }
    }

    void pread_all(char* out, std::size_t size, std::uint64_t offset) const {
        std::size_t done = 0;
        while (done < size) {
            const auto n = ::pread(data_fd_, out + done, size - done, static_cast<off_t>(offset + done));
            if (n <= 0) {
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                throw CatalogError("reading the data set failed: " + (n < 0 ? errno_text() : "unexpected end"));
            }
            done += static_cast<std::size_t>(n);
        }
    }

    void release() {
        if (map_ != nullptr) {
            ::munmap(map_, map_size_);
        }
        if (idx_fd_ >= 0) {
            ::close(idx_fd_);
        }
        data_owner_.reset();
        map_ = nullptr;
        idx_fd_ = data_fd_ = -1;
    }

    int idx_fd_ = -1;
    int data_fd_ = -1;
    std::shared_ptr<const int> data_owner_;
    std::filesystem::path data_path_;
    std::uint64_t separator_ = 1;  // bytes after each object: "\n" (version 1) or ",\n" (version 2)
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::size_t count_ = 0;
    const IndexRecord* records_ = nullptr;
    const IdEntry* ids_ = nullptr;
};

}  // namespace

Catalog::Catalog(std::unique_ptr<Base> base) : base_(std::move(base)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Catalog Catalog::from_items(std::vector<CatalogItem> items) {
    return Catalog(std::make_unique<MemoryBase>(std::move(items)));
}

Catalog Catalog::open_dataset(const std::filesystem::path& dir, std::string_view name) {
    return Catalog(std::make_unique<FileBase>(dir, name));
}

bool Catalog::has_dataset(const std::filesystem::path& dir, std::string_view name) {
    return std::filesystem::exists(dir / (std::string(name) + ".idx"));
}

bool Catalog::shadowed(std::size_t base_index) const {
    return std::binary_search(shadowed_base_.begin(), shadowed_base_.end(), base_index);
}

std::size_t Catalog::size() const {
    return base_->size() - shadowed_base_.size() + overlay_.size();
}

namespace {

bool in_window(const TimeWindow& w, core::TimePoint t) {
    return (!w.from || t >= *w.from) && (!w.to || t < *w.to);
}

}  // namespace

std::size_t Catalog::count(const TimeWindow& window) const {
    const std::size_t lo = window.from ? base_->lower_bound(to_ms(*window.from)) : 0;
    const std::size_t hi = window.to ? base_->lower_bound(to_ms(*window.to)) : base_->size();
    std::size_t n = hi > lo ? hi - lo : 0;
    n -= static_cast<std::size_t>(std::lower_bound(shadowed_base_.begin(), shadowed_base_.end(), hi) -
                                  std::lower_bound(shadowed_base_.begin(), shadowed_base_.end(), lo));
    for (const auto& [seq, item] : overlay_) {
        n += in_window(window, item.last_updated) ? 1 : 0;
    }
    return n;
}

template <typename BaseRange, typename OverlayItem>
std::size_t Catalog::visit_page(const TimeWindow& window, std::size_t offset, std::size_t limit,
                                const BaseRange& base_range, const OverlayItem& overlay_item) const {
    const std::size_t lo = window.from ? base_->lower_bound(to_ms(*window.from)) : 0;
    const std::size_t hi = std::max(lo, window.to ? base_->lower_bound(to_ms(*window.to)) : base_->size());
    const auto skip_lo = std::lower_bound(shadowed_base_.begin(), shadowed_base_.end(), lo);
    const auto skip_hi = std::lower_bound(shadowed_base_.begin(), shadowed_base_.end(), hi);
    const std::size_t base_visible = (hi - lo) - static_cast<std::size_t>(skip_hi - skip_lo);
    std::size_t n = 0;
    if (offset < base_visible && limit > 0) {
        // The offset-th visible base item: every shadowed index at or before it pushes it one further.
        std::size_t p = lo + offset;
        for (auto s = skip_lo; s != skip_hi && *s <= p; ++s) {
            ++p;
        }
        n = base_range(p, hi, std::min(limit, base_visible - offset));
        limit -= n;
        offset = 0;
    } else {
        offset -= std::min(offset, base_visible);
    }
    for (const auto& [seq, item] : overlay_) {
        if (limit == 0) {
            break;
        }
        if (!in_window(window, item.last_updated)) {
            continue;
        }
        if (offset > 0) {
            --offset;
            continue;
        }
        overlay_item(item.json, n++);
        --limit;
    }
    return n;
}

void Catalog::page(const TimeWindow& window, std::size_t offset, std::size_t limit,
                   const std::function<void(std::string_view)>& emit) const {
    visit_page(
        window, offset, limit,
        [&](std::size_t first, std::size_t last, std::size_t take) {
            std::size_t n = 0;
            base_->emit_range(first, last, take, shadowed_base_, [&](std::string_view json) {
                ++n;
                emit(json);
            });
            return n;
        },
        [&](std::string_view json, std::size_t) { emit(json); });
}

std::size_t Catalog::append_page(const TimeWindow& window, std::size_t offset, std::size_t limit,
                                 std::string& out) const {
    return visit_page(
        window, offset, limit,
        [&](std::size_t first, std::size_t last, std::size_t take) {
            return base_->append_range(first, last, take, shadowed_base_, out, false);
        },
        [&](std::string_view json, std::size_t index) {
            if (index > 0) {
                out += ',';
            }
            out += json;
        });
}

std::optional<FileRange> Catalog::page_file(const TimeWindow& window, std::size_t offset, std::size_t limit) const {
    std::optional<FileRange> range;
    bool only_base = true;
    visit_page(
        window, offset, limit,
        [&](std::size_t first, std::size_t last, std::size_t take) -> std::size_t {
            range = base_->file_range(first, last, take, shadowed_base_);
            return range ? range->count : 0;
        },
        [&](std::string_view, std::size_t) { only_base = false; });
    return only_base ? range : std::nullopt;
}

std::optional<std::filesystem::path> Catalog::data_file() const {
    return base_->data_file();
}

std::optional<std::string> Catalog::find(std::string_view id) const {
    if (const auto it = overlay_seq_.find(std::string(id)); it != overlay_seq_.end()) {
        return overlay_.at(it->second).json;
    }
    if (const auto i = base_->index_of(id)) {
        return base_->read(*i);
    }
    return std::nullopt;
}

std::shared_ptr<const std::string> Catalog::find_shared(std::string_view id) const {
    if (const auto it = overlay_seq_.find(std::string(id)); it != overlay_seq_.end()) {
        return std::make_shared<const std::string>(overlay_.at(it->second).json);
    }
    if (const auto i = base_->index_of(id)) {
        return base_->read_shared(*i);
    }
    return nullptr;
}

void Catalog::upsert(CatalogItem item) {
    if (const auto it = overlay_seq_.find(item.id); it != overlay_seq_.end()) {
        overlay_.erase(it->second);
        overlay_seq_.erase(it);
    } else if (const auto i = base_->index_of(item.id)) {
        shadowed_base_.insert(std::lower_bound(shadowed_base_.begin(), shadowed_base_.end(), *i), *i);
    }
    // Keep the overlay ordered by last_updated: a clock that stepped back must not reorder pages.
    if (!overlay_.empty() && item.last_updated < overlay_.rbegin()->second.last_updated) {
        item.last_updated = overlay_.rbegin()->second.last_updated;
    }
    const std::uint64_t seq = next_seq_++;
    overlay_seq_.emplace(item.id, seq);
    overlay_.emplace(seq, std::move(item));
}

DatasetWriter::DatasetWriter(const std::filesystem::path& dir, std::string_view name) : dir_(dir), name_(name) {
    std::filesystem::create_directories(dir_);
    const auto path = dir_ / (name_ + ".jsonl");
    data_ = std::fopen(path.c_str(), "wb");
    if (data_ == nullptr) {
        throw CatalogError(path.string() + ": " + errno_text());
    }
    std::filesystem::remove(dir_ / (name_ + ".idx"));
}

DatasetWriter::~DatasetWriter() {
    if (data_ != nullptr) {
        std::fclose(data_);
    }
}

void DatasetWriter::add(std::string_view id, core::TimePoint last_updated, std::string_view json) {
    const std::int64_t ms = to_ms(last_updated);
    if (ms < last_ms_) {
        throw CatalogError("data set objects must be added in last_updated order (" + std::string(id) + ")");
    }
    if (json.find('\n') != std::string_view::npos) {
        throw CatalogError("serialised object " + std::string(id) + " contains a line break");
    }
    last_ms_ = ms;
    if (std::fwrite(json.data(), 1, json.size(), data_) != json.size() || std::fputs(",\n", data_) == EOF) {
        throw CatalogError("writing the data set failed: " + errno_text());
    }
    records_.push_back({offset_, static_cast<std::uint32_t>(json.size()), 0, ms});
    ids_.emplace_back(hash_id(id), records_.size() - 1);
    offset_ += json.size() + 2;
}

void DatasetWriter::finish() {
    if (std::fclose(data_) != 0) {
        data_ = nullptr;
        throw CatalogError("writing the data set failed: " + errno_text());
    }
    data_ = nullptr;
    std::sort(ids_.begin(), ids_.end());
    const auto tmp = dir_ / (name_ + ".idx.tmp");
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) {
        throw CatalogError(tmp.string() + ": " + errno_text());
    }
    IndexHeader header{kMagic, records_.size(), sizeof(IndexHeader),
                       sizeof(IndexHeader) + records_.size() * sizeof(IndexRecord)};
    bool ok = std::fwrite(&header, sizeof header, 1, f) == 1;
    for (const auto& r : records_) {
        const IndexRecord rec{r.offset, r.length, 0, r.last_updated_ms};
        ok = ok && std::fwrite(&rec, sizeof rec, 1, f) == 1;
    }
    for (const auto& [hash, record] : ids_) {
        const IdEntry e{hash, record};
        ok = ok && std::fwrite(&e, sizeof e, 1, f) == 1;
    }
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        throw CatalogError(tmp.string() + ": write failed");
    }
    std::filesystem::rename(tmp, dir_ / (name_ + ".idx"));
    finished_ = true;
}

}  // namespace scn::store
