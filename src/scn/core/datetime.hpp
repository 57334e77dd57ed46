#pragma once

#include <scn/core/clock.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scn::core {

/// Parses an SCPI DateTime (RFC 3339, UTC). Accepts `2015-06-29T20:39:09Z`, a missing `Z`, fractional seconds of any
/// length (kept to milliseconds) and, as a tolerant reader, a numeric offset such as `+01:00`, which is converted to
/// UTC. Returns nullopt for anything else.
[[nodiscard]] std::optional<TimePoint> parse_datetime(std::string_view text);

/// Parses an SCPI DateTime strictly: as parse_datetime, but a numeric offset (`+02:00`, even `+00:00`) is refused,
/// since OCPI 2.2 §16.2 allows UTC only. For query parameters, where a request can be refused without harm.
[[nodiscard]] std::optional<TimePoint> parse_utc_datetime(std::string_view text);

/// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form SCPI peers expect.
[[nodiscard]] std::string format_datetime(TimePoint t);

/// A duration in milliseconds with `decimals` (0–6) digits after the point, rounded half up: `2.071` for 2,070,500 ns
/// with three. For log lines; integer arithmetic only.
[[nodiscard]] std::string format_millis(std::chrono::nanoseconds d, int decimals);

}  // namespace scn::core
