#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace scn::core {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// Source of wall-clock time. Everything that stamps `last_updated`, checks an expiry or prices a session asks a
/// Clock, so tests can pin time with ManualClock.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }
};

/// A clock that only moves when told to.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start) : now_(start) {}
    [[nodiscard]] TimePoint now() const override { return now_; }
    void set(TimePoint t) { now_ = t; }
    void advance(std::chrono::milliseconds d) { now_ += d; }

private:
    TimePoint now_;
};

/// Real time moved on by an offset that only grows: the mock parties' clock, which a test advances through the
/// control API (two hours of charging in two seconds). Safe to read from any thread.
class VirtualClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + offset();
    }
    void advance(std::chrono::milliseconds d) { offset_ms_ += d.count(); }
    [[nodiscard]] std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }

private:
    std::atomic<std::int64_t> offset_ms_{0};
};

/// The process-wide system clock, for code that has no clock injected.
inline const Clock& system_clock() {
    static const SystemClock clock;
    return clock;
}

}  // namespace scn::core
