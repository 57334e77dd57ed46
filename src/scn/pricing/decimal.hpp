#pragma once

// Exact decimal arithmetic for money and volumes: prices such as 0.30 stay 0.30 (no binary rounding on the way).

#include <boost/multiprecision/cpp_dec_float.hpp>

#include <string>

namespace scn::pricing {

using Decimal = boost::multiprecision::cpp_dec_float_50;

/// The decimal a double was written as: its shortest round-trip text (0.3 → 0.3 exactly).
[[nodiscard]] Decimal decimal(double value);
/// Rounded half away from zero to `places` decimals.
[[nodiscard]] Decimal round_to(const Decimal& value, int places = 4);
/// Rounded to 4 decimals, as a double for the JSON model.
[[nodiscard]] double to_double(const Decimal& value, int places = 4);
/// `4.7`, `1.184`, `1.0167`, `2`: at most `places` decimals, trailing zeros dropped.
[[nodiscard]] std::string to_text(const Decimal& value, int places = 4);
/// The same for a double.
[[nodiscard]] std::string decimal_text(double value, int places = 4);

}  // namespace scn::pricing
