#pragma once

#include <chrono>

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

/// The process-wide system clock, for code that has no clock injected.
inline const Clock& system_clock() {
    static const SystemClock clock;
    return clock;
}

}  // namespace scn::core
