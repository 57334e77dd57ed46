// Version 3 data sets: the objects in LZ4 blocks of DatasetWriter::kObjectsPerBlock, each compressed on its own
// against a dictionary stored at the start of the data file. A page or an object costs one positional read of the
// compressed blocks it touches and their decompression; nothing but the index is mapped.

#include <scn/store/catalog.hpp>
#include <scn/store/dataset_format.hpp>

#include <algorithm>
#include <fcntl.h>
#include <lz4.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scn::store::detail {
namespace {

class CompressedBase final : public StreamBase {
public:
    CompressedBase(const std::filesystem::path& dir, std::string_view name)
        : index_(dir / (std::string(name) + ".idx")), data_path_(dir / (std::string(name) + ".lz4")) {
        data_fd_ = ::open(data_path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (data_fd_ < 0) {
            throw CatalogError(data_path_.string() + ": " + errno_text());
        }
        try {
            check(dir / (std::string(name) + ".idx"));
            open_plain_copy(dir / (std::string(name) + ".jsonl"));
        } catch (...) {
            ::close(data_fd_);
            throw;
        }
    }
    ~CompressedBase() override {
        if (plain_map_ != nullptr) {
            ::munmap(plain_map_, plain_size_);
        }
        ::close(data_fd_);
    }
    CompressedBase(const CompressedBase&) = delete;
    CompressedBase& operator=(const CompressedBase&) = delete;

    [[nodiscard]] std::vector<std::filesystem::path> data_files() const override {
        if (plain_owner_) {
            return {data_path_, plain_path_};
        }
        return {data_path_};
    }

    /// With a plain copy: pages whose bytes are all in the page cache are sent from it by the kernel (sendfile);
    /// any other page is decompressed, so that a page never waits for the disk on the event loop.
    [[nodiscard]] std::optional<FileRange> file_range(std::size_t first, std::size_t last, std::size_t limit,
                                                      const std::vector<std::size_t>& skip) const override {
        const auto stop = contiguous_stop(first, last, limit, skip);
        if (!plain_owner_ || !stop) {
            return std::nullopt;
        }
        const std::uint64_t begin = records_[first].offset;
        const std::uint64_t end = stream_end(*stop - 1);
        if (!resident(begin, end)) {
            return std::nullopt;
        }
        return FileRange{plain_owner_, *plain_owner_, begin, end - begin, *stop - first};
    }

protected:
    [[nodiscard]] std::uint64_t block_start(std::size_t b) const { return records_[b * per_block_].offset; }

    /// Writes the stream bytes of objects [first, stop) to `out`: one read of the compressed blocks they are in,
    /// blocks wholly inside decompressed in place, the two ends through a scratch buffer.
    void copy_stream(std::size_t first, std::size_t stop, char* out) const override {
        const std::uint64_t begin = records_[first].offset;
        const std::uint64_t end = stream_end(stop - 1);
        const std::size_t b0 = first / per_block_;
        const std::size_t b1 = (stop - 1) / per_block_;
        const std::uint64_t file_begin = blocks_[b0].offset;
        const std::uint64_t file_end = blocks_[b1].offset + blocks_[b1].compressed_size;
        thread_local std::string compressed;
        thread_local std::string scratch;
        compressed.resize(file_end - file_begin);
        pread_all(data_fd_, compressed.data(), compressed.size(), file_begin);
        for (std::size_t b = b0; b <= b1; ++b) {
            const auto& block = blocks_[b];
            const std::uint64_t raw_begin = block_start(b);
            const std::uint64_t from = std::max(begin, raw_begin);
            const std::uint64_t to = std::min(end, raw_begin + block.raw_size);
            const bool whole = from == raw_begin && to == raw_begin + block.raw_size;
            char* target = out + (from - begin);
            if (!whole) {
                scratch.resize(block.raw_size);
                target = scratch.data();
            }
            const int n = LZ4_decompress_safe_usingDict(
                compressed.data() + (block.offset - file_begin), target, static_cast<int>(block.compressed_size),
                static_cast<int>(block.raw_size), dictionary_.data(), static_cast<int>(dictionary_.size()));
            if (n != static_cast<int>(block.raw_size)) {
                throw CatalogError(data_path_.string() + ": block " + std::to_string(b) + " is damaged");
            }
            if (!whole) {
                std::copy_n(scratch.data() + (from - raw_begin), to - from, out + (from - begin));
            }
        }
    }

private:
    /// Whether bytes [begin, end) of the plain copy are in the page cache (mincore on a mapping never touched, so
    /// asking reads nothing from the disk and adds nothing to resident memory).
    [[nodiscard]] bool resident(std::uint64_t begin, std::uint64_t end) const {
        static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        const std::uint64_t from = begin / page * page;
        const std::uint64_t to = std::min<std::uint64_t>(plain_size_, (end + page - 1) / page * page);
        thread_local std::vector<unsigned char> pages;
        pages.resize((to - from + page - 1) / page);
        if (::mincore(static_cast<char*>(plain_map_) + from, to - from, pages.data()) != 0) {
            return false;
        }
        return std::all_of(pages.begin(), pages.end(), [](unsigned char p) { return (p & 1U) != 0; });
    }

    void open_plain_copy(const std::filesystem::path& path) {
        std::error_code ec;
        const std::uint64_t expected = count_ == 0 ? 0 : stream_end(count_ - 1) + 2;
        if (count_ == 0 || std::filesystem::file_size(path, ec) != expected || ec) {
            return;  // none, or not the copy of these objects: decompress every page
        }
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return;
        }
        void* map = ::mmap(nullptr, expected, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            ::close(fd);
            return;
        }
        plain_map_ = map;
        plain_size_ = expected;
        plain_path_ = path;
        // Responses that send ranges of the copy share the descriptor: closed when the last of them is written.
        plain_owner_ = std::shared_ptr<const int>(new int(fd), [](const int* f) {
            ::close(*f);
            delete f;
        });
    }

    void check(const std::filesystem::path& idx_path) {
        IndexHeaderV3 header{};
        if (index_.size() < sizeof header) {
            throw CatalogError(idx_path.string() + ": too short to be an index");
        }
        std::memcpy(&header, index_.data(), sizeof header);
        count_ = header.base.count;
        per_block_ = header.objects_per_block;
        const std::uint64_t block_count = header.block_count;
        if (header.base.magic != kMagicV3 || per_block_ == 0) {
            throw CatalogError(idx_path.string() + ": not an scn-tools compressed data set index");
        }
        if (header.base.records_offset != sizeof header ||
            header.base.ids_offset != header.base.records_offset + count_ * sizeof(IndexRecord) ||
            header.blocks_offset != header.base.ids_offset + count_ * sizeof(IdEntry) ||
            block_count != (count_ + per_block_ - 1) / per_block_ ||
            index_.size() != header.blocks_offset + block_count * sizeof(BlockEntry)) {
            throw CatalogError(idx_path.string() + ": index size does not match its object count");
        }
        records_ = reinterpret_cast<const IndexRecord*>(index_.data() + header.base.records_offset);
        ids_ = reinterpret_cast<const IdEntry*>(index_.data() + header.base.ids_offset);
        blocks_ = reinterpret_cast<const BlockEntry*>(index_.data() + header.blocks_offset);
        (void)check_records(idx_path, 2);
        std::uint64_t file_offset = header.dictionary_size;
        for (std::size_t b = 0; b < block_count; ++b) {
            const std::size_t last = std::min<std::size_t>(count_, (b + 1) * per_block_) - 1;
            const std::uint64_t raw = stream_end(last) + 2 - block_start(b);
            if (blocks_[b].offset != file_offset || blocks_[b].raw_size != raw) {
                throw CatalogError(idx_path.string() + ": block " + std::to_string(b) + " does not match its objects");
            }
            file_offset += blocks_[b].compressed_size;
        }
        struct stat st {};
        if (::fstat(data_fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < file_offset) {
            throw CatalogError(data_path_.string() + ": shorter than its index says (truncated?)");
        }
        dictionary_.resize(header.dictionary_size);
        pread_all(data_fd_, dictionary_.data(), dictionary_.size(), 0);
    }

    MappedIndex index_;
    std::filesystem::path data_path_;
    int data_fd_ = -1;
    std::size_t per_block_ = 1;
    const BlockEntry* blocks_ = nullptr;
    std::string dictionary_;
    // The plain copy (`<name>.jsonl`), when the data set was written in both forms.
    std::filesystem::path plain_path_;
    std::shared_ptr<const int> plain_owner_;
    void* plain_map_ = nullptr;
    std::uint64_t plain_size_ = 0;
};

}  // namespace

std::unique_ptr<Catalog::Base> open_compressed_base(const std::filesystem::path& dir, std::string_view name) {
    return std::make_unique<CompressedBase>(dir, name);
}

}  // namespace scn::store::detail
