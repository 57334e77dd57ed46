#include <scn/pricing/decimal.hpp>

#include <array>
#include <charconv>

namespace scn::pricing {

Decimal decimal(double value) {
    std::array<char, 64> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    (void)ec;
    return Decimal(std::string(buf.data(), end));
}

Decimal round_to(const Decimal& value, int places) {
    Decimal scale = 1;
    for (int i = 0; i < places; ++i) {
        scale *= 10;
    }
    const Decimal scaled = value * scale;
    const Decimal rounded = scaled < 0 ? -floor(-scaled + Decimal("0.5")) : floor(scaled + Decimal("0.5"));
    return rounded / scale;
}

double to_double(const Decimal& value, int places) {
    return std::stod(round_to(value, places).str(40, std::ios_base::fixed));
}

std::string to_text(const Decimal& value, int places) {
    std::string s = round_to(value, places).str(places, std::ios_base::fixed);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') {
            s.pop_back();
        }
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s == "-0" ? "0" : s;
}

std::string decimal_text(double value, int places) {
    return to_text(decimal(value), places);
}

}  // namespace scn::pricing
