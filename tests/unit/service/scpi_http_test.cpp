#include <scn/scpi/locations.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace scn;
namespace json = boost::json;

namespace {

struct Fixture {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::unique_ptr<http::Server> server;
    std::string base;

    Fixture() {
        http::Router r;
        r.add(http::Method::get, "/scpi-error", [](http::Request&) -> boost::asio::awaitable<http::Response> {
            throw scpi::Error::unknown_location("Location Loc99 is unknown");
            co_return http::Response{};
        });
        r.add(http::Method::post, "/parse", [](http::Request& req) -> boost::asio::awaitable<http::Response> {
            const auto loc = service::body_as<scpi::GeoLocation>(req);
            co_return service::ok(json::value(loc.latitude));
        });
        r.add(http::Method::get, "/bug", [](http::Request&) -> boost::asio::awaitable<http::Response> {
            throw std::logic_error("vector index 7 out of range (secret detail)");
            co_return http::Response{};
        });
        r.add(http::Method::get, "/routed", [](http::Request& req) -> boost::asio::awaitable<http::Response> {
            const auto routing = service::routing_of(req);
            auto res = service::ok(json::value(routing.to_party_id));
            service::echo_headers(req, res, true);
            co_return res;
        });
        http::ServerOptions o;
        o.access_log = core::Logger("cpo", log);
        o.hooks = service::scpi_hooks(core::Logger("cpo", log));
        o.body_limit = 256;
        server = std::make_unique<http::Server>(io.ioc(), o, std::move(r));
        base = "http://127.0.0.1:" + std::to_string(server->start());
    }
    ~Fixture() { server->stop(); }

    [[nodiscard]] http::ClientResponse send(http::Method m, const std::string& path, std::string body = {}) const {
        http::ClientRequest req{m, base + path, {}, std::move(body)};
        req.headers.add("X-Request-ID", "r-1");
        req.headers.add("X-Correlation-ID", "c-1");
        return http::send_blocking(req);
    }
};

json::object envelope_of(const http::ClientResponse& r) {
    return json::parse(r.body).as_object();
}

}  // namespace

TEST(ScpiBoundary, ScpiErrorsKeepTheirCodes) {
    Fixture f;
    const auto r = f.send(http::Method::get, "/scpi-error");
    EXPECT_EQ(r.status, 404u);
    const auto e = envelope_of(r);
    EXPECT_EQ(e.at("status_code").as_int64(), 2003);
    EXPECT_EQ(e.at("status_message").as_string(), "Location Loc99 is unknown");
    EXPECT_TRUE(e.contains("timestamp"));
    EXPECT_EQ(r.headers.get("X-Correlation-ID"), "c-1");
}

TEST(ScpiBoundary, BadInputIs2001WithTheJsonPath) {
    Fixture f;
    auto r = f.send(http::Method::post, "/parse", R"({"latitude":"47.1"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(envelope_of(r).at("status_code").as_int64(), 2001);
    EXPECT_EQ(envelope_of(r).at("status_message").as_string(), "$.longitude: missing required member");
    r = f.send(http::Method::post, "/parse", "{not json");
    EXPECT_EQ(envelope_of(r).at("status_code").as_int64(), 2001);
    EXPECT_NE(std::string(envelope_of(r).at("status_message").as_string()).find("not valid JSON"), std::string::npos);
    r = f.send(http::Method::post, "/parse", R"({"latitude":"47.1","longitude":"8.5"})");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(envelope_of(r).at("data").as_string(), "47.1");
}

TEST(ScpiBoundary, UnexpectedFailuresAre3000AndDetailsStayInTheLog) {
    Fixture f;
    const auto r = f.send(http::Method::get, "/bug");
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(envelope_of(r).at("status_code").as_int64(), 3000);
    EXPECT_EQ(r.body.find("secret detail"), std::string::npos) << "internal details are not sent to the client";
    EXPECT_TRUE(f.log->wait_for("secret detail", std::chrono::seconds(2)));
}

TEST(ScpiBoundary, UnknownPathsWrongMethodsAndOversizedBodiesGetEnvelopes) {
    Fixture f;
    auto r = f.send(http::Method::get, "/nowhere");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(envelope_of(r).at("status_code").as_int64(), 2000);
    r = f.send(http::Method::del, "/parse");
    EXPECT_EQ(r.status, 405u);
    EXPECT_EQ(envelope_of(r).at("status_message").as_string(), "DELETE is not supported on /parse (allowed: POST)");
    r = f.send(http::Method::post, "/parse", std::string(1000, ' '));
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(envelope_of(r).at("status_code").as_int64(), 2001);
}

TEST(ScpiBoundary, RoutingHeadersAreValidatedAndEchoedReversed) {
    Fixture f;
    auto r = f.send(http::Method::get, "/routed");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(envelope_of(r).at("status_message").as_string(), "missing header SCPI-From-Country-Code");
    http::ClientRequest req{http::Method::get, f.base + "/routed", {}, {}};
    req.headers.add("scpi-from-country-code", "CH");
    req.headers.add("SCPI-FROM-PARTY-ID", "MSP");
    req.headers.add("SCPI-To-Country-Code", "CH");
    req.headers.add("SCPI-To-Party-Id", "CPO");
    r = http::send_blocking(req);
    EXPECT_EQ(envelope_of(r).at("data").as_string(), "CPO");
    EXPECT_EQ(r.headers.get("SCPI-To-Party-Id"), "MSP");
    EXPECT_EQ(r.headers.get("SCPI-From-Party-Id"), "CPO");
}

TEST(ScpiCall, SendsTheHeadersAndParsesTheEnvelope) {
    Fixture f;
    http::Client client(f.io.ioc().get_executor());
    service::Call c;
    c.url = f.base + "/routed";
    c.token = "tok";
    c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
    const auto reply = f.io.await(service::call(client, c));
    EXPECT_TRUE(reply.ok()) << reply.describe();
    EXPECT_EQ(reply.data.as_string(), "CPO");
    c.routing.reset();
    const auto refused = f.io.await(service::call(client, c));
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(refused.describe(), "HTTP 400, status 2001: missing header SCPI-From-Country-Code");
}
