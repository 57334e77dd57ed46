// The generic checks of OCPI 2.2 conformance (SCPI §6.1) and the smaller module checks the checker does not run,
// against the mock parties called directly on 127.0.0.1, each test named after its check id.
#include <scn/core/base64.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using Awaitable = boost::asio::awaitable<http::Response>;

/// A backend the mock CPO registers with and pushes to: versions, details (credentials, sessions, locations), and
/// 1000 to everything; records each request's method, path and headers.
struct Backend {
    std::unique_ptr<http::Server> server;
    std::string base;
    std::mutex mutex;
    std::vector<json::object> seen;

    static http::Response envelope(const std::string& data) {
        return http::Response::json(
            200, R"({"status_code":1000,"data":)" + data + R"(,"timestamp":"2024-01-01T00:00:00Z"})");
    }
    void start(test::IoThread& io) {
        http::Router r;
        r.add(http::Method::get, "/versions", [this](http::Request& req) -> Awaitable {
            record(req);
            co_return envelope(R"([{"version":"2.2","url":")" + base + R"(/2.2"}])");
        });
        r.add(http::Method::get, "/2.2", [this](http::Request& req) -> Awaitable {
            record(req);
            std::string endpoints =
                R"({"identifier":"credentials","role":"SENDER","url":")" + base + R"(/credentials"})";
            for (const auto* m : {"sessions", "locations", "cdrs"}) {
                endpoints += R"(,{"identifier":")" + std::string(m) + R"(","role":"RECEIVER","url":")" + base + "/" +
                             m + R"("})";
            }
            co_return envelope(R"({"version":"2.2","endpoints":[)" + endpoints + "]}");
        });
        r.add(http::Method::post, "/credentials", [this](http::Request& req) -> Awaitable {
            record(req);
            co_return envelope(R"({"token":"token-c-of-the-backend","url":")" + base + R"(/versions","roles":[
                {"role":"EMSP","business_details":{"name":"Backend"},"party_id":"MSP","country_code":"CH"}]})");
        });
        for (const auto m : {http::Method::get, http::Method::post, http::Method::put, http::Method::patch}) {
            r.add(m, "/{rest...}", [this](http::Request& req) -> Awaitable {
                record(req);
                co_return envelope("null");
            });
        }
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
    }
    void record(const http::Request& req) {
        json::object headers;
        for (const auto& [name, value] : req.headers) {
            headers[std::string(name)] = std::string(value);
        }
        const std::lock_guard lock(mutex);
        seen.push_back({{"method", req.method_name}, {"path", req.path}, {"headers", std::move(headers)}});
    }
    std::vector<json::object> requests() {
        const std::lock_guard lock(mutex);
        return seen;
    }
};

/// The mock CPO and MSP on free ports, called directly with their offline tokens.
struct Parties {
    test::IoThread io;
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> cpo_store, msp_store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<http::Client> client;

    explicit Parties(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / ("scn-conf-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        cpo_store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        msp_store = std::make_unique<party::PartyStore>(dir / "msp.db", core::system_clock());
        io.run([&] {
            auto c = test::local_party_config(true);
            c.warm_data = false;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *cpo_store, core::Logger("cpo"));
            cpo->start_all();
            msp = std::make_unique<party::Msp>(io.ioc(), test::local_party_config(false), *msp_store,
                                               core::Logger("msp"));
            msp->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~Parties() {
        io.run([&] {
            cpo->stop_all();
            msp->stop_all();
            return 0;
        });
        io.stop();
    }

    /// A request to the CPO (`to_cpo`) or the MSP; the body is sent as given, the Authorization header as given.
    http::ClientResponse raw(bool to_cpo, http::Method m, const std::string& path, const std::string& authorization,
                             const std::string& body = {}, bool routing = true) {
        const auto& party = to_cpo ? static_cast<party::PartyServer&>(*cpo) : static_cast<party::PartyServer&>(*msp);
        http::ClientRequest req{m, party.public_url() + path, {}, body};
        if (!authorization.empty()) {
            req.headers.add("Authorization", authorization);
        }
        if (!body.empty()) {
            req.headers.add("Content-Type", "application/json");
        }
        if (routing) {
            const std::string from = to_cpo ? "MSP" : "CPO";
            const std::string to = to_cpo ? "CPO" : "MSP";
            req.headers.add("SCPI-From-Country-Code", "CH");
            req.headers.add("SCPI-From-Party-Id", from);
            req.headers.add("SCPI-To-Country-Code", "CH");
            req.headers.add("SCPI-To-Party-Id", to);
        }
        return http::send_blocking(req);
    }
    std::string token(bool of_cpo) {
        return io.run([&] { return of_cpo ? cpo->offline_token() : msp->offline_token(); });
    }
    service::Reply call(bool to_cpo, http::Method m, const std::string& path, std::optional<std::string> body = {}) {
        service::Call c;
        c.method = m;
        c.url = (to_cpo ? cpo->public_url() : msp->public_url()) + path;
        c.token = token(to_cpo);
        c.routing =
            to_cpo ? scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"} : scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
    /// Starts a session at Loc1's first EVSE for the MSP's driver "0"; returns its id once ACTIVE.
    std::string start_session() {
        const auto r = call(true, http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                            R"({"response_url":"http://127.0.0.1:9/results/0","location_id":"Loc1",
                            "evse_uid":"CH-CPO-S1E100001","token":)" +
                                test::token_json("0") + "}");
        EXPECT_TRUE(r.ok()) << r.describe();
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto list = call(true, http::Method::get, "/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z");
            for (const auto& s : list.data.as_array()) {
                if (s.at("status") == "ACTIVE") {
                    return std::string(s.at("id").as_string());
                }
            }
            std::this_thread::sleep_for(50ms);
        }
        return "";
    }
};

json::value body_of(const http::ClientResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return ec ? json::value() : v;
}

const std::string kLocation = R"({"country_code":"CH","party_id":"CPO","id":"LOC1","publish":true,
    "address":"Bahnhofplatz 1","city":"Zug","country":"CHE","coordinates":{"latitude":"47.17355","longitude":"8.51520"},
    "time_zone":"Europe/Zurich","last_updated":"2024-03-01T08:00:00Z"})";

}  // namespace

TEST(PartyConformance, C01_CredentialsWithTokenAShowTheParty) {
    Parties p("c01");
    for (const bool cpo : {true, false}) {
        const auto r = p.raw(cpo, http::Method::get, "/scpi/2.2/credentials", "Token " + p.token(cpo), {}, false);
        ASSERT_EQ(r.status, 200u) << r.body;
        const auto data = body_of(r).at("data");
        const std::string_view token = data.at("token").as_string();
        EXPECT_LE(token.size(), 64u);
        EXPECT_TRUE(std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; }));
        EXPECT_TRUE(std::string_view(data.at("url").as_string()).ends_with("/scpi/versions"));
        ASSERT_FALSE(data.at("roles").as_array().empty());
        EXPECT_FALSE(data.at("roles").as_array()[0].at("business_details").at("name").as_string().empty());
    }
}

TEST(PartyConformance, G05_ConfigurationModulesNeedNoRoutingHeadersAndTheirCallsSendNone) {
    Parties p("g05");
    for (const bool cpo : {true, false}) {
        for (const auto* path :
             {"/scpi/versions", "/scpi/versions/2.2", "/scpi/2.2/credentials", "/scpi/receiver/2.2/hubclientinfo"}) {
            const auto r = p.raw(cpo, http::Method::get, path, "Token " + p.token(cpo), {}, false);
            EXPECT_EQ(r.status, 200u) << path << ": " << r.body;
            EXPECT_EQ(body_of(r).at("status_code"), 1000) << path;
            EXPECT_FALSE(r.headers.get("SCPI-To-Party-Id")) << path;
        }
    }
    // The party's own configuration calls (a registration by the credentials handshake) carry none either.
    Backend backend;
    backend.start(p.io);
    (void)p.io.await(party::register_with_peer(*p.cpo, *p.cpo_store, *p.client, backend.base + "/versions", "token-a"));
    const auto seen = backend.requests();
    ASSERT_EQ(seen.size(), 3u) << "versions, details, credentials";
    for (const auto& r : seen) {
        EXPECT_FALSE(r.at("headers").as_object().contains("SCPI-From-Party-Id")) << r.at("path");
        EXPECT_FALSE(r.at("headers").as_object().contains("SCPI-To-Party-Id")) << r.at("path");
    }
    p.io.run([&] {
        backend.server->stop();
        return 0;
    });
}

TEST(PartyConformance, G09_ATokenIsAcceptedRawAndBase64Encoded) {
    Parties p("g09");
    for (const bool cpo : {true, false}) {
        const std::string path = cpo ? "/scpi/sender/2.2/locations" : "/scpi/sender/2.2/tokens";
        EXPECT_EQ(p.raw(cpo, http::Method::get, path, "Token " + p.token(cpo)).status, 200u);
        EXPECT_EQ(p.raw(cpo, http::Method::get, path, "Token " + core::base64_encode(p.token(cpo))).status, 200u);
        EXPECT_EQ(p.raw(cpo, http::Method::get, path, "Token " + core::base64_encode("nope")).status, 401u);
    }
}

TEST(PartyConformance, G10_TokenAIsRefusedOnEveryFunctionalModuleAfterRegistration) {
    Parties p("g10");
    const auto token_a = p.token(false);
    // The CPO registers with the MSP: the MSP's offline token was its TOKEN_A.
    const auto peer =
        p.io.await(party::register_with_peer(*p.cpo, *p.cpo_store, *p.client, p.msp->versions_url(), token_a));
    for (const auto* path : {"/scpi/sender/2.2/tokens", "/scpi/receiver/2.2/sessions/CH/CPO/S1",
                             "/scpi/receiver/2.2/locations/CH/CPO/LOC1", "/scpi/receiver/2.2/tariffs/CH/CPO/1"}) {
        EXPECT_EQ(p.raw(false, http::Method::get, path, "Token " + token_a).status, 401u) << path;
        EXPECT_NE(p.raw(false, http::Method::get, path, "Token " + peer.token).status, 401u) << path;
    }
}

TEST(PartyConformance, G11_TruncatedJsonIsHttp400) {
    Parties p("g11");
    auto r = p.raw(false, http::Method::put, "/scpi/receiver/2.2/locations/CH/CPO/LOC1", "Token " + p.token(false),
                   R"({"id":)");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(body_of(r).at("status_code"), 2001);
    r = p.raw(true, http::Method::put, "/scpi/receiver/2.2/tokens/CH/MSP/T1", "Token " + p.token(true), R"({"id":)");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(body_of(r).at("status_code"), 2001);
    r = p.raw(true, http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", "Token " + p.token(true),
              R"({"id":)");
    EXPECT_EQ(r.status, 400u);
}

TEST(PartyConformance, G12_AnArrayOrStringWhereAnObjectBelongsIs2001) {
    Parties p("g12");
    for (const auto* body : {"[]", R"("a location")", "[1,2]"}) {
        const auto r = p.call(false, http::Method::put, "/scpi/receiver/2.2/locations/CH/CPO/LOC1", body);
        EXPECT_EQ(r.status_code, 2001) << body;
        const auto k = p.call(true, http::Method::put, "/scpi/receiver/2.2/tokens/CH/MSP/T1", body);
        EXPECT_EQ(k.status_code, 2001) << body;
    }
    EXPECT_EQ(p.call(false, http::Method::get, "/scpi/receiver/2.2/locations/CH/CPO/LOC1").http_status, 404u)
        << "nothing stored";
}

TEST(PartyConformance, G13_AnUnknownExtraFieldIsAcceptedAndIgnored) {
    Parties p("g13");
    auto location = json::parse(kLocation).as_object();
    location["foo"] = 1;
    const auto r =
        p.call(false, http::Method::put, "/scpi/receiver/2.2/locations/CH/CPO/LOC1", json::serialize(location));
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(p.call(false, http::Method::get, "/scpi/receiver/2.2/locations/CH/CPO/LOC1").ok());
    const auto cmd = p.call(true, http::Method::post, "/scpi/receiver/2.2/commands/UNLOCK_CONNECTOR",
                            R"({"response_url":"http://127.0.0.1:9/r/1","location_id":"Loc1",
                            "evse_uid":"CH-CPO-S1E100001","connector_id":"S1E1Con1","foo":1})");
    EXPECT_TRUE(cmd.ok()) << cmd.describe();
}

TEST(PartyConformance, G14_MethodsAModuleDoesNotOfferAre405) {
    Parties p("g14");
    const std::vector<std::tuple<bool, http::Method, std::string>> cases{
        {false, http::Method::del, "/scpi/receiver/2.2/locations/CH/CPO/LOC1"},
        {false, http::Method::post, "/scpi/receiver/2.2/locations/CH/CPO/LOC1"},
        {false, http::Method::post, "/scpi/receiver/2.2/tariffs/CH/CPO/1"},
        {true, http::Method::del, "/scpi/sender/2.2/locations"},
        {true, http::Method::put, "/scpi/sender/2.2/cdrs"},
        {true, http::Method::get, "/scpi/receiver/2.2/commands/START_SESSION"},
        {false, http::Method::post, "/scpi/versions"},
    };
    for (const auto& [cpo, method, path] : cases) {
        const auto r = p.raw(cpo, method, path, "Token " + p.token(cpo), "{}");
        EXPECT_EQ(r.status, 405u) << path;
        EXPECT_NE(body_of(r).at("status_code"), 1000) << path;
    }
}

TEST(PartyConformance, G17_OutboundCallsCarryTheTokenAndFreshRequestIds) {
    Parties p("g17");
    Backend backend;
    backend.start(p.io);
    const auto peer =
        p.io.await(party::register_with_peer(*p.cpo, *p.cpo_store, *p.client, backend.base + "/versions", "token-a"));
    p.io.run([&] {
        p.cpo->set_peer(peer);
        return 0;
    });
    ASSERT_FALSE(p.start_session().empty());  // its pushes go to the backend
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    const auto pushes = [&] {
        std::size_t n = 0;
        for (const auto& r : backend.requests()) {
            n += r.at("method") == "PUT" ? 1 : 0;
        }
        return n;
    };
    while (pushes() < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    std::set<std::string> request_ids;
    std::size_t checked = 0;
    for (const auto& r : backend.requests()) {
        const auto& h = r.at("headers").as_object();
        const std::string path(r.at("path").as_string());
        ASSERT_TRUE(h.contains("Authorization")) << path;
        const std::string_view authorization = h.at("Authorization").as_string();
        if (path == "/credentials") {
            EXPECT_EQ(authorization, "Token token-a");
        } else if (path == "/versions" || path == "/2.2") {  // read with TOKEN_A, later again with TOKEN_C
            EXPECT_TRUE(authorization == "Token token-a" || authorization == "Token token-c-of-the-backend");
        } else {
            EXPECT_EQ(authorization, "Token token-c-of-the-backend") << path;
        }
        ASSERT_TRUE(h.contains("X-Request-ID")) << path;
        EXPECT_TRUE(request_ids.insert(std::string(h.at("X-Request-ID").as_string())).second) << "unique: " << path;
        EXPECT_TRUE(h.contains("X-Correlation-ID")) << path;
        if (r.at("method") == "PUT" || r.at("method") == "POST" || r.at("method") == "PATCH") {
            EXPECT_EQ(h.at("Content-Type"), "application/json") << path;
            ++checked;
        }
    }
    EXPECT_GE(checked, 3u) << "the credentials POST and at least two pushes";
    p.io.run([&] {
        backend.server->stop();
        return 0;
    });
}

TEST(PartyConformance, P09_AChildsChangeBringsItsLocationIntoADateFilteredList) {
    Parties p("p09");
    std::this_thread::sleep_for(20ms);
    const auto before = core::format_datetime(core::system_clock().now());
    std::this_thread::sleep_for(20ms);
    const auto list = [&] {
        std::set<std::string> ids;
        const auto r = p.call(true, http::Method::get, "/scpi/sender/2.2/locations?date_from=" + before);
        for (const auto& l : r.data.as_array()) {
            ids.insert(std::string(l.at("id").as_string()));
        }
        return ids;
    };
    EXPECT_TRUE(list().empty()) << "nothing changed since";
    ASSERT_FALSE(p.start_session().empty());  // Loc1's EVSE turns CHARGING
    EXPECT_EQ(list(), std::set<std::string>{"Loc1"});
}

TEST(PartyConformance, S02_PreferencesOnACapableEvseAreAnswered) {
    Parties p("s02");
    const auto session = p.start_session();
    ASSERT_FALSE(session.empty());
    const auto path = "/scpi/sender/2.2/sessions/" + session + "/charging_preferences";
    auto r = p.call(true, http::Method::put, path, R"({"profile_type":"FAST"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data, "ACCEPTED");
    r = p.call(true, http::Method::put, path, R"({"profile_type":"CHEAP"})");
    EXPECT_EQ(r.data, "DEPARTURE_REQUIRED");
    r = p.call(true, http::Method::put, path, R"({"profile_type":"GREEN","departure_time":"2099-01-01T10:00:00Z"})");
    EXPECT_EQ(r.data, "ENERGY_NEED_REQUIRED");
    r = p.call(true, http::Method::put, path,
               R"({"profile_type":"CHEAP","departure_time":"2099-01-01T10:00:00Z","energy_need":20})");
    EXPECT_EQ(r.data, "ACCEPTED");
    r = p.call(true, http::Method::put, path, R"({"profile_type":"REGULAR","discharge_allowed":true})");
    EXPECT_EQ(r.data, "NOT_POSSIBLE");
}

TEST(PartyConformance, S03_PreferencesOnAnEvseThatCannotTakeThemAre404And2001) {
    Parties p("s03");
    const auto start = p.call(true, http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                              R"({"response_url":"http://127.0.0.1:9/results/0","location_id":"Loc2",
                              "evse_uid":"CH-CPO-S2E100002","token":)" +
                                  test::token_json("0") + "}");
    ASSERT_TRUE(start.ok()) << start.describe();
    std::string session;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (session.empty() && std::chrono::steady_clock::now() < deadline) {
        const auto list = p.call(true, http::Method::get, "/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z");
        for (const auto& s : list.data.as_array()) {
            if (s.at("evse_uid") == "CH-CPO-S2E100002" && s.at("status") != "COMPLETED") {
                session = std::string(s.at("id").as_string());
            }
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_FALSE(session.empty());
    const auto r = p.call(true, http::Method::put, "/scpi/sender/2.2/sessions/" + session + "/charging_preferences",
                          R"({"profile_type":"FAST"})");
    EXPECT_EQ(r.http_status, 404u);
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_NE(r.status_message.value_or("").find("CHARGING_PREFERENCES_CAPABLE"), std::string::npos);
}

TEST(PartyConformance, S04_PreferencesForAnUnknownSessionAre404AndWithoutAProfileType2001) {
    Parties p("s04");
    auto r = p.call(true, http::Method::put, "/scpi/sender/2.2/sessions/NOPE/charging_preferences",
                    R"({"profile_type":"FAST"})");
    EXPECT_EQ(r.http_status, 404u);
    const auto session = p.start_session();
    ASSERT_FALSE(session.empty());
    r = p.call(true, http::Method::put, "/scpi/sender/2.2/sessions/" + session + "/charging_preferences",
               R"({"departure_time":"2099-01-01T10:00:00Z"})");
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_NE(r.status_message.value_or("").find("profile_type"), std::string::npos) << r.describe();
}
