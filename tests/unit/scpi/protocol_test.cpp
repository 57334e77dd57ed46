#include <scn/core/datetime.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>

using namespace scn::scpi;

namespace {

const auto kNow = *scn::core::parse_datetime("2019-10-15T14:25:05.924Z");

std::function<std::optional<std::string>(std::string_view)> query_of(std::map<std::string, std::string> q) {
    return [q = std::move(q)](std::string_view k) -> std::optional<std::string> {
        const auto it = q.find(std::string(k));
        return it == q.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

std::string error_of(std::map<std::string, std::string> q) {
    try {
        (void)parse_page_request(query_of(std::move(q)), 100);
    } catch (const Error& e) {
        EXPECT_EQ(e.status_code(), 2001);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Envelope, HasTheMembersInOrderAndOmitsAbsentOnes) {
    const boost::json::value data = {{"result", "ACCEPTED"}, {"timeout", 30}};
    EXPECT_EQ(
        envelope(1000, std::nullopt, &data, kNow),
        R"({"status_code":1000,"data":{"result":"ACCEPTED","timeout":30},"timestamp":"2019-10-15T14:25:05.924Z"})");
    EXPECT_EQ(
        envelope(2001, "Missing required field: type", nullptr, kNow),
        R"({"status_code":2001,"status_message":"Missing required field: type","timestamp":"2019-10-15T14:25:05.924Z"})");
    EXPECT_EQ(envelope_raw("[]", kNow), R"({"status_code":1000,"data":[],"timestamp":"2019-10-15T14:25:05.924Z"})");
}

TEST(Authorization, AcceptsRawAndBase64Tokens) {
    EXPECT_EQ(token_candidates("Token ec005952-8c33-4bc0-8032-e07fdc420931"),
              std::vector<std::string>{"ec005952-8c33-4bc0-8032-e07fdc420931"});
    EXPECT_EQ(token_candidates("Token ZXhhbXBsZS10b2tlbg=="),
              (std::vector<std::string>{"example-token", "ZXhhbXBsZS10b2tlbg=="}));
    EXPECT_EQ(token_candidates("Token abcd"), (std::vector<std::string>{"abcd"}))
        << "decodes to unprintable bytes, so only the raw value is a candidate";
}

TEST(Authorization, MissingOrWrongSchemeIsUnauthorized) {
    for (const std::optional<std::string_view> h :
         {std::optional<std::string_view>{}, std::optional<std::string_view>{""},
          std::optional<std::string_view>{"Bearer abc"}, std::optional<std::string_view>{"Token "}}) {
        try {
            (void)token_candidates(h);
            FAIL();
        } catch (const Error& e) {
            EXPECT_EQ(e.http_status(), 401u);
            EXPECT_EQ(e.status_code(), 2001);
        }
    }
}

TEST(RoutingHeaders, AreReadCaseInsensitivelyByTheLookupAndValidated) {
    std::map<std::string, std::string> h{{"SCPI-From-Country-Code", "CH"},
                                         {"SCPI-From-Party-Id", "MSP"},
                                         {"SCPI-To-Country-Code", "CH"},
                                         {"SCPI-To-Party-Id", "CPO"}};
    auto lookup = [&](std::string_view n) -> std::optional<std::string_view> {
        const auto it = h.find(std::string(n));
        return it == h.end() ? std::nullopt : std::optional<std::string_view>(it->second);
    };
    const auto r = RoutingHeaders::from(lookup);
    EXPECT_EQ(r.from_party_id, "MSP");
    EXPECT_EQ(r.reversed().from_party_id, "CPO");
    h["SCPI-To-Party-Id"] = "CPOX";
    EXPECT_THROW((void)RoutingHeaders::from(lookup), Error);
    h.erase("SCPI-To-Party-Id");
    try {
        (void)RoutingHeaders::from(lookup);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "missing header SCPI-To-Party-Id");
    }
}

TEST(Pagination, ParsesAndCapsParameters) {
    auto p = parse_page_request(query_of({}), 100);
    EXPECT_EQ(p.offset, 0u);
    EXPECT_EQ(p.limit, 100u);
    p = parse_page_request(query_of({{"offset", "20"}, {"limit", "2000"}, {"date_from", "2019-01-01T00:00:00Z"}}), 100);
    EXPECT_EQ(p.offset, 20u);
    EXPECT_EQ(p.limit, 100u);
    ASSERT_TRUE(p.date_from);
    EXPECT_EQ(parse_page_request(query_of({{"limit", "0"}}), 100).limit, 0u);
}

TEST(Pagination, RejectsBadParameters) {
    EXPECT_EQ(error_of({{"offset", "-1"}}), "query parameter offset must be a non-negative integer, got \"-1\"");
    EXPECT_EQ(error_of({{"limit", "ten"}}), "query parameter limit must be a non-negative integer, got \"ten\"");
    EXPECT_EQ(error_of({{"limit", "99999999999999999999999"}}),
              "query parameter limit must be a non-negative integer, got \"99999999999999999999999\"");
    EXPECT_EQ(error_of({{"offset", ""}}), "query parameter offset must be a non-negative integer, got \"\"");
    EXPECT_EQ(error_of({{"offset", "1.5"}}), "query parameter offset must be a non-negative integer, got \"1.5\"");
    EXPECT_EQ(error_of({{"date_to", "2019-13-01"}}),
              "query parameter date_to must be a UTC DateTime like 2019-10-14T15:45:11Z (no offset), got "
              "\"2019-13-01\"");
    EXPECT_EQ(error_of({{"date_from", "2024-01-01T10:00:00+02:00"}}),
              "query parameter date_from must be a UTC DateTime like 2019-10-14T15:45:11Z (no offset), got "
              "\"2024-01-01T10:00:00+02:00\"");
    EXPECT_EQ(error_of({{"date_from", "2019-02-01T00:00:00Z"}, {"date_to", "2019-01-01T00:00:00Z"}}),
              "date_from must be earlier than date_to");
}

TEST(Pagination, LinkPointsToTheNextPageAndKeepsOtherParameters) {
    const std::vector<std::pair<std::string, std::string>> params{
        {"date_from", "2019-01-01T00:00:00Z"}, {"offset", "0"}, {"limit", "10"}, {"x", "a b"}};
    PageRequest first{0, 10, std::nullopt, std::nullopt};
    auto h = page_headers("http://localhost:3000/scpi/sender/2.2/locations", params, first, 10, 25, 100);
    EXPECT_EQ(h.link,
              "<http://localhost:3000/scpi/sender/2.2/locations?offset=10&limit=10"
              "&date_from=2019-01-01T00%3A00%3A00Z&x=a%20b>; rel=\"next\"");
    EXPECT_EQ(h.total_count, "25");
    EXPECT_EQ(h.limit, "100");
    PageRequest middle{10, 10, std::nullopt, std::nullopt};
    EXPECT_NE(page_headers("http://h/l", {}, middle, 10, 25, 100).link->find("offset=20&limit=10"), std::string::npos);
    PageRequest last{20, 10, std::nullopt, std::nullopt};
    EXPECT_FALSE(page_headers("http://h/l", {}, last, 5, 25, 100).link) << "the last page has no Link";
    PageRequest beyond{30, 10, std::nullopt, std::nullopt};
    EXPECT_FALSE(page_headers("http://h/l", {}, beyond, 0, 25, 100).link);
    PageRequest empty{0, 0, std::nullopt, std::nullopt};
    EXPECT_FALSE(page_headers("http://h/l", {}, empty, 0, 25, 100).link) << "limit=0 gives headers but no next page";
}
