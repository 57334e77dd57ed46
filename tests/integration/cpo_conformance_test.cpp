// The mock CPO against the conformance checklist: its tokens receiver (K-01..K-05, K-11), authorization at the
// charger (K-12), commands (M-01..M-14), the session lifecycle (S-12), ownership of sessions, CDRs and reservations
// (M-06), list parameters (P-06, P-07) and EVSE status pushes (L-15). The CPO pushes to a recording eMSP on
// 127.0.0.1 that answers real-time authorizations as each test needs.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

#include "cpo_fixture.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;
using test::Fixture;
using test::pushes_of;
using test::status_of;
using test::token_json;

// ---- Tokens receiver (OCPI 2.2 §12.2.2) ----

TEST(CpoTokensReceiver, K01_PutNewIs201ThenGetWithoutTypeFindsTheRfidToken) {
    Fixture t("k01");
    auto put = t.put_token("RF1", "ALWAYS");
    ASSERT_TRUE(put.ok()) << put.describe();
    EXPECT_EQ(put.http_status, 201u) << "a new token";
    EXPECT_EQ(put.headers.get("SCPI-To-Party-Id"), "MSP") << "routing headers answered in reverse";
    const auto got = t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1");
    ASSERT_TRUE(got.ok()) << got.describe();
    EXPECT_EQ(scpi::from_json<scpi::Token>(got.data),
              scpi::from_json<scpi::Token>(scpi::parse_json(token_json("RF1", "MSP", "ALWAYS"))));
    put = t.put_token("RF1", "NEVER");
    ASSERT_TRUE(put.ok()) << put.describe();
    EXPECT_EQ(put.http_status, 200u) << "replacing an existing token";
    EXPECT_EQ(t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1?type=RFID").data.at("whitelist"),
              "NEVER");
}

TEST(CpoTokensReceiver, K02_AppUserTokenNeedsItsType) {
    Fixture t("k02");
    const auto put = t.put_token("APP1", "NEVER", "?type=APP_USER", "APP_USER");
    ASSERT_TRUE(put.ok()) << put.describe();
    EXPECT_EQ(put.http_status, 201u);
    const auto without = t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/APP1");
    EXPECT_EQ(without.http_status, 404u) << "without type the RFID token is meant";
    EXPECT_EQ(without.status_code, 2004);
    const auto with = t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/APP1?type=APP_USER");
    ASSERT_TRUE(with.ok()) << with.describe();
    EXPECT_EQ(with.data.at("type"), "APP_USER");
    // A PUT whose ?type contradicts the body is refused.
    const auto contradicting = t.put_token("APP2", "NEVER", "?type=RFID", "APP_USER");
    EXPECT_EQ(contradicting.status_code, 2001);
    EXPECT_EQ(t.cpo->tokens().count(), 1u);
}

TEST(CpoTokensReceiver, K03_PatchChangesOnlyWhatItCarries) {
    Fixture t("k03");
    ASSERT_TRUE(t.put_token("RF1", "ALWAYS").ok());
    const auto patch = t.call(http::Method::patch, "/scpi/receiver/2.2/tokens/CH/MSP/RF1",
                              R"({"valid":false,"last_updated":"2024-02-01T00:00:00Z"})");
    ASSERT_TRUE(patch.ok()) << patch.describe();
    const auto got = t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.data.at("valid"), false);
    EXPECT_EQ(got.data.at("whitelist"), "ALWAYS") << "untouched";
    EXPECT_EQ(got.data.at("contract_id"), "C-RF1") << "untouched";
    EXPECT_EQ(got.data.at("last_updated"), "2024-02-01T00:00:00.000Z");
    const auto unknown = t.call(http::Method::patch, "/scpi/receiver/2.2/tokens/CH/MSP/NOPE",
                                R"({"valid":false,"last_updated":"2024-02-01T00:00:00Z"})");
    EXPECT_EQ(unknown.http_status, 404u) << "nothing to patch";
    EXPECT_EQ(unknown.status_code, 2004);
}

TEST(CpoTokensReceiver, K04_PatchWithoutLastUpdatedAndUnknownWhitelistAre2001) {
    Fixture t("k04");
    ASSERT_TRUE(t.put_token("RF1", "ALWAYS").ok());
    const auto patch = t.call(http::Method::patch, "/scpi/receiver/2.2/tokens/CH/MSP/RF1", R"({"valid":false})");
    EXPECT_EQ(patch.status_code, 2001);
    ASSERT_TRUE(patch.status_message);
    EXPECT_NE(patch.status_message->find("last_updated"), std::string::npos) << *patch.status_message;
    EXPECT_EQ(t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1").data.at("valid"), true)
        << "nothing changed";
    const auto bad = t.put_token("RF2", "SOMETIMES");
    EXPECT_EQ(bad.status_code, 2001);
    ASSERT_TRUE(bad.status_message);
    EXPECT_NE(bad.status_message->find("whitelist"), std::string::npos) << *bad.status_message;
    const auto bad_patch = t.call(http::Method::patch, "/scpi/receiver/2.2/tokens/CH/MSP/RF1",
                                  R"({"whitelist":"SOMETIMES","last_updated":"2024-02-01T00:00:00Z"})");
    EXPECT_EQ(bad_patch.status_code, 2001);
    EXPECT_EQ(t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1").data.at("whitelist"), "ALWAYS");
    EXPECT_EQ(t.cpo->tokens().count(), 1u) << "the invalid token was not stored";
}

TEST(CpoTokensReceiver, K05_DeleteAndPostAre405) {
    Fixture t("k05");
    ASSERT_TRUE(t.put_token("RF1", "ALWAYS").ok());
    for (const auto m : {http::Method::del, http::Method::post}) {
        const auto one = t.call(m, "/scpi/receiver/2.2/tokens/CH/MSP/RF1", token_json("RF1"));
        EXPECT_EQ(one.http_status, 405u);
        EXPECT_NE(one.status_code, 1000);
        const auto list = t.call(m, "/scpi/receiver/2.2/tokens", token_json("RF1"));
        EXPECT_EQ(list.http_status, 405u);
    }
    EXPECT_TRUE(t.call(http::Method::get, "/scpi/receiver/2.2/tokens/CH/MSP/RF1").ok()) << "still there";
}

TEST(CpoTokensReceiver, K11_UnknownTypeIs2001) {
    Fixture t("k11");
    for (const auto m : {http::Method::get, http::Method::put}) {
        const auto r = t.call(m, "/scpi/receiver/2.2/tokens/CH/MSP/RF1?type=FOO",
                              m == http::Method::put ? std::optional<std::string>(token_json("RF1")) : std::nullopt);
        EXPECT_EQ(r.status_code, 2001);
        ASSERT_TRUE(r.status_message);
        EXPECT_NE(r.status_message->find("FOO"), std::string::npos) << *r.status_message;
    }
    EXPECT_EQ(t.cpo->tokens().count(), 0u);
}

TEST(CpoTokensReceiver, L09_UrlMustMatchBodyAndSender) {
    Fixture t("ids");
    auto r = t.call(http::Method::put, "/scpi/receiver/2.2/tokens/CH/MSP/RF1", token_json("RF2"));
    EXPECT_EQ(r.status_code, 2001) << "uid differs";
    r = t.call(http::Method::put, "/scpi/receiver/2.2/tokens/CH/MSP/RF1", token_json("RF1", "OTH"));
    EXPECT_EQ(r.status_code, 2001) << "party_id differs";
    r = t.call(http::Method::put, "/scpi/receiver/2.2/tokens/CH/OTH/RF1", token_json("RF1", "OTH"), "MSP");
    EXPECT_EQ(r.http_status, 404u) << "CH/MSP may not push CH/OTH's tokens";
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(t.cpo->tokens().count(), 0u);
    r = t.call(http::Method::put, "/scpi/receiver/2.2/tokens/CH/OTH/RF1", token_json("RF1", "OTH"), "");
    EXPECT_TRUE(r.ok()) << "a bilateral peer without routing headers: " << r.describe();
    r = t.call(http::Method::put, "/scpi/receiver/2.2/tokens/ch/msp/RF1", token_json("RF1"));
    EXPECT_TRUE(r.ok()) << "CiStrings compare case-insensitively: " << r.describe();
}

TEST(CpoTokensReceiver, V03_VersionDetailsListTheTokensReceiver) {
    Fixture t("v03");
    const auto details = t.call(http::Method::get, "/scpi/versions/2.2", std::nullopt, "");
    ASSERT_TRUE(details.ok()) << details.describe();
    bool found = false;
    for (const auto& e : details.data.at("endpoints").as_array()) {
        found = found || (e.at("identifier") == "tokens" && e.at("role") == "RECEIVER" &&
                          std::string_view(e.at("url").as_string()).ends_with("/scpi/receiver/2.2/tokens"));
    }
    EXPECT_TRUE(found);
}

// ---- A token presented at the charger (OCPI 2.2 §12.4.4) ----

TEST(CpoAtCharger, K12_WhitelistedTokenStartsWithoutAskingTheEmsp) {
    Fixture t("k12-always");
    ASSERT_TRUE(t.put_token("RF1", "ALWAYS").ok());
    const auto r = t.at_charger("Loc1", "CH-CPO-S1E100001", "RF1");
    ASSERT_TRUE(r.started()) << r.message;
    const auto id = t.session_at("CH-CPO-S1E100001");
    EXPECT_EQ(id, *r.session_id);
    const auto pushes = pushes_of(t.msp, id);
    ASSERT_FALSE(pushes.empty());
    EXPECT_EQ(pushes.front().at("auth_method"), "WHITELIST");
    EXPECT_EQ(pushes.front().at("cdr_token").at("uid"), "RF1");
    EXPECT_TRUE(t.msp.requests("POST", "/tokens/").empty()) << "ALWAYS: never asked in real time";
    const auto put = t.msp.requests("PUT", "/sessions/")[0];
    EXPECT_EQ(put.at("SCPI-To-Party-Id"), "MSP");
    EXPECT_EQ(put.at("SCPI-From-Party-Id"), "CPO");
}

TEST(CpoAtCharger, K12_NeverTokenIsAuthorizedInRealTime) {
    Fixture t("k12-never");
    ASSERT_TRUE(t.put_token("ok-1", "NEVER").ok());
    const auto r = t.at_charger("Loc1", "CH-CPO-S1E100001", "ok-1");
    ASSERT_TRUE(r.started()) << r.message;
    EXPECT_EQ(r.allowed, scpi::AllowedType::ALLOWED);
    const auto asked = t.msp.requests("POST", "/tokens/ok-1/authorize");
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].at("query"), "type=RFID");
    EXPECT_EQ(asked[0].at("SCPI-To-Country-Code"), "CH");
    EXPECT_EQ(asked[0].at("SCPI-To-Party-Id"), "MSP");
    EXPECT_EQ(asked[0].at("SCPI-From-Party-Id"), "CPO");
    EXPECT_EQ(asked[0].at("body").at("location_id"), "Loc1") << "with LocationReferences";
    EXPECT_EQ(asked[0].at("body").at("evse_uids").as_array()[0], "CH-CPO-S1E100001");
    const auto pushes = pushes_of(t.msp, t.session_at("CH-CPO-S1E100001"));
    ASSERT_FALSE(pushes.empty());
    EXPECT_EQ(pushes.front().at("auth_method"), "AUTH_REQUEST");
    EXPECT_EQ(pushes.front().at("authorization_reference"), "REF-ok-1");
}

TEST(CpoAtCharger, K12_RefusedTokensStartNothing) {
    Fixture t("k12-refused");
    ASSERT_TRUE(t.put_token("blocked-1", "NEVER").ok());
    auto r = t.at_charger("Loc1", "CH-CPO-S1E100001", "blocked-1");
    EXPECT_FALSE(r.started());
    EXPECT_EQ(r.refusal, party::Cpo::StartAtCharger::Refusal::not_allowed);
    EXPECT_EQ(r.allowed, scpi::AllowedType::BLOCKED);

    r = t.at_charger("Loc1", "CH-CPO-S1E100001", "stranger");  // not stored: its eMSP is asked, and knows it not
    EXPECT_EQ(r.refusal, party::Cpo::StartAtCharger::Refusal::unknown_token) << r.message;
    EXPECT_EQ(t.msp.requests("POST", "/tokens/stranger/authorize").size(), 1u);

    ASSERT_TRUE(t.put_token("RF9", "ALWAYS").ok());
    ASSERT_TRUE(t.call(http::Method::patch, "/scpi/receiver/2.2/tokens/CH/MSP/RF9",
                       R"({"valid":false,"last_updated":"2024-02-01T00:00:00Z"})")
                    .ok());
    r = t.at_charger("Loc1", "CH-CPO-S1E100001", "RF9");
    EXPECT_EQ(r.refusal, party::Cpo::StartAtCharger::Refusal::not_allowed) << r.message;
    EXPECT_TRUE(t.msp.requests("POST", "/tokens/RF9/").empty()) << "ALWAYS is never asked";

    EXPECT_EQ(t.at_charger("Loc99", "X", "RF9").refusal, party::Cpo::StartAtCharger::Refusal::unknown_location);
    EXPECT_EQ(t.at_charger("Loc1", "X", "RF9").refusal, party::Cpo::StartAtCharger::Refusal::unknown_evse);
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "AVAILABLE") << "no session was started";
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(t.msp.requests("PUT", "/sessions/").empty());

    ASSERT_TRUE(t.put_token("RF1", "ALWAYS").ok());
    ASSERT_TRUE(t.at_charger("Loc1", "CH-CPO-S1E100001", "RF1").started());
    r = t.at_charger("Loc1", "CH-CPO-S1E100001", "RF1");
    EXPECT_EQ(r.refusal, party::Cpo::StartAtCharger::Refusal::evse_not_available) << r.message;
}

// ---- Commands (OCPI 2.2 §13) and the session lifecycle (§9) ----

TEST(CpoCommands, M01_S12_SessionGoesPendingActiveCompletedWithPeriodsOnEveryChargingPush) {
    Fixture t("m01");
    const auto start = t.command("START_SESSION", R"({"response_url":")" + t.result_url("s1") +
                                                      R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001",
                                                      "authorization_reference":"AR-77","token":)" +
                                                      token_json("APP1", "MSP", "NEVER", "APP_USER") + "}");
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_EQ(start.data.at("result"), "ACCEPTED");
    EXPECT_GT(start.data.at("timeout").as_int64(), 0);
    ASSERT_TRUE(t.msp.wait_for("POST", "/results/s1", [](const auto& r) { return !r.empty(); }));
    const auto result = t.msp.requests("POST", "/results/s1")[0];
    EXPECT_EQ(result.at("body").at("result"), "ACCEPTED");
    EXPECT_EQ(result.at("SCPI-To-Party-Id"), "MSP") << "the result carries routing headers";
    const auto id = t.session_at("CH-CPO-S1E100001");
    ASSERT_FALSE(id.empty());
    // Two ACTIVE pushes (the start and one periodic update).
    ASSERT_TRUE(t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [](const auto& puts) {
        return std::count_if(puts.begin(), puts.end(),
                             [](const auto& p) { return p.at("body").at("status") == "ACTIVE"; }) >= 2;
    }));
    const auto stop =
        t.command("STOP_SESSION", R"({"response_url":")" + t.result_url("s2") + R"(","session_id":")" + id + "\"}");
    ASSERT_TRUE(stop.ok()) << stop.describe();
    EXPECT_EQ(stop.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.msp.wait_for("POST", "/cdrs", [](const auto& r) { return !r.empty(); }));

    const auto pushes = pushes_of(t.msp, id);
    ASSERT_GE(pushes.size(), 4u);
    EXPECT_EQ(status_of(pushes.front()), "PENDING") << "before the charger begins";
    EXPECT_EQ(status_of(pushes.back()), "COMPLETED");
    EXPECT_EQ(pushes.back().at("authorization_reference"), "AR-77");
    EXPECT_EQ(pushes.back().at("auth_method"), "COMMAND");
    std::string last_status = "PENDING";
    double kwh = 0;
    for (const auto& p : pushes) {
        const auto status = status_of(p);
        EXPECT_TRUE((last_status == "PENDING" && (status == "PENDING" || status == "ACTIVE")) ||
                    (last_status == "ACTIVE" && (status == "ACTIVE" || status == "COMPLETED")))
            << last_status << " -> " << status;
        last_status = status;
        EXPECT_GE(p.at("kwh").to_number<double>(), kwh) << "kwh never decreases";
        kwh = p.at("kwh").to_number<double>();
        if (status != "PENDING") {
            ASSERT_TRUE(p.contains("charging_periods")) << status;
            EXPECT_FALSE(p.at("charging_periods").as_array().empty()) << status;
            EXPECT_TRUE(p.contains("total_cost")) << status;
        }
    }
    const auto first_active =
        std::find_if(pushes.begin(), pushes.end(), [](const auto& p) { return status_of(p) == "ACTIVE"; });
    ASSERT_NE(first_active, pushes.end());
    EXPECT_GT(*core::parse_datetime(first_active->at("start_date_time").as_string()),
              *core::parse_datetime(pushes.front().at("start_date_time").as_string()))
        << "start_date_time moves to the moment the session turned ACTIVE";
    const auto cdr = t.msp.requests("POST", "/cdrs")[0].at("body");
    EXPECT_EQ(cdr.at("session_id").as_string(), id);
    EXPECT_EQ(cdr.at("authorization_reference"), "AR-77");
}

TEST(CpoCommands, M02_M05_M09_UnknownLocationSessionAndConnector) {
    Fixture t("m02");
    auto r = t.start("APP1", "Loc99", "X");
    EXPECT_EQ(r.status_code, 2003);
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    r = t.command("STOP_SESSION", R"({"response_url":")" + t.result_url("x") + R"(","session_id":"nope"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "UNKNOWN_SESSION");
    r = t.command("UNLOCK_CONNECTOR",
                  R"({"response_url":")" + t.result_url("u1") +
                      R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","connector_id":"99"})");
    EXPECT_EQ(r.status_code, 2003) << "unknown connector";
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    r = t.command("UNLOCK_CONNECTOR",
                  R"({"response_url":")" + t.result_url("u2") +
                      R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","connector_id":"S1E1Con1"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    EXPECT_TRUE(t.msp.wait_for("POST", "/results/u2", [](const auto& x) { return !x.empty(); }));
    EXPECT_TRUE(t.msp.requests("POST", "/results/u1").empty()) << "no result for a rejected command";
}

TEST(CpoCommands, M03_M12_MalformedCommandsAre2001) {
    Fixture t("m03");
    const std::string url = t.result_url("x");
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"START_SESSION", R"({"response_url":")" + url +
                              R"(","location_id":"Loc1","connector_id":"S1E1Con1","token":)" + token_json("A") +
                              "}"},  // connector_id without evse_uid
        {"START_SESSION", R"({"location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","token":)" + token_json("A") + "}"},
        {"START_SESSION", R"({"response_url":")" + url + R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001"})"},
        {"START_SESSION", R"({"response_url":")" + url + R"(","session_id":"abc"})"},  // a StopSession
        {"STOP_SESSION", R"({"response_url":")" + url + R"(","session_id":"abc","location_id":"Loc1"})"},
        {"CANCEL_RESERVATION", R"({"response_url":")" + url +
                                   R"(","reservation_id":"r1","location_id":"Loc1",)"
                                   R"("expiry_date":"2030-01-01T00:00:00Z","token":)" +
                                   token_json("A") + "}"},  // a ReserveNow
        {"UNLOCK_CONNECTOR", R"(["not an object"])"},
    };
    for (const auto& [command, body] : bad) {
        const auto r = t.command(command, body);
        EXPECT_EQ(r.status_code, 2001) << command << " " << body;
        EXPECT_TRUE(r.status_message) << command << " " << body;
    }
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(t.msp.requests("POST", "/results/").empty()) << "nothing was accepted";
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "AVAILABLE");
}

TEST(CpoCommands, M04_ConnectorRequiredEvseNeedsAConnectorId) {
    // The shipped data with START_SESSION_CONNECTOR_REQUIRED on Loc1's first EVSE.
    const auto data = std::filesystem::temp_directory_path() / ("scn-cpo-conf-data-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data);
    std::filesystem::create_directories(data);
    const auto src = std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo";
    for (const auto* f : {"tariffs.json", "sessions.json", "cdrs.json"}) {
        std::filesystem::copy_file(src / f, data / f);
    }
    std::ifstream in(src / "locations.json");
    auto locations = json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_array();
    locations[0].at("evses").as_array()[0].as_object()["capabilities"].as_array().emplace_back(
        "START_SESSION_CONNECTOR_REQUIRED");
    std::ofstream(data / "locations.json") << json::serialize(locations);

    Fixture t("m04", data);
    auto r = t.start("APP1", "Loc1", "CH-CPO-S1E100001");
    ASSERT_EQ(r.status_code, 1000) << r.describe();
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "AVAILABLE");
    r = t.command("START_SESSION",
                  R"({"response_url":")" + t.result_url("s") +
                      R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","connector_id":"S1E1Con1","token":)" +
                      token_json("APP1", "MSP", "NEVER", "APP_USER") + "}");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED") << "with the connector";
    std::filesystem::remove_all(data);
}

TEST(CpoCommands, M07_ReserveNowIsAReservationSessionThatTurnsActiveWhenItsTokenStarts) {
    Fixture t("m07");
    const auto expiry = core::format_datetime(core::system_clock().now() + 1h);
    const auto reserve = [&](const std::string& evse, const std::string& name) {
        return t.command("RESERVE_NOW", R"({"response_url":")" + t.result_url(name) +
                                            R"(","reservation_id":"R1","location_id":"Loc2","evse_uid":")" + evse +
                                            R"(","expiry_date":")" + expiry + R"(","token":)" +
                                            token_json("APP1", "MSP", "NEVER", "APP_USER") + "}");
    };
    auto r = reserve("CH-CPO-S2E100001", "r1");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    const auto id = t.session_at("CH-CPO-S2E100001");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(status_of(pushes_of(t.msp, id).front()), "RESERVATION");
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "RESERVED");
    // The same reservation_id again replaces it: moved to the other EVSE, the same session.
    r = reserve("CH-CPO-S2E100002", "r2");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "AVAILABLE");
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100002"), "RESERVED");
    ASSERT_TRUE(t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [](const auto& p) {
        return !p.empty() && p.back().at("body").at("evse_uid") == "CH-CPO-S2E100002";
    }));
    // Another token cannot start there; the reserving one can, and the reservation's session turns ACTIVE.
    r = t.start("APP2", "Loc2", "CH-CPO-S2E100002");
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    r = t.start("APP1", "Loc2", "CH-CPO-S2E100002");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [](const auto& p) {
        return !p.empty() && p.back().at("body").at("status") == "ACTIVE";
    })) << "the reservation's session became the charging session";
    for (const auto& p : pushes_of(t.msp, id)) {
        EXPECT_TRUE(status_of(p) == "RESERVATION" || status_of(p) == "ACTIVE") << status_of(p);
    }
}

TEST(CpoCommands, M08_CancelOfAnUnknownReservationIsAcceptedWithResultUnknownReservation) {
    Fixture t("m08");
    const auto r =
        t.command("CANCEL_RESERVATION", R"({"response_url":")" + t.result_url("c1") + R"(","reservation_id":"nope"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.msp.wait_for("POST", "/results/c1", [](const auto& x) { return !x.empty(); }));
    EXPECT_EQ(t.msp.requests("POST", "/results/c1")[0].at("body").at("result"), "UNKNOWN_RESERVATION");
}

TEST(CpoCommands, M14_AnExpiredReservationEndsWithCanceledReservation) {
    Fixture t("m14");
    const auto expiry = core::format_datetime(core::system_clock().now() + 1500ms);
    const auto r =
        t.command("RESERVE_NOW",
                  R"({"response_url":")" + t.result_url("rn") +
                      R"(","reservation_id":"R9","location_id":"Loc3","evse_uid":"CH-CPO-S3E100001","expiry_date":")" +
                      expiry + R"(","token":)" + token_json("APP1", "MSP", "NEVER", "APP_USER") + "}");
    ASSERT_TRUE(r.ok()) << r.describe();
    const auto id = t.session_at("CH-CPO-S3E100001");
    ASSERT_TRUE(t.msp.wait_for("POST", "/results/rn", [](const auto& x) { return x.size() >= 2; }));
    const auto results = t.msp.requests("POST", "/results/rn");
    EXPECT_EQ(results[0].at("body").at("result"), "ACCEPTED");
    EXPECT_EQ(results[1].at("body").at("result"), "CANCELED_RESERVATION") << "posted to the RESERVE_NOW's url";
    ASSERT_TRUE(t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [](const auto& p) {
        return !p.empty() && p.back().at("body").at("status") == "COMPLETED";
    })) << "the unused reservation's session is over";
    EXPECT_EQ(t.evse_status("Loc3", "CH-CPO-S3E100001"), "AVAILABLE");
}

// ---- Ownership: sessions, CDRs and reservations are their eMSP's (M-06) ----

TEST(CpoOwnership, M06_StopSessionOfAnotherEmspIsRejectedAndChangesNothing) {
    Fixture t("m06");
    ASSERT_TRUE(t.start("APP1", "Loc1", "CH-CPO-S1E100001").ok());
    const auto id = t.session_at("CH-CPO-S1E100001");
    ASSERT_FALSE(id.empty());
    const auto stop = t.command("STOP_SESSION",
                                R"({"response_url":")" + t.result_url("x") + R"(","session_id":")" + id + "\"}", "OTH");
    ASSERT_EQ(stop.status_code, 1000) << stop.describe();
    EXPECT_EQ(stop.data.at("result"), "REJECTED");
    std::this_thread::sleep_for(1500ms);  // longer than a stop takes
    EXPECT_TRUE(t.msp.requests("POST", "/cdrs").empty()) << "no CDR";
    EXPECT_TRUE(t.msp.requests("POST", "/results/x").empty());
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "CHARGING") << "still charging";
    EXPECT_EQ(status_of(pushes_of(t.msp, id).back()), "ACTIVE");
    const auto own =
        t.command("STOP_SESSION", R"({"response_url":")" + t.result_url("y") + R"(","session_id":")" + id + "\"}");
    EXPECT_EQ(own.data.at("result"), "ACCEPTED") << "its owner can";
}

TEST(CpoOwnership, M06_CancelReservationOfAnotherEmspIsRejected) {
    Fixture t("m06-res");
    const auto expiry = core::format_datetime(core::system_clock().now() + 1h);
    ASSERT_TRUE(
        t.command("RESERVE_NOW",
                  R"({"response_url":")" + t.result_url("r") +
                      R"(","reservation_id":"R1","location_id":"Loc2","evse_uid":"CH-CPO-S2E100001","expiry_date":")" +
                      expiry + R"(","token":)" + token_json("APP1", "MSP", "NEVER", "APP_USER") + "}")
            .ok());
    auto r = t.command("CANCEL_RESERVATION", R"({"response_url":")" + t.result_url("c") + R"(","reservation_id":"R1"})",
                       "OTH");
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    r = t.command("RESERVE_NOW",
                  R"({"response_url":")" + t.result_url("r2") +
                      R"(","reservation_id":"R1","location_id":"Loc3","evse_uid":"CH-CPO-S3E100001","expiry_date":")" +
                      expiry + R"(","token":)" + token_json("APP9", "OTH", "NEVER", "APP_USER") + "}",
                  "OTH");
    EXPECT_EQ(r.data.at("result"), "REJECTED") << "nor take its reservation id over";
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "RESERVED") << "still held";
    EXPECT_EQ(t.evse_status("Loc3", "CH-CPO-S3E100001"), "AVAILABLE");
    r = t.command("START_SESSION",
                  R"({"response_url":")" + t.result_url("s") +
                      R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","token":)" + token_json("APP1") + "}",
                  "OTH");
    EXPECT_EQ(r.data.at("result"), "REJECTED") << "a token of another eMSP (CH/MSP) sent by CH/OTH";
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "AVAILABLE");
}

TEST(CpoOwnership, SessionsAndCdrsListOnlyTheCallersOwn) {
    Fixture t("lists");
    ASSERT_TRUE(t.start("APP9", "Loc4", "CH-CPO-S4E100001", "OTH").ok());
    const auto id = t.session_at("CH-CPO-S4E100001");
    ASSERT_FALSE(id.empty());
    const auto ids = [&](const std::string& list, const std::string& from) {
        std::vector<std::string> out;
        const auto r = t.call(http::Method::get, "/scpi/sender/2.2/" + list + "?date_from=2000-01-01T00:00:00Z",
                              std::nullopt, from);
        EXPECT_TRUE(r.ok()) << r.describe();
        for (const auto& o : r.data.as_array()) {
            out.emplace_back(o.at(list == "sessions" ? "id" : "session_id").as_string());
        }
        EXPECT_EQ(r.headers.get("X-Total-Count"), std::to_string(out.size()));
        return out;
    };
    const auto of_oth = ids("sessions", "OTH");
    EXPECT_EQ(of_oth, std::vector<std::string>{id}) << "CH/OTH sees its one session";
    const auto of_msp = ids("sessions", "MSP");
    EXPECT_EQ(std::count(of_msp.begin(), of_msp.end(), id), 0) << "CH/MSP does not see CH/OTH's";
    EXPECT_EQ(of_msp.size(), 2u) << "CH/MSP sees the seeded sessions of its tokens";
    EXPECT_EQ(ids("sessions", "").size(), 3u) << "without routing headers (bilateral) everything";
    EXPECT_EQ(ids("cdrs", "OTH").size(), 0u);
    EXPECT_EQ(ids("cdrs", "MSP").size(), 2u);
}

// ---- List parameters (P-06, P-07) ----

TEST(CpoLists, P07_SessionsWithoutDateFromAre2001) {
    Fixture t("p07");
    const auto r = t.call(http::Method::get, "/scpi/sender/2.2/sessions");
    EXPECT_EQ(r.status_code, 2001);
    ASSERT_TRUE(r.status_message);
    EXPECT_NE(r.status_message->find("date_from"), std::string::npos) << *r.status_message;
    EXPECT_TRUE(t.call(http::Method::get, "/scpi/sender/2.2/sessions?date_from=2019-01-01T00:00:00Z").ok());
    EXPECT_TRUE(t.call(http::Method::get, "/scpi/sender/2.2/cdrs").ok()) << "only the sessions list requires it";
}

TEST(CpoLists, P06_DateTimesWithAnOffsetAre2001) {
    Fixture t("p06");
    for (const auto* list : {"sessions", "cdrs", "locations", "tariffs"}) {
        for (const auto* bad : {"date_from=2024-01-01T10:00:00%2B02:00", "date_from=2024-01-01T10:00:00+02:00",
                                "date_to=2024-01-01T10:00:00-01:00", "date_from=2024-01-01T10:00:00.5%2B00:00"}) {
            const auto r = t.call(http::Method::get,
                                  std::string("/scpi/sender/2.2/") + list + "?" + bad +
                                      (std::string(list) == "sessions" && std::string_view(bad).starts_with("date_to")
                                           ? "&date_from=2019-01-01T00:00:00Z"
                                           : ""));
            EXPECT_EQ(r.status_code, 2001) << list << " " << bad;
        }
        const auto ok = t.call(http::Method::get, std::string("/scpi/sender/2.2/") + list +
                                                      "?date_from=2019-01-01T00:00:00Z&date_to=2030-01-01T00:00:00");
        EXPECT_TRUE(ok.ok()) << list << ": " << ok.describe();
    }
}

// ---- EVSE status pushes (L-15) ----

TEST(CpoEvseStatus, L15_StatusChangesArePatchedToTheEmspWithRoutingHeaders) {
    Fixture t("l15");
    ASSERT_TRUE(t.start("APP1", "Loc1", "CH-CPO-S1E100001").ok());
    const auto id = t.session_at("CH-CPO-S1E100001");
    const std::string evse_path = "/locations/CH/CPO/Loc1/CH-CPO-S1E100001";
    // The eMSP never received Loc1 (it pulls locations): the first change PUTs it whole, the change included.
    ASSERT_TRUE(t.msp.wait_for("PUT", "/locations/CH/CPO/Loc1", [](const auto& p) { return !p.empty(); }));
    const auto puts = t.msp.requests("PUT", "/locations/CH/CPO/Loc1");
    ASSERT_EQ(puts.size(), 1u);
    EXPECT_EQ(puts[0].at("path"), "/locations/CH/CPO/Loc1");
    EXPECT_EQ(puts[0].at("body").at("evses").as_array()[0].at("status"), "CHARGING");
    EXPECT_EQ(puts[0].at("SCPI-To-Party-Id"), "MSP");
    ASSERT_TRUE(
        t.command("STOP_SESSION", R"({"response_url":")" + t.result_url("s") + R"(","session_id":")" + id + "\"}")
            .ok());
    // The next change is PATCHed: only what changed, at the EVSE's URL, with routing headers.
    ASSERT_TRUE(t.msp.wait_for("PATCH", evse_path, [](const auto& p) {
        return !p.empty() && p.back().at("body").at("status") == "AVAILABLE";
    })) << "back to AVAILABLE after the session";
    auto patches = t.msp.requests("PATCH", evse_path);
    ASSERT_EQ(patches.size(), 1u) << "the PUT carried CHARGING: no PATCH repeats it";
    EXPECT_TRUE(patches[0].at("body").as_object().contains("last_updated"));
    EXPECT_EQ(patches[0].at("body").as_object().size(), 2u) << "only what changed";
    EXPECT_EQ(patches[0].at("SCPI-From-Country-Code"), "CH");
    EXPECT_EQ(patches[0].at("SCPI-From-Party-Id"), "CPO");
    EXPECT_EQ(patches[0].at("SCPI-To-Country-Code"), "CH");
    EXPECT_EQ(patches[0].at("SCPI-To-Party-Id"), "MSP");
    EXPECT_EQ(t.msp.requests("PUT", "/locations/CH/CPO/Loc1").size(), 1u) << "PUT once, PATCHed since";
    const auto expiry = core::format_datetime(core::system_clock().now() + 1h);
    ASSERT_TRUE(
        t.command("RESERVE_NOW",
                  R"({"response_url":")" + t.result_url("r") +
                      R"(","reservation_id":"R1","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","expiry_date":")" +
                      expiry + R"(","token":)" + token_json("APP1", "MSP", "NEVER", "APP_USER") + "}")
            .ok());
    EXPECT_TRUE(t.msp.wait_for("PATCH", evse_path, [](const auto& p) {
        return !p.empty() && p.back().at("body").at("status") == "RESERVED";
    }));
    EXPECT_TRUE(t.msp.requests("DELETE", "/locations").empty()) << "never deletes";
}
