#include <scn/core/datetime.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

namespace scn::core {
namespace {

bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<TimePoint> parse_datetime(std::string_view s) {
    using namespace std::chrono;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !read_digits(s, 5, 2, month) || s[7] != '-' ||
        !read_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !read_digits(s, 11, 2, hour) || s[13] != ':' ||
        !read_digits(s, 14, 2, minute) || s[16] != ':' || !read_digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                             std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    milliseconds fraction{0};
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        int ms = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start < 3) {
                ms = ms * 10 + (s[pos] - '0');
            }
            ++pos;
        }
        const std::size_t digits = pos - start;
        if (digits == 0) {
            return std::nullopt;
        }
        for (std::size_t i = digits; i < 3; ++i) {
            ms *= 10;
        }
        fraction = milliseconds{ms};
    }
    minutes offset{0};
    if (pos < s.size()) {
        if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
            pos = s.size();
        } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
            int oh = 0, om = 0;
            if (!read_digits(s, pos + 1, 2, oh) || !read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
                return std::nullopt;
            }
            offset = hours{oh} + minutes{om};
            if (s[pos] == '-') {
                offset = -offset;
            }
        } else {
            return std::nullopt;
        }
    }
    const auto t = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} + fraction - offset;
    return time_point_cast<milliseconds>(t);
}

std::optional<TimePoint> parse_utc_datetime(std::string_view s) {
    // The date's own '-' are within the first 19 characters; a sign after them starts an offset.
    if (s.size() > 19 && s.find_first_of("+-", 19) != std::string_view::npos) {
        return std::nullopt;
    }
    return parse_datetime(s);
}

std::string format_datetime(TimePoint t) {
    using namespace std::chrono;
    const auto days = floor<std::chrono::days>(t);
    const year_month_day ymd{days};
    const hh_mm_ss hms{t - days};
    // Digits written directly: every SCPI answer carries a timestamp, and snprintf costs more than the rest of it.
    std::string out = "0000-00-00T00:00:00.000Z";
    const auto put = [&out](std::size_t pos, std::size_t width, long long value) {
        for (std::size_t i = 0; i < width; ++i) {
            out[pos + width - 1 - i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        std::array<char, 48> buf{};
        const int n =
            std::snprintf(buf.data(), buf.size(), "%d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                          static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
        return std::string(buf.data(), static_cast<std::size_t>(n));
    }
    put(0, 4, year);
    put(5, 2, static_cast<unsigned>(ymd.month()));
    put(8, 2, static_cast<unsigned>(ymd.day()));
    put(11, 2, hms.hours().count());
    put(14, 2, hms.minutes().count());
    put(17, 2, hms.seconds().count());
    put(20, 3, hms.subseconds().count());
    return out;
}

std::string format_millis(std::chrono::nanoseconds d, int decimals) {
    decimals = std::clamp(decimals, 0, 6);
    std::int64_t unit = 1'000'000;  // nanoseconds per last printed digit
    for (int i = 0; i < decimals; ++i) {
        unit /= 10;
    }
    const std::int64_t ns = d.count();
    const bool negative = ns < 0;
    const auto magnitude = static_cast<std::uint64_t>(negative ? -ns : ns);
    const std::uint64_t scaled = (magnitude + static_cast<std::uint64_t>(unit) / 2) / static_cast<std::uint64_t>(unit);
    std::uint64_t divisor = 1;
    for (int i = 0; i < decimals; ++i) {
        divisor *= 10;
    }
    std::string out = negative ? "-" : "";
    out += std::to_string(scaled / divisor);
    if (decimals > 0) {
        std::string fraction = std::to_string(scaled % divisor);
        out += '.';
        out.append(static_cast<std::size_t>(decimals) - fraction.size(), '0');
        out += fraction;
    }
    return out;
}

}  // namespace scn::core
