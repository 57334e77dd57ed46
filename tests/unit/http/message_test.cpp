#include <scn/http/message.hpp>

#include <gtest/gtest.h>

using namespace scn::http;

TEST(Headers, NamesAreCaseInsensitive) {
    Headers h;
    h.add("SCPI-From-Country-Code", "CH");
    EXPECT_EQ(h.get("scpi-from-country-code"), "CH");
    EXPECT_EQ(h.get("SCPI-FROM-COUNTRY-CODE"), "CH");
    h.set("scpi-from-country-code", "DE");
    EXPECT_EQ(h.size(), 1u);
    EXPECT_EQ(h.get("SCPI-From-Country-Code"), "DE");
    h.remove("SCPI-FROM-country-code");
    EXPECT_FALSE(h.get("SCPI-From-Country-Code"));
}

TEST(Headers, KeepArrivalOrderRepeatsAndEmptyValues) {
    Headers h;
    std::vector<std::pair<std::string, std::string>> expected;
    for (int i = 0; i < 40; ++i) {
        const std::string name = i % 3 == 0 ? "X-Repeated" : "X-Field-" + std::to_string(i);
        const std::string value = i % 5 == 0 ? "" : std::string(static_cast<std::size_t>(i), 'v');
        h.add(name, value);
        expected.emplace_back(name, value);
    }
    ASSERT_EQ(h.size(), expected.size());
    std::size_t i = 0;
    for (const auto& [name, value] : h) {
        EXPECT_EQ(name, expected[i].first) << i;
        EXPECT_EQ(value, expected[i].second) << i;
        ++i;
    }
    EXPECT_EQ(i, expected.size());
    EXPECT_EQ(h.get("x-repeated"), "") << "the first of repeated fields";
    EXPECT_EQ(h.get("X-FIELD-38"), std::string(38, 'v'));
    EXPECT_FALSE(h.get("X-Field-3")) << "a prefix of another name is not that name";

    h.set("X-Repeated", "one");
    EXPECT_EQ(h.size(), expected.size() - 13) << "fourteen repeated fields became one";
    EXPECT_EQ(h.get("X-Repeated"), "one");
    EXPECT_EQ(h.get("X-Field-1"), "v") << "fields around the removed ones keep their values";

    Headers moved = std::move(h);
    EXPECT_EQ(moved.get("X-Field-37"), std::string(37, 'v'));
    Headers copy = moved;
    moved.add("X-Late", "after the copy");
    EXPECT_FALSE(copy.get("X-Late"));
    EXPECT_EQ(copy.get("x-field-2"), "vv");
}

TEST(Request, QueryParametersArePercentDecoded) {
    Request r;
    r.query = "date_from=2019-01-01T00%3A00%3A00Z&limit=10&empty=&flag&x=a%20b";
    EXPECT_EQ(r.query_param("date_from"), "2019-01-01T00:00:00Z");
    EXPECT_EQ(r.query_param("limit"), "10");
    EXPECT_EQ(r.query_param("empty"), "");
    EXPECT_EQ(r.query_param("flag"), "");
    EXPECT_EQ(r.query_param("x"), "a b");
    EXPECT_FALSE(r.query_param("offset"));
    EXPECT_EQ(r.query_params().size(), 5u);
}

TEST(PercentCoding, RoundTripsAndRejectsBadEscapes) {
    EXPECT_EQ(percent_encode("2019-01-01T00:00:00Z"), "2019-01-01T00%3A00%3A00Z");
    EXPECT_EQ(percent_decode(percent_encode("a b/c?d&e=f")), "a b/c?d&e=f");
    EXPECT_FALSE(percent_decode("%"));
    EXPECT_FALSE(percent_decode("%4"));
    EXPECT_FALSE(percent_decode("%zz"));
}

TEST(Method, NamesRoundTrip) {
    for (const auto m :
         {Method::get, Method::post, Method::put, Method::patch, Method::del, Method::head, Method::options}) {
        EXPECT_EQ(method_from_string(to_string(m)), m);
    }
    EXPECT_EQ(method_from_string("BREW"), Method::other);
    EXPECT_EQ(method_from_string("get"), Method::other) << "methods are case-sensitive";
}
