#include <scn/node/envelope_scan.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

using scn::node::EnvelopeScan;
using scn::node::scan_envelope;
namespace json = boost::json;

namespace {

// What Boost.JSON's parser says about the same bytes: the reference the scanner must agree with.
EnvelopeScan reference(std::string_view text) {
    json::parse_options options;
    options.max_depth = 1000;
    boost::system::error_code ec;
    const auto v = json::parse(text, ec, {}, options);
    if (ec || !v.is_object()) {
        return {};
    }
    EnvelopeScan out{true, std::nullopt};
    if (const auto* s = v.get_object().if_contains("status_code")) {
        if (s->is_int64()) {
            out.status_code = s->get_int64();
        } else if (s->is_uint64() && s->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
            out.status_code = static_cast<std::int64_t>(s->get_uint64());
        }
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string envelope_of(const std::string& data) {
    return R"({"data":)" + data +
           R"(,"status_code":1000,"status_message":"Success","timestamp":"2026-11-24T10:00:00Z"})";
}

}  // namespace

TEST(EnvelopeScan, ReadsTheTopLevelStatusOfAnEnvelope) {
    const auto scan = scan_envelope(R"({"data":{"status_code":2001},"status_code":1000,"timestamp":"x"})");
    EXPECT_TRUE(scan.json_object);
    EXPECT_EQ(scan.status_code, 1000);
    EXPECT_EQ(scan_envelope(" {\"status_code\" : 2003 } \n").status_code, 2003);
    EXPECT_EQ(scan_envelope(R"({"status\u005fcode":3000})").status_code, 3000) << "an escaped key means the same";
    EXPECT_EQ(scan_envelope(R"({"status_code":"1000"})").status_code, std::nullopt);
    EXPECT_EQ(scan_envelope(R"({"status_code":1000.0})").status_code, std::nullopt);
    EXPECT_EQ(scan_envelope(R"({"status_code":-5})").status_code, -5);
    EXPECT_EQ(scan_envelope(R"({"status_code":18446744073709551615})").status_code, std::nullopt);
    EXPECT_TRUE(scan_envelope(R"({"status_code":18446744073709551615})").json_object);
    EXPECT_EQ(scan_envelope(R"({"data":[]})").status_code, std::nullopt);
}

TEST(EnvelopeScan, RejectsWhatIsNotOneJsonObject) {
    for (const char* text : {"",
                             "   ",
                             "<html>Bad Gateway</html>",
                             "[1,2]",
                             "\"text\"",
                             "1000",
                             "null",
                             R"({"a":1,})",
                             R"({"a":1}{"b":2})",
                             R"({"a":1} x)",
                             R"({"a" 1})",
                             R"({a:1})",
                             R"({"a":tru})",
                             R"({"a":01})",
                             R"({"a":1.})",
                             R"({"a":-})",
                             R"({"a":1e})",
                             R"({"a":"\x"})",
                             R"({"a":"\u12"})",
                             R"({"a":"\ud800"})",
                             R"({"a":"\udc00"})",
                             "{\"a\":\"tab\there\"}",
                             "{\"a\":\"\xC3\"}",
                             "{\"a\":\"\xC0\xAF\"}",
                             "{\"a\":\"\xED\xA0\x80\"}",
                             "{\"a\":\"\xF4\x90\x80\x80\"}",
                             R"({"a":[1,2})",
                             R"({"a":[1,2]]})",
                             "{\"a\":1}/*c*/"}) {
        EXPECT_FALSE(scan_envelope(text).json_object) << text;
        EXPECT_FALSE(reference(text).json_object) << "the reference disagrees about: " << text;
    }
    EXPECT_TRUE(scan_envelope("{\"name\":\"Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x94\x8C\",\"e\":\"\\ud83d\\udd0c\"}")
                    .json_object);
}

TEST(EnvelopeScan, DepthIsBoundedWithoutRecursion) {
    const std::string deep = std::string(900, '[') + std::string(900, ']');
    EXPECT_TRUE(scan_envelope(R"({"a":)" + deep + "}").json_object);
    const std::string too_deep = std::string(5000, '[') + std::string(5000, ']');
    EXPECT_FALSE(scan_envelope(R"({"a":)" + too_deep + "}").json_object);
}

TEST(EnvelopeScan, AgreesWithBoostJsonOnMutatedDocuments) {
    // One location and the tariffs of the shipped data (a few KB each), and a small document with every kind of value.
    const auto locations = json::parse(read_file(SCN_SOURCE_DIR "/data/cpo/locations.json"));
    const std::vector<std::string> documents{
        envelope_of(json::serialize(locations.as_array().at(0))),
        envelope_of(read_file(SCN_SOURCE_DIR "/data/cpo/tariffs.json")),
        R"({"status_code":2001,"status_message":"Missing header \"X\" \u00e9","data":null,"n":[-0.5e+3,0,1E2,true,false]})",
    };
    for (const auto& doc : documents) {
        ASSERT_TRUE(reference(doc).json_object);
        EXPECT_EQ(scan_envelope(doc).status_code, reference(doc).status_code);
    }
    // Mutations that hit the syntax: flip, delete or insert bytes chosen among the characters that matter to JSON.
    const std::string specials = "{}[]\",:\\0123456789-+.eEtrufalsn \t\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\xed\xff/u";
    std::mt19937 random(20261124);
    int mismatches = 0;
    int valid = 0;
    for (int i = 0; i < 6000; ++i) {
        std::string text = documents[static_cast<std::size_t>(i) % documents.size()];
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const auto pos = random() % text.size();
            const char c = specials[random() % specials.size()];
            switch (random() % 3) {
                case 0:
                    text[pos] = c;
                    break;
                case 1:
                    text.erase(pos, 1);
                    break;
                default:
                    text.insert(pos, 1, c);
            }
        }
        const auto expected = reference(text);
        const auto actual = scan_envelope(text);
        valid += expected.json_object ? 1 : 0;
        if (expected.json_object != actual.json_object || expected.status_code != actual.status_code) {
            if (++mismatches <= 5) {
                ADD_FAILURE() << "disagreement on: " << text;
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_GT(valid, 300) << "the mutations should leave a fair share of documents valid";
}

TEST(EnvelopeScan, WholeDataFilesAgreeAfterSingleEdits) {
    // Single-byte edits anywhere in a real location list (the cost of a full pass each time stays small).
    const std::string doc = envelope_of(read_file(SCN_SOURCE_DIR "/data/cpo/locations.json"));
    std::mt19937 random(7);
    const std::string specials = "{}[]\",:\\09-.e \x01\xc3\xff";
    for (int i = 0; i < 300; ++i) {
        std::string text = doc;
        text[random() % text.size()] = specials[random() % specials.size()];
        const auto expected = reference(text);
        const auto actual = scan_envelope(text);
        ASSERT_EQ(expected.json_object, actual.json_object) << "edit " << i;
        ASSERT_EQ(expected.status_code, actual.status_code) << "edit " << i;
    }
}
