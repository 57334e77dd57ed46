#include <scn/store/catalog.hpp>
#include <scn/store/dataset_format.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scn::store {
using namespace detail;

void detail::pread_all(int fd, char* out, std::size_t size, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < size) {
        const auto n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            throw CatalogError("reading the data set failed: " + (n < 0 ? errno_text() : "unexpected end"));
        }
        done += static_cast<std::size_t>(n);
    }
}

std::optional<std::size_t> detail::find_id(const IdEntry* ids, std::size_t count, std::string_view id,
                                           const std::function<std::string(std::size_t)>& read) {
    const std::uint64_t h = hash_id(id);
    const IdEntry* end = ids + count;
    const IdEntry* it = std::lower_bound(ids, end, h, [](const IdEntry& e, std::uint64_t v) { return e.hash < v; });
    const std::string needle = "\"id\":\"" + std::string(id) + "\"";
    for (; it != end && it->hash == h; ++it) {
        if (read(it->record).find(needle) != std::string::npos) {
            return static_cast<std::size_t>(it->record);
        }
    }
    return std::nullopt;
}

detail::MappedIndex::MappedIndex(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        throw CatalogError(path.string() + ": " + errno_text());
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || st.st_size <= 0) {
        ::close(fd_);
        throw CatalogError(path.string() + ": too short to be an index");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    map_ = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (map_ == MAP_FAILED) {
        const std::string why = errno_text();
        ::close(fd_);
        throw CatalogError(path.string() + ": cannot map: " + why);
    }
    ::madvise(map_, size_, MADV_RANDOM);
}

detail::MappedIndex::~MappedIndex() {
    ::munmap(map_, size_);
    ::close(fd_);
}

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

class FileBase final : public StreamBase {
public:
    FileBase(const std::filesystem::path& dir, std::string_view name)
        : index_(dir / (std::string(name) + ".idx")), data_path_(dir / (std::string(name) + ".jsonl")) {
        data_fd_ = ::open(data_path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (data_fd_ < 0) {
            throw CatalogError(data_path_.string() + ": " + errno_text());
        }
        // Responses that send file ranges share the descriptor: it is closed when the last of them is written.
        data_owner_ = std::shared_ptr<const int>(new int(data_fd_), [](const int* fd) {
            ::close(*fd);
            delete fd;
        });
        check(dir / (std::string(name) + ".idx"));
    }

    [[nodiscard]] std::vector<std::filesystem::path> data_files() const override { return {data_path_}; }

    [[nodiscard]] std::optional<FileRange> file_range(std::size_t first, std::size_t last, std::size_t limit,
                                                      const std::vector<std::size_t>& skip) const override {
        const auto stop = contiguous_stop(first, last, limit, skip);
        if (separator_ != 2 || !stop) {
            return std::nullopt;
        }
        const std::uint64_t begin = records_[first].offset;
        return FileRange{data_owner_, data_fd_, begin, stream_end(*stop - 1) - begin, *stop - first};
    }

protected:
    void copy_stream(std::size_t first, std::size_t stop, char* out) const override {
        const std::uint64_t begin = records_[first].offset;
        pread_all(data_fd_, out, stream_end(stop - 1) - begin, begin);
    }
    void patch_separators(std::size_t first, std::size_t stop, char* out) const override {
        // Version 1 separates objects with a line break only: make it a comma.
        const std::uint64_t begin = records_[first].offset;
        for (std::size_t i = first; i + 1 < stop; ++i) {
            out[stream_end(i) - begin] = ',';
        }
    }

private:
    void check(const std::filesystem::path& idx_path) {
        IndexHeader header{};
        if (index_.size() < sizeof header) {
            throw CatalogError(idx_path.string() + ": too short to be an index");
        }
        std::memcpy(&header, index_.data(), sizeof header);
        if (header.magic != kMagic && header.magic != kMagicV1) {
            throw CatalogError(idx_path.string() + ": not an scn-tools data set index");
        }
        separator_ = header.magic == kMagic ? 2 : 1;
        count_ = header.count;
        if (header.records_offset != sizeof(IndexHeader) ||
            header.ids_offset != header.records_offset + count_ * sizeof(IndexRecord) ||
            index_.size() != header.ids_offset + count_ * sizeof(IdEntry)) {
            throw CatalogError(idx_path.string() + ": index size does not match its object count");
        }
        records_ = reinterpret_cast<const IndexRecord*>(index_.data() + header.records_offset);
        ids_ = reinterpret_cast<const IdEntry*>(index_.data() + header.ids_offset);
        struct stat data_st {};
        ::fstat(data_fd_, &data_st);
        if (check_records(idx_path, separator_) > static_cast<std::uint64_t>(data_st.st_size)) {
            throw CatalogError(data_path_.string() + ": shorter than its index says (truncated?)");
        }
    }

    MappedIndex index_;
    std::filesystem::path data_path_;
    int data_fd_ = -1;
    std::shared_ptr<const int> data_owner_;  // closes data_fd_
    std::uint64_t separator_ = 1;            // bytes after each object: "\n" (version 1) or ",\n" (version 2)
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
    // The index's first eight bytes tell the version; a compressed data set has its own reader.
    std::array<char, 8> magic{};
    const auto idx_path = dir / (std::string(name) + ".idx");
    if (std::FILE* f = std::fopen(idx_path.c_str(), "rb")) {
        const auto n = std::fread(magic.data(), 1, magic.size(), f);
        std::fclose(f);
        if (n == magic.size() && magic == kMagicV3) {
            return Catalog(open_compressed_base(dir, name));
        }
    }
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
                                 core::Buffer& out) const {
    return visit_page(
        window, offset, limit,
        [&](std::size_t first, std::size_t last, std::size_t take) {
            return base_->append_range(first, last, take, shadowed_base_, out, false);
        },
        [&](std::string_view json, std::size_t index) {
            if (index > 0) {
                out.push_back(',');
            }
            out.append(json);
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

std::vector<std::filesystem::path> Catalog::data_files() const {
    return base_->data_files();
}

std::optional<std::string> Catalog::find(std::string_view id) const {
    if (auto shared = find_shared(id)) {
        return *shared;
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

}  // namespace scn::store
