#include <scn/pricing/decimal.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

namespace scn::pricing {

Decimal decimal(double value) {
    std::array<char, 64> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    (void)ec;
    return Decimal(std::string(buf.data(), end));
}

namespace {

/// Powers of ten up to the largest whose double is exact (10^22), and their inverses (exact in base-10 digits).
constexpr int kMaxPlaces = 22;

struct Powers {
    std::array<Decimal, kMaxPlaces + 1> up;
    std::array<Decimal, kMaxPlaces + 1> down;
    std::array<double, kMaxPlaces + 1> up_double{};
    Powers() {
        Decimal p = 1;
        double d = 1;
        for (int i = 0; i <= kMaxPlaces; ++i) {
            up[i] = p;
            down[i] = Decimal(1) / p;
            up_double[i] = d;
            p *= 10;
            d *= 10;
        }
    }
};

const Powers& powers() {
    static const Powers p;
    return p;
}

/// `value` × 10^places rounded half away from zero to an integer.
Decimal scaled_and_rounded(const Decimal& value, const Decimal& scale) {
    static const Decimal half("0.5");
    const Decimal scaled = value * scale;
    return scaled < 0 ? Decimal(-floor(-scaled + half)) : Decimal(floor(scaled + half));
}

}  // namespace

Decimal round_to(const Decimal& value, int places) {
    if (places < 0 || places > kMaxPlaces) {
        Decimal scale = 1;
        for (int i = 0; i < places; ++i) {
            scale *= 10;
        }
        return scaled_and_rounded(value, scale) / scale;
    }
    // Multiplying by 10^-places is exact in base-10 digits, as dividing is, and much cheaper.
    return scaled_and_rounded(value, powers().up[places]) * powers().down[places];
}

double to_double(const Decimal& value, int places) {
    if (places >= 0 && places <= kMaxPlaces) {
        // n / 10^places with both exact as doubles: one IEEE division gives the double nearest to the decimal, as
        // parsing its text would (the session totals are converted on every update: this path avoids the text).
        const Decimal n = scaled_and_rounded(value, powers().up[places]);
        constexpr double kExactInteger = 9007199254740992.0;  // 2^53
        if (abs(n) < kExactInteger) {
            return static_cast<double>(n.convert_to<std::int64_t>()) / powers().up_double[places];
        }
    }
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
