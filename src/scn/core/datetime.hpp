#pragma once

#include <scn/core/clock.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace scn::core {

/// Parses an SCPI DateTime (RFC 3339, UTC). Accepts `2015-06-29T20:39:09Z`, a missing `Z`, fractional seconds of any
/// length (kept to milliseconds) and, as a tolerant reader, a numeric offset such as `+01:00`, which is converted to
/// UTC. Returns nullopt for anything else.
[[nodiscard]] std::optional<TimePoint> parse_datetime(std::string_view text);

/// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form SCPI peers expect.
[[nodiscard]] std::string format_datetime(TimePoint t);

}  // namespace scn::core
