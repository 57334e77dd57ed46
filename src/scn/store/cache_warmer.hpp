#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace scn::store {

/// Reads a large file into the operating system's page cache on a thread of its own (readahead(2) in 16 MB steps,
/// nothing copied into the process), so that requests served from it later do not wait for the disk. It only starts
/// when the file fits in the memory the system reports available with `margin_bytes` to spare; `report` receives one
/// line when it starts or declines, and one when it is done. Destroying it stops the reading within one step.
class CacheWarmer {
public:
    static constexpr std::uint64_t kDefaultMargin = 2ULL << 30;

    CacheWarmer(std::filesystem::path file, std::function<void(const std::string&)> report,
                std::uint64_t margin_bytes = kDefaultMargin);
    ~CacheWarmer();
    CacheWarmer(const CacheWarmer&) = delete;
    CacheWarmer& operator=(const CacheWarmer&) = delete;

    /// Blocks until the reading is over (tests); true if the whole file was read.
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
