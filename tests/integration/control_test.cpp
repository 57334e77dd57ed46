// The control API of the mock parties on 127.0.0.1: the mock CPO and MSP registered with each other by the
// credentials handshake (the MSP's tokens reach the CPO), one virtual clock, a control server for each; every
// endpoint, and bad input that must change nothing.
#include <scn/party/control_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/scpi/model.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct Controlled {
    test::IoThread io;
    std::filesystem::path dir;
    core::VirtualClock clock;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::unique_ptr<party::PartyStore> cpo_store, msp_store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<party::ControlServer> cpo_control, msp_control;
    std::unique_ptr<http::Client> client;

    explicit Controlled(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / ("scn-control-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        cpo_store = std::make_unique<party::PartyStore>(dir / "cpo.db", clock);
        msp_store = std::make_unique<party::PartyStore>(dir / "msp.db", clock);
        io.run([&] {
            auto c = test::local_party_config(true);
            c.warm_data = false;
            c.session_update_interval = 30s;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *cpo_store, core::Logger("cpo", log), clock);
            msp = std::make_unique<party::Msp>(io.ioc(), test::local_party_config(false), *msp_store,
                                               core::Logger("msp", log), clock);
            cpo->enable_interception();
            msp->enable_interception();
            cpo->start_all();
            msp->start_all();
            cpo_control = std::make_unique<party::ControlServer>(io.ioc(), *cpo, clock, party::ControlOptions{},
                                                                 core::Logger("cpo-control", log));
            msp_control = std::make_unique<party::ControlServer>(io.ioc(), *msp, clock, party::ControlOptions{},
                                                                 core::Logger("msp-control", log));
            cpo_control->start();
            msp_control->start();
            cpo_control->set_sibling(msp.get());
            msp_control->set_sibling(cpo.get());
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
        // The CPO registers with the MSP (its TOKEN_A is the MSP's offline token): pushes both ways from then on.
        const auto token_a = io.run([&] { return msp->offline_token(); });
        const auto peer = io.await(party::register_with_peer(*cpo, *cpo_store, *client, msp->versions_url(), token_a));
        io.run([&] {
            cpo->set_peer(peer);
            return 0;
        });
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (io.run([&] { return cpo->tokens().count(); }) < 7 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
        }
    }
    ~Controlled() {
        io.run([&] {
            cpo_control->stop();
            msp_control->stop();
            cpo->stop_all();
            msp->stop_all();
            return 0;
        });
        io.stop();
    }

    struct Answer {
        unsigned status = 0;
        json::value body;
    };
    /// A control API call to the CPO's (or the MSP's) control server.
    /// A driver with the MSP's RFID card CH-MSP-RFID-0002 starts at an EVSE (POST /control/sessions).
    Answer start_at_charger(const std::string& location_id, const std::string& evse_uid) {
        return control(http::Method::post, "/control/sessions",
                       R"({"location_id":")" + location_id + R"(","evse_uid":")" + evse_uid +
                           R"(","token_uid":"CH-MSP-RFID-0002"})");
    }
    Answer control(http::Method m, const std::string& path, const std::string& body = {}, bool to_cpo = true) {
        http::ClientRequest req{m, (to_cpo ? cpo_control : msp_control)->url() + path, {}, body};
        if (!body.empty()) {
            req.headers.add("Content-Type", "application/json");
        }
        const auto res = http::send_blocking(req);
        boost::system::error_code ec;
        auto v = json::parse(res.body, ec);
        return {res.status, ec ? json::value(res.body) : v};
    }
    /// An SCPI call to the CPO as the MSP makes it (with the CPO's offline token, routing headers).
    service::Reply to_cpo(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = cpo->public_url() + path;
        c.token = io.run([&] { return cpo->offline_token(); });
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
    std::string evse_status(const std::string& location, const std::string& evse) {
        return std::string(to_cpo(http::Method::get, "/scpi/sender/2.2/locations/" + location + "/" + evse)
                               .data.at("status")
                               .as_string());
    }
    /// The command results the MSP received for `command`.
    std::vector<std::string> results(const std::string& command) {
        std::vector<std::string> out;
        for (const auto& r : io.run([&] { return msp_store->command_results(command); })) {
            out.push_back(r.result);
        }
        return out;
    }
    [[nodiscard]] std::string logs() const {
        std::string out;
        for (const auto& line : log->lines()) {
            out += line + "\n";
        }
        return out;
    }
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }
    /// How many pushes of session `id` the MSP received, as its control API shows them.
    std::size_t pushes_received(const std::string& id) {
        return io.run([&] {
            std::size_t n = 0;
            for (const auto& r : msp->interceptor()->received("sessions", 0, std::nullopt)) {
                n += r.path.ends_with("/" + id) ? 1 : 0;
            }
            return n;
        });
    }
    /// How many location pushes the MSP received with `method` at a path ending in `path_end` that give EVSE
    /// CH-CPO-S2E100001 `status`: a PATCH's body, or that EVSE in a PUT location.
    std::size_t msp_received(const std::string& method, const std::string& path_end, const std::string& status) {
        return io.run([&] {
            std::size_t n = 0;
            for (const auto& r : msp->interceptor()->received("locations", 0, std::nullopt)) {
                if (r.method != method || !r.path.ends_with(path_end)) {
                    continue;
                }
                const auto body = json::parse(r.body).as_object();
                if (method == "PATCH") {
                    n += body.at("status") == json::value(status) ? 1 : 0;
                    continue;
                }
                for (const auto& evse : body.at("evses").as_array()) {
                    n += evse.at("uid") == "CH-CPO-S2E100001" && evse.at("status") == json::value(status) ? 1 : 0;
                }
            }
            return n;
        });
    }
    std::string start_command(const std::string& uid, const std::string& evse = "CH-CPO-S1E100001") {
        return R"({"response_url":")" + msp->public_url() + "/scpi/sender/2.2/commands/START_SESSION/" + uid +
               R"(","location_id":"Loc1","evse_uid":")" + evse + R"(","token":)" + test::token_json(uid) + "}";
    }
};

}  // namespace

TEST(Control, StateShowsThePartyItsPartnersEvsesSessionsAndTheClock) {
    Controlled t("state");
    const auto cpo = t.control(http::Method::get, "/control/state");
    ASSERT_EQ(cpo.status, 200u);
    EXPECT_EQ(cpo.body.at("party"), "CPO");
    EXPECT_EQ(cpo.body.at("evses").as_array().size(), 20u);
    EXPECT_EQ(cpo.body.at("evses").at(0).at("status"), "AVAILABLE");
    EXPECT_EQ(cpo.body.at("tokens"), 7);
    EXPECT_TRUE(cpo.body.at("sessions").as_array().empty());
    EXPECT_EQ(cpo.body.at("clock").at("offset_ms"), 0);
    const auto msp = t.control(http::Method::get, "/control/state", {}, false);
    ASSERT_EQ(msp.status, 200u);
    EXPECT_EQ(msp.body.at("party"), "MSP");
    ASSERT_EQ(msp.body.at("partners").as_array().size(), 1u);
    EXPECT_EQ(msp.body.at("partners").at(0).at("party_id"), "CPO") << "registered by the credentials handshake";
    EXPECT_EQ(t.control(http::Method::get, "/control/nope").status, 404u);
    EXPECT_EQ(t.control(http::Method::get, "/control").body.at("endpoints").as_array().size(), 12u);
}

TEST(Control, EvseStatusIsSetAndPushedWhileBadInputChangesNothing) {
    Controlled t("evse");
    const std::string path = "/control/evses/CH-CPO-S2E100001/status";
    EXPECT_EQ(t.control(http::Method::put, "/control/evses/NOPE/status", R"({"status":"OUTOFORDER"})").status, 404u);
    const auto bad_status = t.control(http::Method::put, path, R"({"status":"BROKEN"})");
    EXPECT_EQ(bad_status.status, 400u);
    EXPECT_NE(std::string(bad_status.body.at("error").as_string()).find("OUTOFORDER"), std::string::npos)
        << "the error lists the valid statuses";
    EXPECT_EQ(t.control(http::Method::put, path, R"({"status":)").status, 400u);
    EXPECT_EQ(t.control(http::Method::put, path, R"(["OUTOFORDER"])").status, 400u);
    EXPECT_EQ(t.control(http::Method::put, path, "{}").status, 400u);
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "AVAILABLE") << "nothing changed";
    EXPECT_EQ(t.control(http::Method::put, path, R"({"status":"OUTOFORDER"})", false).status, 404u)
        << "the MSP has no EVSEs";

    const auto ok = t.control(http::Method::put, path, R"({"status":"OUTOFORDER"})");
    ASSERT_EQ(ok.status, 200u) << json::serialize(ok.body);
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "OUTOFORDER");
    // Pushed to the MSP, as its received log shows: Loc2 whole the first time, then a PATCH of the EVSE.
    EXPECT_TRUE(t.wait_until([&] { return t.msp_received("PUT", "/Loc2", "OUTOFORDER") == 1; }));
    ASSERT_EQ(t.control(http::Method::put, path, R"({"status":"INOPERATIVE"})").status, 200u);
    EXPECT_TRUE(t.wait_until([&] { return t.msp_received("PATCH", "/Loc2/CH-CPO-S2E100001", "INOPERATIVE") == 1; }));
    EXPECT_EQ(t.msp_received("PATCH", "/Loc2/CH-CPO-S2E100001", "OUTOFORDER"), 0u) << "the PUT said it already";
    // A reset starts over: the next change sends the location whole again.
    ASSERT_EQ(t.control(http::Method::post, "/control/reset").status, 200u);
    ASSERT_EQ(t.control(http::Method::put, path, R"({"status":"OUTOFORDER"})").status, 200u);
    EXPECT_TRUE(t.wait_until([&] { return t.msp_received("PUT", "/Loc2", "OUTOFORDER") == 2; }));
}

TEST(Control, ADriverStartsAtTheChargerAndAnHourOnTheCdrHoldsAnHoursEnergyPricedFromTheTariff) {
    Controlled t("hour");
    const auto refused = t.control(http::Method::post, "/control/sessions",
                                   R"({"location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","token_uid":"NOBODY"})");
    EXPECT_EQ(refused.status, 403u) << json::serialize(refused.body);
    EXPECT_EQ(t.control(http::Method::post, "/control/sessions", R"({"location_id":"Loc1"})").status, 400u);
    EXPECT_EQ(t.control(http::Method::post, "/control/sessions",
                        R"({"location_id":"Loc99","evse_uid":"X","token_uid":"CH-MSP-RFID-0002"})")
                  .status,
              404u);

    const auto started = t.start_at_charger("Loc1", "CH-CPO-S1E100001");
    ASSERT_EQ(started.status, 201u) << json::serialize(started.body);
    const std::string id(started.body.at("session_id").as_string());
    ASSERT_TRUE(t.wait_until([&] {
        const auto s = t.control(http::Method::get, "/control/state");
        return !s.body.at("sessions").as_array().empty() && s.body.at("sessions").at(0).at("status") == "ACTIVE";
    }));
    const auto before = t.pushes_received(id);
    const auto advanced = t.control(http::Method::post, "/control/clock/advance", R"({"seconds":3600})");
    ASSERT_EQ(advanced.status, 200u);
    EXPECT_EQ(advanced.body.at("offset_ms"), 3'600'000);
    EXPECT_EQ(t.control(http::Method::get, "/control/clock").body.at("offset_ms"), 3'600'000);
    // Every update due in the skipped hour (one each 30 s) reaches the MSP.
    EXPECT_TRUE(t.wait_until([&] { return t.pushes_received(id) >= before + 120; }, 30s));
    const auto stop = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                               R"({"response_url":")" + t.msp->public_url() +
                                   R"(/scpi/sender/2.2/commands/STOP_SESSION/1","session_id":")" + id + "\"}");
    ASSERT_TRUE(stop.ok()) << stop.describe();
    EXPECT_EQ(stop.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.wait_until([&] { return t.io.run([&] { return t.msp_store->count_cdrs({}); }) == 1; }));
    std::string text;
    t.io.run([&] {
        t.msp_store->page_cdrs({}, 0, 1, [&](std::string_view j) { text = j; });
        return 0;
    });
    const auto cdr = scpi::from_json<scpi::Cdr>(scpi::parse_json(text));
    EXPECT_NEAR(cdr.total_energy, 10.56, 0.1) << "an hour at the connector's 10.56 kW";
    EXPECT_NEAR(cdr.total_time, 1.0, 0.01);
    EXPECT_NEAR(cdr.total_cost.excl_vat, 0.5 + 0.25 * 11, 1e-6) << "tariff 1: 0.50 + 0.25 per started kWh";
    EXPECT_GE(cdr.end_date_time - cdr.start_date_time, 3600s);
}

TEST(Control, ScriptedCommandsGetTheirAnswerAndResultOnce) {
    Controlled t("scripted");
    // Bad scripts change nothing.
    EXPECT_EQ(t.control(http::Method::put, "/control/commands/FLY/next", R"({"response":"REJECTED"})").status, 400u);
    EXPECT_EQ(t.control(http::Method::put, "/control/commands/START_SESSION/next", R"({"response":"MAYBE"})").status,
              400u);
    EXPECT_EQ(t.control(http::Method::put, "/control/commands/START_SESSION/next", R"({"result":"LATER"})").status,
              400u);
    EXPECT_EQ(t.control(http::Method::put, "/control/commands/START_SESSION/next", R"({"delay_ms":-1})").status, 400u);
    EXPECT_TRUE(t.control(http::Method::get, "/control/commands").body.as_object().empty());

    ASSERT_EQ(t.control(http::Method::put, "/control/commands/START_SESSION/next", R"({"response":"REJECTED"})").status,
              200u);
    auto r = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", t.start_command("a"));
    EXPECT_EQ(r.data.at("result"), "REJECTED");
    r = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", t.start_command("b"));
    EXPECT_EQ(r.data.at("result"), "ACCEPTED") << "once only";
    ASSERT_TRUE(t.wait_until([&] { return t.results("START_SESSION").size() == 1; }));

    // Accepted, then a result that says it failed: no session starts.
    ASSERT_EQ(t.control(http::Method::put, "/control/commands/START_SESSION/next",
                        R"({"response":"ACCEPTED","result":"EVSE_OCCUPIED","delay_ms":300})")
                  .status,
              200u);
    const auto sent = std::chrono::steady_clock::now();
    r = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                 t.start_command("c", "CH-CPO-S1E100002"));
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.wait_until([&] { return t.results("START_SESSION").size() == 2; }));
    EXPECT_GE(std::chrono::steady_clock::now() - sent, 300ms) << "the scripted delay";
    EXPECT_EQ(t.results("START_SESSION").back(), "EVSE_OCCUPIED");
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100002"), "AVAILABLE");
}

TEST(Control, M10_ASilentChargerNeverPostsAResult) {
    Controlled t("m10");
    ASSERT_EQ(t.control(http::Method::put, "/control/commands/UNLOCK_CONNECTOR/next", R"({"result":"NONE"})").status,
              200u);
    const auto unlock = R"({"response_url":")" + t.msp->public_url() +
                        R"(/scpi/sender/2.2/commands/UNLOCK_CONNECTOR/u1","location_id":"Loc1",
                        "evse_uid":"CH-CPO-S1E100001","connector_id":"S1E1Con1"})";
    auto r = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/UNLOCK_CONNECTOR", unlock);
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    EXPECT_GT(r.data.at("timeout").to_number<int>(), 0) << "the eMSP is to time out itself";
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(t.results("UNLOCK_CONNECTOR").empty());
    // The next one answers as usual.
    r = t.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/UNLOCK_CONNECTOR", unlock);
    ASSERT_TRUE(t.wait_until([&] { return t.results("UNLOCK_CONNECTOR").size() == 1; })) << t.logs();
    EXPECT_EQ(t.results("UNLOCK_CONNECTOR").front(), "ACCEPTED");
}

TEST(Control, AFaultIsSeenExactlyCountTimes) {
    Controlled t("faults");
    for (const auto* bad : {R"({"module":"locations"})", R"([{"module":"locations"}])",
                            R"([{"module":"locations","http_status":999}])", R"([{"method":"FETCH","delay_ms":1}])",
                            R"([{"module":"locations","http_status":503,"colour":"red"}])", "[{"}) {
        EXPECT_EQ(t.control(http::Method::put, "/control/faults", bad).status, 400u) << bad;
    }
    EXPECT_TRUE(t.control(http::Method::get, "/control/faults").body.at("faults").as_array().empty());

    ASSERT_EQ(t.control(http::Method::put, "/control/faults",
                        R"([{"module":"locations","method":"GET","http_status":503,"count":2}])")
                  .status,
              200u);
    std::vector<unsigned> seen;
    for (int i = 0; i < 4; ++i) {
        seen.push_back(t.to_cpo(http::Method::get, "/scpi/sender/2.2/locations").http_status);
    }
    EXPECT_EQ(seen, (std::vector<unsigned>{503, 503, 200, 200}));
    EXPECT_TRUE(t.control(http::Method::get, "/control/faults").body.at("faults").as_array().empty()) << "used up";

    ASSERT_EQ(t.control(http::Method::put, "/control/faults",
                        R"([{"module":"tariffs","scpi_status":3001,"count":1},
                            {"module":"locations","page_limit":2},
                            {"module":"sessions","malformed_body":true,"count":1},
                            {"module":"cdrs","close_connection":true,"count":2}])")
                  .status,
              200u);
    const auto tariffs = t.to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs");
    EXPECT_EQ(tariffs.http_status, 200u);
    EXPECT_EQ(tariffs.status_code, 3001);
    const auto page = t.to_cpo(http::Method::get, "/scpi/sender/2.2/locations?limit=50");
    EXPECT_EQ(page.data.as_array().size(), 2u);
    EXPECT_EQ(page.headers.get("X-Limit").value_or(""), "2");
    EXPECT_NE(page.headers.get("Link").value_or("").find("limit=2"), std::string_view::npos);
    const auto broken = t.to_cpo(http::Method::get, "/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z");
    EXPECT_EQ(broken.status_code, 0) << "not an envelope: " << broken.body;
    // No answer at all, twice: the client's one retry on a reused connection meets the second.
    EXPECT_THROW((void)t.to_cpo(http::Method::get, "/scpi/sender/2.2/cdrs"), std::exception);
    EXPECT_TRUE(t.to_cpo(http::Method::get, "/scpi/sender/2.2/cdrs").ok()) << "used up";

    ASSERT_EQ(t.control(http::Method::put, "/control/faults", R"([{"module":"*","delay_ms":400}])").status, 200u);
    const auto slow_from = std::chrono::steady_clock::now();
    EXPECT_TRUE(t.to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs").ok());
    EXPECT_GE(std::chrono::steady_clock::now() - slow_from, 400ms);
    EXPECT_EQ(t.control(http::Method::del, "/control/faults").status, 200u);
    EXPECT_TRUE(t.control(http::Method::get, "/control/faults").body.at("faults").as_array().empty());
}

TEST(Control, ReceivedListsRequestsNewestLastAndFilters) {
    Controlled t("received");
    const auto all = t.control(http::Method::get, "/control/received");
    const auto last = all.body.at("last_seq").to_number<std::uint64_t>();
    EXPECT_TRUE(t.to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc3").ok());
    EXPECT_TRUE(t.to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs").ok());
    auto r = t.control(http::Method::get, "/control/received?since=" + std::to_string(last));
    const auto& requests = r.body.at("requests").as_array();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].at("path"), "/scpi/sender/2.2/locations/Loc3");
    EXPECT_EQ(requests[0].at("module"), "locations");
    EXPECT_EQ(requests[0].at("status"), 200);
    EXPECT_EQ(requests[0].at("headers").at("SCPI-From-Party-Id"), "MSP");
    EXPECT_EQ(requests[1].at("module"), "tariffs") << "newest last";
    r = t.control(http::Method::get, "/control/received?module=tariffs&since=" + std::to_string(last));
    EXPECT_EQ(r.body.at("requests").as_array().size(), 1u);
    r = t.control(http::Method::get, "/control/received?since=2999-01-01T00:00:00Z");
    EXPECT_TRUE(r.body.at("requests").as_array().empty());
    EXPECT_EQ(t.control(http::Method::get, "/control/received?since=yesterday").status, 400u);
}

TEST(Control, ResetBringsBackTheShippedData) {
    Controlled t("reset");
    const auto shipped = t.control(http::Method::get, "/control/state").body.at("stored_sessions");
    ASSERT_EQ(t.start_at_charger("Loc1", "CH-CPO-S1E100001").status, 201u);
    ASSERT_EQ(
        t.control(http::Method::put, "/control/evses/CH-CPO-S2E100001/status", R"({"status":"INOPERATIVE"})").status,
        200u);
    ASSERT_EQ(t.control(http::Method::put, "/control/faults", R"([{"module":"tariffs","http_status":500}])").status,
              200u);
    ASSERT_EQ(t.control(http::Method::put, "/control/commands/STOP_SESSION/next", R"({"response":"REJECTED"})").status,
              200u);
    const auto reset = t.control(http::Method::post, "/control/reset");
    ASSERT_EQ(reset.status, 200u);
    const auto state = t.control(http::Method::get, "/control/state");
    EXPECT_TRUE(state.body.at("sessions").as_array().empty());
    EXPECT_TRUE(state.body.at("scripted_commands").as_object().empty());
    EXPECT_EQ(state.body.at("stored_sessions"), shipped) << "the shipped sessions";
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "AVAILABLE");
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "AVAILABLE");
    EXPECT_TRUE(t.to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs").ok()) << "faults gone";
    EXPECT_EQ(state.body.at("tokens"), 7) << "what partners pushed stays";
    EXPECT_EQ(t.control(http::Method::post, "/control/reset", {}, false).status, 200u);
    EXPECT_EQ(t.control(http::Method::get, "/control/state", {}, false).body.at("stored_sessions"), 0);
}

TEST(Control, TheConsoleOnTheControlPortKeepsWhatThePartyReceivedWithItsAnswer) {
    Controlled c("console");
    const auto page = c.control(http::Method::get, "/console");
    EXPECT_EQ(page.status, 200u);
    const auto reply = c.to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc1");
    ASSERT_TRUE(reply.ok()) << reply.describe();
    const auto token = c.io.run([&] { return c.cpo->offline_token(); });

    const auto snapshot = c.control(http::Method::get, "/console/api/snapshot");
    ASSERT_EQ(snapshot.status, 200u);
    EXPECT_EQ(snapshot.body.at("kind"), "party");
    EXPECT_EQ(json::serialize(snapshot.body).find(token), std::string::npos) << "the token is masked";
    const json::value* found = nullptr;
    for (const auto& m : snapshot.body.at("messages").as_array()) {
        if (m.at("path") == "/scpi/sender/2.2/locations/Loc1") {
            found = &m;
        }
    }
    ASSERT_NE(found, nullptr) << json::serialize(snapshot.body);
    EXPECT_EQ(found->at("direction"), "in");
    EXPECT_EQ(found->at("from"), "CH/MSP");
    EXPECT_EQ(found->at("to"), "CH/CPO");
    EXPECT_EQ(found->at("status"), 200);
    EXPECT_EQ(found->at("scpi_status"), 1000);
    EXPECT_EQ(found->at("response_body").at("data").at("id"), "Loc1");

    // The parties: the MSP itself and the CPO, registered with it bilaterally.
    const auto msp_view = c.control(http::Method::get, "/console/api/snapshot", {}, false);
    std::vector<std::string> ids;
    for (const auto& p : msp_view.body.at("parties").at("parties").as_array()) {
        ids.emplace_back(p.at("id").as_string());
    }
    EXPECT_NE(std::find(ids.begin(), ids.end(), "CH/MSP"), ids.end()) << json::serialize(msp_view.body.at("parties"));
    EXPECT_NE(std::find(ids.begin(), ids.end(), "CH/CPO"), ids.end()) << json::serialize(msp_view.body.at("parties"));
}

// One timer serves every charging session; moving the clock on must not leave it armed for a time that is now far in
// the future in real time (the next session's first push would wait up to a whole update interval).
TEST(Control, ASessionStartedAfterTheClockMovedIsPushedAtOnce) {
    Controlled t("after-advance");
    const auto first = t.start_at_charger("Loc1", "CH-CPO-S1E100001");
    ASSERT_EQ(first.status, 201u) << json::serialize(first.body);
    const std::string a(first.body.at("session_id").as_string());
    ASSERT_TRUE(t.wait_until([&] { return t.pushes_received(a) >= 2; }));
    ASSERT_EQ(t.control(http::Method::post, "/control/clock/advance", R"({"seconds":7200})").status, 200u);
    const auto second = t.start_at_charger("Loc2", "CH-CPO-S2E100001");
    ASSERT_EQ(second.status, 201u) << json::serialize(second.body);
    const std::string b(second.body.at("session_id").as_string());
    EXPECT_TRUE(t.wait_until([&] { return t.pushes_received(b) >= 2; }, 5s))
        << "PENDING and ACTIVE about a second after the start, not at the next 30 s update";
}
