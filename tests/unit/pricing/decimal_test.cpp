#include <scn/pricing/decimal.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace scn::pricing;

TEST(Decimal, DoublesAreTakenAsTheDecimalsTheyWereWrittenAs) {
    EXPECT_EQ(decimal(0.3) * 3, Decimal("0.9")) << "binary 0.3 * 3 is 0.8999…";
    EXPECT_EQ(decimal(0.1) + decimal(0.2), Decimal("0.3"));
    EXPECT_EQ(decimal(6.5) * decimal(0.30), Decimal("1.95"));
}

TEST(Decimal, RoundsHalfAwayFromZeroToFourPlaces) {
    EXPECT_EQ(to_text(Decimal("1.01665")), "1.0167");
    EXPECT_EQ(to_text(Decimal("1.01664")), "1.0166");
    EXPECT_EQ(to_text(Decimal("-0.00004")), "0");
    EXPECT_EQ(to_text(Decimal("4.70")), "4.7");
    EXPECT_EQ(to_text(Decimal("2")), "2");
    EXPECT_EQ(to_double(Decimal("1.18400001")), 1.184);
    EXPECT_EQ(decimal_text(12.5), "12.5");
    EXPECT_EQ(decimal_text(3.76949), "3.7695");
}

TEST(Decimal, ADoubleIsTheOneItsRoundedTextReadsAs) {
    // to_double divides integers instead of reading text: the same double, sign and halves included.
    const auto via_text = [](const Decimal& d, int places) {
        return std::stod(round_to(d, places).str(40, std::ios_base::fixed));
    };
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> digits(-99'999'999'999, 99'999'999'999);
    std::uniform_int_distribution<int> scale(0, 9);
    for (int i = 0; i < 5000; ++i) {
        const auto n = digits(rng);
        const int s = scale(rng);
        std::string text = std::to_string(n < 0 ? -n : n);
        if (s > 0) {
            text.insert(0, static_cast<std::size_t>(std::max(0, s + 1 - static_cast<int>(text.size()))), '0');
            text.insert(text.size() - static_cast<std::size_t>(s), ".");
        }
        const Decimal d((n < 0 ? "-" : "") + text);
        for (const int places : {0, 2, 4, 6}) {
            EXPECT_EQ(to_double(d, places), via_text(d, places)) << text << " to " << places;
        }
    }
    EXPECT_EQ(to_double(Decimal("0.00005")), 0.0001) << "a half goes away from zero";
    EXPECT_EQ(to_double(Decimal("-0.00005")), -0.0001);
    EXPECT_EQ(to_double(Decimal("12345678901234567890.123456")), 12345678901234567890.1235) << "beyond 2^53: by text";
    EXPECT_EQ(round_to(Decimal("2.71828"), 3), Decimal("2.718"));
    EXPECT_EQ(round_to(Decimal("-2.7185"), 3), Decimal("-2.719"));
}
