#include <scn/pricing/time_zone.hpp>

#include <date/tz.h>

namespace scn::pricing {
namespace {

const date::time_zone* zone_of(const void* z) {
    return static_cast<const date::time_zone*>(z);
}

}  // namespace

TimeZone::TimeZone(const std::string& name) : name_(name.empty() ? "UTC" : name) {
    try {
        zone_ = date::locate_zone(name_);
    } catch (const std::exception&) {
        zone_ = nullptr;
        name_ = "UTC";
    }
}

LocalTime TimeZone::local(TimePoint t) const {
    std::chrono::sys_seconds s = std::chrono::floor<std::chrono::seconds>(t);
    std::chrono::seconds since_epoch = s.time_since_epoch();
    if (zone_ != nullptr) {
        const auto info = zone_of(zone_)->get_info(date::sys_seconds(s.time_since_epoch()));
        since_epoch += info.offset;
    }
    const auto days = std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(since_epoch));
    const auto minute = std::chrono::duration_cast<std::chrono::minutes>(std::chrono::sys_seconds(since_epoch) - days);
    return {std::chrono::year_month_day(days), std::chrono::weekday(days), static_cast<int>(minute.count())};
}

TimePoint TimeZone::instant(std::chrono::year_month_day date, int minute_of_day) const {
    const auto local_seconds = std::chrono::sys_days(date).time_since_epoch() + std::chrono::minutes(minute_of_day);
    if (zone_ == nullptr) {
        return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(local_seconds));
    }
    const date::local_seconds lt(std::chrono::duration_cast<std::chrono::seconds>(local_seconds));
    // `first` is the earlier reading of a repeated hour, and the offset before a skipped one (which lands just
    // after the gap).
    const auto info = zone_of(zone_)->get_info(lt);
    const std::chrono::seconds utc = lt.time_since_epoch() - info.first.offset;
    return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(utc));
}

}  // namespace scn::pricing
