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

CacheWarmer::CacheWarmer(std::filesystem::path file, std::function<void(const std::string&)> report,
                         std::uint64_t margin_bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) {
        report("Not reading " + file.filename().string() + " ahead: " + ec.message());
        return;
    }
    const auto available = available_memory();
    if (!available || *available < size + margin_bytes) {
        report("Not reading " + file.filename().string() + " (" + human_bytes(size) + ") into memory ahead: " +
               (available ? human_bytes(*available) + " available" : std::string("available memory unknown")) +
               "; pages are read from disk when asked for");
        return;
    }
    report("Reading " + file.filename().string() + " (" + human_bytes(size) +
           ") into the page cache in the background; requests are served meanwhile");
    thread_ = std::jthread([this, file = std::move(file), size, report = std::move(report)](std::stop_token stop) {
        const auto started = std::chrono::steady_clock::now();
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            report("Reading " + file.filename().string() + " ahead failed: cannot open it");
            return;
        }
        // Plain reads: readahead(2) only starts reads and may do less than asked, so it cannot tell when the data
        // is in memory. One megabyte at a time keeps a stop request waiting for at most one read.
        (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        constexpr std::size_t kStep = 1U << 20;
        std::vector<char> chunk(kStep);
        std::uint64_t offset = 0;
        while (offset < size && !stop.stop_requested()) {
            const auto n = ::pread(fd, chunk.data(), kStep, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            offset += static_cast<std::uint64_t>(n);
        }
        ::close(fd);
        if (offset >= size) {
            completed_ = true;
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
            std::array<char, 32> secs{};
            std::snprintf(secs.data(), secs.size(), "%.1f", took.count());
            report(file.filename().string() + " is in memory (" + human_bytes(size) + " read in " + secs.data() +
                   " s)");
        }
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
