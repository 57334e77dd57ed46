#pragma once

#include <scn/core/clock.hpp>

#include <chrono>
#include <string>

namespace scn::pricing {

using core::TimePoint;

/// A moment as a Location's local clock shows it.
struct LocalTime {
    std::chrono::year_month_day date;
    std::chrono::weekday weekday;
    int minute_of_day = 0;  ///< 0 … 1439
};

/// An IANA time zone (`Europe/Zurich`) read from the system's zoneinfo. An empty or unknown name is UTC, so a
/// location without `time_zone` still prices (its restrictions then read in UTC).
class TimeZone {
public:
    explicit TimeZone(const std::string& name);
    [[nodiscard]] LocalTime local(TimePoint t) const;
    /// The instant the local clock shows `date` at `minute_of_day` (the earlier one when a DST change repeats it,
    /// the moment after the gap when it skips it).
    [[nodiscard]] TimePoint instant(std::chrono::year_month_day date, int minute_of_day) const;
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    const void* zone_ = nullptr;  ///< date::time_zone, kept out of this header
    std::string name_;
};

}  // namespace scn::pricing
