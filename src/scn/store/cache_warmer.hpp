#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace scn::store {

/// Reads large files into the operating system's page cache on a thread of its own (plain reads of 1 MB, into one
/// reused buffer), so that requests served from them later do not wait for the disk. Files are read one after the
/// other, each only when it fits in the memory the system then reports available with `margin_bytes` to spare;
/// `report` receives one line when a file starts or is declined, and one when it is done. Destroying the warmer
/// stops the reading within one step.
class CacheWarmer {
public:
    static constexpr std::uint64_t kDefaultMargin = 2ULL << 30;

    CacheWarmer(std::vector<std::filesystem::path> files, std::function<void(const std::string&)> report,
                std::uint64_t margin_bytes = kDefaultMargin);
    CacheWarmer(std::filesystem::path file, std::function<void(const std::string&)> report,
                std::uint64_t margin_bytes = kDefaultMargin)
        : CacheWarmer(std::vector<std::filesystem::path>{std::move(file)}, std::move(report), margin_bytes) {}
    ~CacheWarmer();
    CacheWarmer(const CacheWarmer&) = delete;
    CacheWarmer& operator=(const CacheWarmer&) = delete;

    /// Blocks until the reading is over (tests); true if every file was read whole.
    bool wait();

private:
    bool completed_ = false;  // written by the thread, read after joining it
    std::jthread thread_;     // last: stopped and joined before the rest goes away
};

/// MemAvailable from /proc/meminfo in bytes, if the system reports it.
[[nodiscard]] std::optional<std::uint64_t> available_memory();

/// "17.9 GB", "347 MB": sizes in log lines.
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);

}  // namespace scn::store
