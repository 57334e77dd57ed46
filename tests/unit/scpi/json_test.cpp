#include <scn/scpi/json.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace scn::scpi;
namespace json = boost::json;

TEST(Serialize, WritesNumbersAsPlainDecimals) {
    EXPECT_EQ(dump(json::value(0.25)), "0.25");
    EXPECT_EQ(dump(json::value(7.7)), "7.7");
    EXPECT_EQ(dump(json::value(1.0)), "1");
    EXPECT_EQ(dump(json::value(12345678.9)), "12345678.9");
    EXPECT_EQ(dump(json::value(0.0006)), "0.0006");
    EXPECT_EQ(dump(json::value(-3.7695)), "-3.7695");
    EXPECT_EQ(dump(json::value(std::int64_t{-42})), "-42");
    EXPECT_EQ(dump(json::value(std::uint64_t{18446744073709551615ULL})), "18446744073709551615");
}

TEST(Serialize, EscapesStringsAndKeepsMemberOrder) {
    json::object o;
    o["b"] = "line\nbreak \"quoted\" back\\slash \x01";
    o["a"] = json::array{true, false, nullptr};
    EXPECT_EQ(dump(o), R"({"b":"line\nbreak \"quoted\" back\\slash \u0001","a":[true,false,null]})");
    EXPECT_EQ(dump(json::value("Zürich")), "\"Zürich\"") << "UTF-8 passes through";
}

TEST(Serialize, OutputParsesBackToTheSameValue) {
    const auto v = parse_json(R"({"x":[1,2.5,-0.125,"s",{"n":null}],"y":{"z":1e-7}})");
    EXPECT_EQ(parse_json(dump(v)), v);
}
