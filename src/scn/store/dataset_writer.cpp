#include <scn/store/catalog.hpp>
#include <scn/store/dataset_format.hpp>

#include <algorithm>
#include <lz4.h>

namespace scn::store {
using namespace detail;

namespace {

constexpr std::size_t kDictionaryBytes = 64 * 1024;  // LZ4 looks back at most 64 KB

}  // namespace

namespace {

std::FILE* create(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        throw CatalogError(path.string() + ": " + errno_text());
    }
    return f;
}

}  // namespace

DatasetWriter::DatasetWriter(const std::filesystem::path& dir, std::string_view name, Format format)
    : dir_(dir), name_(name), format_(format) {
    std::filesystem::create_directories(dir_);
    // The index first: until finish() writes a new one, the directory holds no readable data set.
    for (const char* ext : {".idx", ".lz4", ".jsonl"}) {
        std::filesystem::remove(dir_ / (name_ + ext));
    }
    if (compressed()) {
        lz4_file_ = create(dir_ / (name_ + ".lz4"));
        lz4_ =
            std::shared_ptr<void>(LZ4_createStream(), [](void* s) { LZ4_freeStream(static_cast<LZ4_stream_t*>(s)); });
        if (!lz4_) {
            throw CatalogError("cannot set up LZ4 compression");
        }
    }
    if (plain()) {
        plain_file_ = create(dir_ / (name_ + ".jsonl"));
    }
}

DatasetWriter::~DatasetWriter() {
    for (std::FILE* f : {lz4_file_, plain_file_}) {
        if (f != nullptr) {
            std::fclose(f);
        }
    }
}

void DatasetWriter::write(std::FILE* file, const void* bytes, std::size_t size) {
    if (std::fwrite(bytes, 1, size, file) != size) {
        throw CatalogError("writing the data set failed: " + errno_text());
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
    if (plain()) {
        write(plain_file_, json.data(), json.size());
        write(plain_file_, ",\n", 2);
    }
    if (compressed()) {
        block_.append(json).append(",\n");
    }
    records_.push_back({offset_, static_cast<std::uint32_t>(json.size()), 0, ms});
    ids_.emplace_back(hash_id(id), records_.size() - 1);
    offset_ += json.size() + 2;
    if (compressed() && records_.size() % kObjectsPerBlock == 0) {
        end_block();
    }
}

void DatasetWriter::end_block() {
    if (block_.empty()) {
        return;
    }
    if (has_dictionary_) {
        compress(block_);
    } else {
        // The dictionary is the first 64 KB of objects: keep blocks until that much has arrived.
        pending_bytes_ += block_.size();
        pending_.push_back(std::move(block_));
        if (pending_bytes_ >= kDictionaryBytes) {
            set_dictionary();
        }
    }
    block_.clear();
}

void DatasetWriter::set_dictionary() {
    for (const auto& b : pending_) {
        dictionary_.append(b, 0, std::min(b.size(), kDictionaryBytes - dictionary_.size()));
        if (dictionary_.size() == kDictionaryBytes) {
            break;
        }
    }
    has_dictionary_ = true;
    write(lz4_file_, dictionary_.data(), dictionary_.size());
    file_offset_ += dictionary_.size();
    for (const auto& b : pending_) {
        compress(b);
    }
    pending_.clear();
}

void DatasetWriter::compress(const std::string& raw) {
    // Every block on its own against the dictionary: a reader decompresses only the blocks a page touches.
    auto* stream = static_cast<LZ4_stream_t*>(lz4_.get());
    LZ4_resetStream_fast(stream);
    LZ4_loadDict(stream, dictionary_.data(), static_cast<int>(dictionary_.size()));
    compressed_.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
    const int n = LZ4_compress_fast_continue(stream, raw.data(), compressed_.data(), static_cast<int>(raw.size()),
                                             static_cast<int>(compressed_.size()), 1);
    if (n <= 0) {
        throw CatalogError("LZ4 compression of a data set block failed");
    }
    blocks_.push_back({file_offset_, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(raw.size())});
    write(lz4_file_, compressed_.data(), static_cast<std::size_t>(n));
    file_offset_ += static_cast<std::uint64_t>(n);
}

void DatasetWriter::finish() {
    if (compressed()) {
        end_block();
        if (!has_dictionary_) {
            set_dictionary();  // a small data set: all of it is the dictionary
        }
    }
    for (std::FILE** f : {&lz4_file_, &plain_file_}) {
        if (*f != nullptr) {
            const bool closed = std::fclose(*f) == 0;
            *f = nullptr;
            if (!closed) {
                throw CatalogError("writing the data set failed: " + errno_text());
            }
        }
    }
    std::sort(ids_.begin(), ids_.end());
    const auto tmp = dir_ / (name_ + ".idx.tmp");
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) {
        throw CatalogError(tmp.string() + ": " + errno_text());
    }
    const std::uint64_t records_offset = compressed() ? sizeof(IndexHeaderV3) : sizeof(IndexHeader);
    const std::uint64_t ids_offset = records_offset + records_.size() * sizeof(IndexRecord);
    const std::uint64_t blocks_offset = ids_offset + ids_.size() * sizeof(IdEntry);
    bool ok = true;
    if (compressed()) {
        const IndexHeaderV3 header{{kMagicV3, records_.size(), records_offset, ids_offset},
                                   blocks_offset,
                                   blocks_.size(),
                                   kObjectsPerBlock,
                                   static_cast<std::uint32_t>(dictionary_.size()),
                                   0};
        ok = std::fwrite(&header, sizeof header, 1, f) == 1;
    } else {
        const IndexHeader header{kMagic, records_.size(), records_offset, ids_offset};
        ok = std::fwrite(&header, sizeof header, 1, f) == 1;
    }
    for (const auto& r : records_) {
        const IndexRecord rec{r.offset, r.length, 0, r.last_updated_ms};
        ok = ok && std::fwrite(&rec, sizeof rec, 1, f) == 1;
    }
    for (const auto& [hash, record] : ids_) {
        const IdEntry e{hash, record};
        ok = ok && std::fwrite(&e, sizeof e, 1, f) == 1;
    }
    for (const auto& b : blocks_) {
        const BlockEntry e{b.offset, b.compressed_size, b.raw_size};
        ok = ok && std::fwrite(&e, sizeof e, 1, f) == 1;
    }
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        throw CatalogError(tmp.string() + ": write failed");
    }
    std::filesystem::rename(tmp, dir_ / (name_ + ".idx"));
}

}  // namespace scn::store
