#include <scn/party/interceptor.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace scn;
using party::Interceptor;
namespace json = boost::json;

namespace {

/// A handler that answers 200 with a small JSON body.
http::Handler ok() {
    return [](http::Request&) -> boost::asio::awaitable<http::Response> {
        co_return http::Response::json(200, R"({"status_code":1000,"data":[1,2,3,4,5,6]})");
    };
}

http::Request request(std::string path, std::string body = {}) {
    http::Request r;
    r.method_name = "PUT";
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers.add("Authorization", "Token t");
    return r;
}

}  // namespace

TEST(Interceptor, ModulesAreFoundInEveryPathForm) {
    EXPECT_EQ(Interceptor::module_of("/scpi/versions"), "versions");
    EXPECT_EQ(Interceptor::module_of("/scpi/versions/2.2"), "versions");
    EXPECT_EQ(Interceptor::module_of("/scpi/2.2"), "versions");
    EXPECT_EQ(Interceptor::module_of("/scpi/2.2/credentials"), "credentials");
    EXPECT_EQ(Interceptor::module_of("/scpi/sender/2.2/locations/Loc1"), "locations");
    EXPECT_EQ(Interceptor::module_of("/ocpi/sender/2.2.1/locations/Loc1"), "locations") << "an OCPI 2.2.1 party";
    EXPECT_EQ(Interceptor::module_of("/ocpi/versions/2.2.1"), "versions");
    EXPECT_EQ(Interceptor::module_of("/ocpi/2.2.1/credentials"), "credentials");
    EXPECT_EQ(Interceptor::module_of("/scpi/receiver/2.2/sessions/CH/CPO/1"), "sessions");
    EXPECT_EQ(Interceptor::module_of("/scpi/2.2/sender/chargingprofiles/result/7"), "chargingprofiles");
    EXPECT_EQ(Interceptor::module_of("/other"), "");
}

TEST(Interceptor, FaultListsAreCheckedMemberByMember) {
    const auto rules = party::parse_faults(json::parse(
        R"([{"module":"Locations","method":"get","http_status":503,"count":2},{"module":"*","delay_ms":10}])"));
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].module, "locations");
    EXPECT_EQ(rules[0].method, "GET");
    EXPECT_EQ(rules[0].count, 2);
    for (const auto* bad :
         {R"({})", R"([1])", R"([{"module":"x"}])", R"([{"http_status":99}])", R"([{"scpi_status":"3000"}])",
          R"([{"delay_ms":1,"method":"FETCH"}])", R"([{"delay_ms":1,"extra":true}])", R"([{"page_limit":0}])"}) {
        EXPECT_THROW((void)party::parse_faults(json::parse(bad)), std::invalid_argument) << bad;
    }
}

TEST(Interceptor, AFaultHitsCountTimesThenTheHandlerAnswers) {
    test::IoThread io;
    Interceptor i(core::system_clock());
    i.set_faults(party::parse_faults(json::parse(R"([{"module":"sessions","http_status":503,"count":2}])")));
    const auto handler = ok();
    std::vector<unsigned> statuses;
    for (int n = 0; n < 3; ++n) {
        auto req = request("/scpi/receiver/2.2/sessions/CH/CPO/1");
        statuses.push_back(io.await(i.handle(req, handler)).status);
    }
    EXPECT_EQ(statuses, (std::vector<unsigned>{503, 503, 200}));
    EXPECT_TRUE(i.faults().empty());
    const auto seen = i.received("sessions", 0, std::nullopt);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].status, 503u);
    EXPECT_EQ(seen[2].status, 200u);
}

TEST(Interceptor, TheReceivedListIsBoundedInCountAndBytes) {
    test::IoThread io;
    Interceptor i(core::system_clock());
    const auto handler = ok();
    for (std::size_t n = 0; n < Interceptor::kMaxReceived + 5; ++n) {
        auto req = request("/scpi/receiver/2.2/sessions/CH/CPO/" + std::to_string(n), "{}");
        (void)io.await(i.handle(req, handler));
    }
    auto kept = i.received("", 0, std::nullopt);
    EXPECT_EQ(kept.size(), Interceptor::kMaxReceived);
    EXPECT_EQ(kept.front().seq, 6u) << "the oldest went first";
    EXPECT_EQ(i.last_seq(), Interceptor::kMaxReceived + 5);

    // A body longer than kept: its start, marked as cut.
    auto big = request("/scpi/receiver/2.2/cdrs", std::string(Interceptor::kMaxRecordedBody + 10, 'x'));
    (void)io.await(i.handle(big, handler));
    kept = i.received("cdrs", 0, std::nullopt);
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_TRUE(kept[0].body_cut);
    EXPECT_EQ(kept[0].body.size(), Interceptor::kMaxRecordedBody);
    const auto shown = party::to_json(kept[0]);
    EXPECT_EQ(shown.at("body_cut"), true);
    EXPECT_EQ(shown.at("headers").at("Authorization"), "Token t");
    // Many large bodies: the byte bound keeps the list far below count x body size.
    for (int n = 0; n < 80; ++n) {
        auto req = request("/scpi/receiver/2.2/cdrs", std::string(Interceptor::kMaxRecordedBody, 'y'));
        (void)io.await(i.handle(req, handler));
    }
    std::size_t bytes = 0;
    for (const auto& r : i.received("", 0, std::nullopt)) {
        bytes += r.body.size();
    }
    EXPECT_LE(bytes, Interceptor::kMaxReceivedBytes);
}
