#include <scn/pricing/decimal.hpp>

#include <gtest/gtest.h>

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
