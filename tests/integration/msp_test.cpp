// The mock MSP driven by a scripted CPO peer on 127.0.0.1.
#include <scn/party/msp.hpp>
#include <scn/scpi/model.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string shipped(const std::string& file, std::size_t index) {
    std::ifstream in(std::string(SCN_SOURCE_DIR) + "/" + file);
    std::stringstream s;
    s << in.rdbuf();
    return json::serialize(json::parse(s.str()).as_array().at(index));
}

struct MspUnderTest {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<http::Client> client;

    explicit MspUnderTest(const std::string& name, bool fresh = true)
        : dir(std::filesystem::temp_directory_path() / ("scn-msp-" + std::to_string(::getpid())) / name) {
        if (fresh) {
            std::filesystem::remove_all(dir);
        }
        std::filesystem::create_directories(dir);
        store = std::make_unique<party::PartyStore>(dir / "msp.db", core::system_clock());
        io.run([&] {
            auto c = config::defaults().msp;
            c.port = 0;
            c.public_url.clear();
            c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / "data/msp";
            msp = std::make_unique<party::Msp>(io.ioc(), c, *store, core::Logger("msp", log));
            msp->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~MspUnderTest() {
        io.run([&] {
            msp->stop_all();
            return 0;
        });
        io.stop();  // nothing may run on the objects destroyed next
    }

    service::Reply send(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt,
                        const std::string& token = {}) {
        service::Call c;
        c.method = m;
        c.url = msp->public_url() + path;
        c.token = token.empty() ? msp->offline_token() : token;
        c.routing = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
};

}  // namespace

TEST(Msp, VersionsListExactlyWhatIsServed) {
    MspUnderTest t("versions");
    const auto versions = t.send(http::Method::get, "/scpi/versions");
    ASSERT_TRUE(versions.ok());
    const auto details_url = std::string(versions.data.at(0).at("url").as_string());
    EXPECT_EQ(versions.data.at(0).at("version").as_string(), "2.2");
    const auto details = t.send(http::Method::get, details_url.substr(t.msp->public_url().size()));
    const auto d = scpi::from_json<scpi::VersionDetails>(details.data);
    std::vector<std::string> served;
    for (const auto& e : d.endpoints) {
        served.push_back(e.identifier + "/" + std::string(scpi::to_string(e.role)));
    }
    EXPECT_EQ(served, (std::vector<std::string>{"credentials/SENDER", "commands/SENDER", "locations/RECEIVER",
                                                "tariffs/RECEIVER", "sessions/RECEIVER", "cdrs/RECEIVER",
                                                "chargingprofiles/SENDER", "tokens/SENDER", "hubclientinfo/RECEIVER"}));
    EXPECT_EQ(t.send(http::Method::get, "/scpi/versions", std::nullopt, "wrong").http_status, 401u);
}

TEST(Msp, CommandResultsAreLoggedAndStored) {
    MspUnderTest t("results");
    auto r = t.send(http::Method::post, "/scpi/sender/2.2/commands/START_SESSION/0", R"({"result":"ACCEPTED"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(t.log->contains("async command result [START_SESSION 0]: ACCEPTED"));
    ASSERT_EQ(t.store->command_results("START_SESSION", "0").size(), 1u);
    r = t.send(http::Method::post, "/scpi/sender/2.2/commands/FLY_AWAY/0", R"({"result":"ACCEPTED"})");
    EXPECT_EQ(r.http_status, 404u);
    EXPECT_EQ(*r.status_message, "unknown command FLY_AWAY in the result URL");
    r = t.send(http::Method::post, "/scpi/sender/2.2/commands/STOP_SESSION/1", R"({"result":"MAYBE"})");
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_TRUE(t.store->command_results("STOP_SESSION").empty());
}

TEST(Msp, SessionPutThenPatch) {
    MspUnderTest t("sessions");
    const auto session = shipped("data/cpo/sessions.json", 0);
    const auto id = std::string(json::parse(session).at("id").as_string());
    const std::string path = "/scpi/receiver/2.2/sessions/CH/CPO/" + id;
    auto r = t.send(http::Method::put, path, session);
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    EXPECT_TRUE(t.log->contains("Session " + id + " COMPLETED - 12 kWh"));
    r = t.send(http::Method::patch, path,
               R"({"kwh":12.34567,"last_updated":"2019-10-14T10:05:00Z","charging_periods":[
                  {"start_date_time":"2019-10-14T10:00:00Z","dimensions":[{"type":"ENERGY","volume":0.34567}]}]})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(t.log->contains("Session " + id + " COMPLETED - 12.3457 kWh"));
    const auto back = t.send(http::Method::get, path);
    const auto s = scpi::from_json<scpi::Session>(back.data);
    EXPECT_EQ(s.charging_periods.size(), 2u) << "PATCH appends charging periods";
}

TEST(Msp, InvalidSessionsAndCdrsAreRefusedAndNotStored) {
    MspUnderTest t("invalid");
    auto session = json::parse(shipped("data/cpo/sessions.json", 0)).as_object();
    session["status"] = "SLEEPING";
    auto r = t.send(http::Method::put, "/scpi/receiver/2.2/sessions/CH/CPO/" + std::string(session["id"].as_string()),
                    json::serialize(session));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.status: unknown value \"SLEEPING\"");
    EXPECT_EQ(t.store->count_sessions({}), 0u);
    r = t.send(http::Method::put, "/scpi/receiver/2.2/sessions/CH/CPO/other-id", shipped("data/cpo/sessions.json", 0));
    EXPECT_EQ(r.status_code, 2001) << "URL id and body id differ";
    EXPECT_EQ(t.store->count_sessions({}), 0u);
    auto cdr = json::parse(shipped("data/cpo/cdrs.json", 0)).as_object();
    cdr.erase("total_cost");
    r = t.send(http::Method::post, "/scpi/receiver/2.2/cdrs", json::serialize(cdr));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.total_cost: missing required member");
    EXPECT_EQ(t.store->count_cdrs({}), 0u);
    r = t.send(http::Method::patch, "/scpi/receiver/2.2/sessions/CH/CPO/unknown",
               R"({"kwh":1,"last_updated":"2019-10-14T10:05:00Z"})");
    EXPECT_EQ(r.http_status, 404u);
}

TEST(Msp, CdrLocationServesItBackAndDuplicatesAreRefused) {
    MspUnderTest t("cdrs");
    const auto cdr = shipped("data/cpo/cdrs.json", 0);
    auto r = t.send(http::Method::post, "/scpi/receiver/2.2/cdrs", cdr);
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(t.log->contains("CDR CDR-2019-0001: 3.5 CHF"));
    const auto location = r.headers.get("Location");
    ASSERT_TRUE(location);
    ASSERT_TRUE(location->starts_with(t.msp->public_url() + "/scpi/receiver/2.2/cdrs/"));
    const auto back = t.send(http::Method::get, std::string(location->substr(t.msp->public_url().size())));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(scpi::from_json<scpi::Cdr>(back.data), scpi::from_json<scpi::Cdr>(scpi::parse_json(cdr)));
    r = t.send(http::Method::post, "/scpi/receiver/2.2/cdrs", cdr);
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "CDR already exists: CH/CPO/CDR-2019-0001");
    EXPECT_EQ(t.store->count_cdrs({}), 1u);
    EXPECT_EQ(t.send(http::Method::get, "/scpi/receiver/2.2/cdrs/999").http_status, 404u);
}

TEST(Msp, TokensArePaginated) {
    MspUnderTest t("tokens");
    auto page = t.send(http::Method::get, "/scpi/sender/2.2/tokens?limit=3");
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page.data.as_array().size(), 3u);
    EXPECT_EQ(page.headers.get("X-Total-Count"), "7");
    const auto link = page.headers.get("Link");
    ASSERT_TRUE(link);
    EXPECT_NE(link->find("offset=3&limit=3"), std::string::npos);
    page = t.send(http::Method::get, "/scpi/sender/2.2/tokens?offset=6&limit=3");
    EXPECT_EQ(page.data.as_array().size(), 1u);
    EXPECT_FALSE(page.headers.get("Link"));
    EXPECT_EQ(t.send(http::Method::get, "/scpi/sender/2.2/tokens?offset=-1").status_code, 2001);
}

namespace {
service::Reply authorize(MspUnderTest& t, const std::string& uid, const std::string& type,
                         std::optional<std::string> body = {}) {
    return t.send(http::Method::post, "/scpi/sender/2.2/tokens/" + uid + "/authorize?type=" + type, std::move(body));
}
}  // namespace

TEST(Msp, K07_KnownTokenIsAuthorizedWithTheWholeTokenAndTheLocation) {
    MspUnderTest t("k07");
    const auto r =
        authorize(t, "CH-MSP-RFID-0007", "RFID", R"({"location_id":"Loc1","evse_uids":["CH-CPO-S1E100001"]})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("allowed"), "ALLOWED");
    EXPECT_EQ(r.data.at("token").at("uid"), "CH-MSP-RFID-0007");
    EXPECT_EQ(r.data.at("token").at("type"), "RFID");
    EXPECT_TRUE(r.data.at("token").as_object().contains("contract_id")) << "the full token";
    EXPECT_EQ(r.data.at("location").at("location_id"), "Loc1") << "within what was asked";
    EXPECT_EQ(authorize(t, "CH-MSP-RFID-0001", "RFID").data.at("allowed"), "ALLOWED");
}

TEST(Msp, K08_UnknownTokenIs404And2004WithoutData) {
    MspUnderTest t("k08");
    const auto unknown = authorize(t, "NOPE", "RFID");
    EXPECT_EQ(unknown.http_status, 404u);
    EXPECT_EQ(unknown.status_code, 2004);
    EXPECT_TRUE(unknown.data.is_null());
    EXPECT_EQ(authorize(t, "CH-MSP-RFID-0001", "APP_USER").status_code, 2004) << "uid and type identify a token";
}

TEST(Msp, K09_ATokenThatNeedsALocationIs2002WithoutOne) {
    MspUnderTest t("k09");
    EXPECT_EQ(authorize(t, "CH-MSP-RFID-0007", "RFID").status_code, 2002) << "needs LocationReferences";
    EXPECT_EQ(authorize(t, "CH-MSP-RFID-0007", "RFID", R"({"location_id":"Loc9"})").data.at("allowed"), "NOT_ALLOWED");
}

TEST(Msp, K10_BlockedExpiredAndNoCreditAreAnswersNotErrors) {
    MspUnderTest t("k10");
    for (const auto& [uid, type, allowed] :
         std::vector<std::tuple<std::string, std::string, std::string>>{{"CH-MSP-RFID-0004", "RFID", "BLOCKED"},
                                                                        {"CH-MSP-RFID-0005", "RFID", "EXPIRED"},
                                                                        {"CH-MSP-APP-0006", "APP_USER", "NO_CREDIT"}}) {
        const auto r = authorize(t, uid, type);
        EXPECT_TRUE(r.ok()) << uid << ": " << r.describe();
        EXPECT_EQ(r.data.at("allowed").as_string(), allowed) << uid;
    }
}

TEST(Msp, ARestartLosesNothing) {
    std::string token;
    {
        MspUnderTest t("restart");
        token = t.msp->offline_token();
        ASSERT_TRUE(t.send(http::Method::post, "/scpi/receiver/2.2/cdrs", shipped("data/cpo/cdrs.json", 1)).ok());
        ASSERT_TRUE(
            t.send(http::Method::post, "/scpi/sender/2.2/commands/RESERVE_NOW/5", R"({"result":"REJECTED"})").ok());
    }
    MspUnderTest again("restart", /*fresh=*/false);
    EXPECT_EQ(again.msp->offline_token(), token);
    EXPECT_EQ(again.store->count_cdrs({}), 1u);
    EXPECT_EQ(again.store->command_results("RESERVE_NOW", "5").at(0).result, "REJECTED");
}
