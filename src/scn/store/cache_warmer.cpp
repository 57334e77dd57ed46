#include <scn/store/cache_warmer.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace scn::store {

std::optional<std::uint64_t> available_memory() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("MemAvailable:")) {
            std::istringstream fields(line.substr(13));
            std::uint64_t kb = 0;
            if (fields >> kb) {
                return kb * 1024;
            }
        }
    }
    return std::nullopt;
}

std::string human_bytes(std::uint64_t bytes) {
    std::array<char, 32> buf{};
    if (bytes >= 1'000'000'000ULL) {
        std::snprintf(buf.data(), buf.size(), "%.1f GB", static_cast<double>(bytes) / 1e9);
    } else if (bytes >= 1'000'000ULL) {
        std::snprintf(buf.data(), buf.size(), "%.0f MB", static_cast<double>(bytes) / 1e6);
    } else {
        std::snprintf(buf.data(), buf.size(), "%llu bytes", static_cast<unsigned long long>(bytes));
    }
    return buf.data();
}

namespace {

/// Whether `file` (of `size` bytes) fits in available memory with `margin` to spare; reports it when it does not.
bool fits(const std::filesystem::path& file, std::uint64_t size, std::uint64_t margin,
          const std::function<void(const std::string&)>& report) {
    const auto available = available_memory();
    if (available && *available >= size + margin) {
        return true;
    }
    report("Not reading " + file.filename().string() + " (" + human_bytes(size) + ") into memory ahead: " +
           (available ? human_bytes(*available) + " available" : std::string("available memory unknown")) +
           "; pages are read from disk when asked for");
    return false;
}

/// Reads the file through once; true if it was read to its end.
bool read_through(const std::filesystem::path& file, std::uint64_t size, const std::stop_token& stop,
                  std::vector<char>& chunk, const std::function<void(const std::string&)>& report) {
    const auto started = std::chrono::steady_clock::now();
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report("Reading " + file.filename().string() + " ahead failed: cannot open it");
        return false;
    }
    // Plain reads: readahead(2) only starts reads and may do less than asked, so it cannot tell when the data is in
    // memory. One megabyte at a time keeps a stop request waiting for at most one read.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::uint64_t offset = 0;
    while (offset < size && !stop.stop_requested()) {
        const auto n = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        offset += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (offset < size) {
        return false;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::array<char, 32> secs{};
    std::snprintf(secs.data(), secs.size(), "%.1f", took.count());
    report(file.filename().string() + " is in memory (" + human_bytes(size) + " read in " + secs.data() + " s)");
    return true;
}

}  // namespace

CacheWarmer::CacheWarmer(std::vector<std::filesystem::path> files, std::function<void(const std::string&)> report,
                         std::uint64_t margin_bytes) {
    std::vector<std::pair<std::filesystem::path, std::uint64_t>> sized;
    for (auto& file : files) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(file, ec);
        if (ec) {
            report("Not reading " + file.filename().string() + " ahead: " + ec.message());
            return;
        }
        sized.emplace_back(std::move(file), size);
    }
    if (sized.empty() || !fits(sized.front().first, sized.front().second, margin_bytes, report)) {
        return;
    }
    report("Reading " + sized.front().first.filename().string() + " (" + human_bytes(sized.front().second) +
           ") into the page cache in the background; requests are served meanwhile");
    thread_ =
        std::jthread([this, sized = std::move(sized), margin_bytes, report = std::move(report)](std::stop_token stop) {
            std::vector<char> chunk(1U << 20);
            for (std::size_t i = 0; i < sized.size(); ++i) {
                const auto& [file, size] = sized[i];
                if (i > 0) {
                    if (!fits(file, size, margin_bytes, report)) {
                        return;
                    }
                    report("Reading " + file.filename().string() + " (" + human_bytes(size) +
                           ") into the page cache in the background");
                }
                if (!read_through(file, size, stop, chunk, report)) {
                    return;
                }
            }
            completed_ = true;
        });
}

CacheWarmer::~CacheWarmer() = default;  // std::jthread asks the thread to stop and joins it

bool CacheWarmer::wait() {
    if (thread_.joinable()) {
        thread_.join();
    }
    return completed_;
}

}  // namespace scn::store
