// The mock CPO's charging profiles receiver (OCPI 2.2 §14) against the conformance checklist (CP-01..CP-04): the
// immediate ChargingProfileResponse, the asynchronous results at the response_url, and the simulated power that
// follows the limit in the session pushes. The CPO pushes to a recording eMSP on 127.0.0.1.
#include <scn/core/datetime.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "cpo_fixture.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// The connector power of the shipped Loc1 EVSEs: 220 V × 16 A × 3 phases.
constexpr double kFullKw = 10.56;
constexpr const char* kEvse = "CH-CPO-S1E100001";

using test::RecordingMsp;

/// The MAX_POWER (kW) of a pushed session's last charging period; -1 when it has none.
double max_power(const json::object& session) {
    const auto* periods = session.if_contains("charging_periods");
    if (periods == nullptr || !periods->is_array() || periods->as_array().empty()) {
        return -1;
    }
    for (const auto& d : periods->as_array().back().at("dimensions").as_array()) {
        if (d.at("type") == "MAX_POWER") {
            return d.at("volume").to_number<double>();
        }
    }
    return -1;
}

/// The average power (kW) between two pushes of a session, from their kwh and last_updated.
double energy_rate(const json::object& a, const json::object& b) {
    const auto ta = core::parse_datetime(std::string_view(a.at("last_updated").as_string()));
    const auto tb = core::parse_datetime(std::string_view(b.at("last_updated").as_string()));
    const double h = std::chrono::duration<double, std::ratio<3600>>(*tb - *ta).count();
    return h > 0 ? (b.at("kwh").to_number<double>() - a.at("kwh").to_number<double>()) / h : -1;
}

std::string token_json(const std::string& uid, const std::string& party) {
    return R"({"country_code":"CH","party_id":")" + party + R"(","uid":")" + uid +
           R"(","type":"APP_USER","contract_id":"C-)" + uid +
           R"(","issuer":"test MSP","valid":true,"whitelist":"NEVER","last_updated":"2024-01-01T10:00:00Z"})";
}

/// A CPO (session pushes every second) pushing to a RecordingMsp, with the shipped data.
struct Fixture {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    RecordingMsp msp;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<http::Client> client;

    explicit Fixture(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / ("scn-cpo-cp-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        msp.start(io);
        open();
    }
    ~Fixture() {
        io.run([&] {
            cpo->stop_all();
            msp.server->stop();
            return 0;
        });
        io.stop();
    }

    void open() {
        store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        io.run([&] {
            auto c = config::defaults().cpo;
            c.port = 0;
            c.public_url.clear();
            c.warm_data = false;
            c.session_update_interval = 1s;
            c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo";
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo", log));
            cpo->start_all();
            cpo->set_peer(party::Peer{"msp-token", msp.base + "/versions"});
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }

    /// Stops the CPO and starts it again on the same database.
    void restart() {
        io.run([&] {
            cpo->stop_all();
            cpo.reset();
            client.reset();
            return 0;
        });
        store.reset();
        open();
    }

    service::Reply call(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt,
                        const std::string& from = "MSP") {
        service::Call c;
        c.method = m;
        c.url = cpo->public_url() + path;
        c.token = cpo->offline_token();
        c.routing = scpi::RoutingHeaders{"CH", from, "CH", "CPO"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
    [[nodiscard]] std::string result_url(const std::string& name) const { return msp.base + "/results/" + name; }

    /// Starts a session at kEvse for a token of CH/`from` and waits until it is pushed ACTIVE; returns its id.
    std::string active_session(const std::string& from = "MSP") {
        const auto r = call(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                            R"({"response_url":")" + result_url("start") + R"(","location_id":"Loc1","evse_uid":")" +
                                kEvse + R"(","token":)" + token_json("APP1", from) + "}",
                            from);
        EXPECT_EQ(r.data.at("result"), "ACCEPTED") << r.describe();
        std::string id;
        msp.wait_for("PUT", "/sessions/", [&](const auto& puts) {
            for (const auto& p : puts) {
                if (p.at("body").at("status") == "ACTIVE") {
                    id = std::string(p.at("body").at("id").as_string());
                    return true;
                }
            }
            return false;
        });
        return id;
    }

    /// The session pushes (PUT bodies) of `id`, in order.
    std::vector<json::object> pushes(const std::string& id) {
        std::vector<json::object> out;
        for (const auto& r : msp.requests("PUT", "/sessions/CH/CPO/" + id)) {
            out.push_back(r.at("body").as_object());
        }
        return out;
    }

    /// Waits for a push of `id` after the first `after` ones whose last period charges at `kw`; returns its index.
    std::optional<std::size_t> push_at_power(const std::string& id, std::size_t after, double kw) {
        std::optional<std::size_t> found;
        msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [&](const auto& puts) {
            for (std::size_t i = after; i < puts.size(); ++i) {
                if (std::abs(max_power(puts[i].at("body").as_object()) - kw) < 0.01) {
                    found = i;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    /// The body of the first result POSTed to result_url(name) (that exact path), waiting for it.
    std::optional<json::object> result(const std::string& name) {
        std::optional<json::object> body;
        msp.wait_for("POST", "/results/" + name, [&](const auto& posts) {
            for (const auto& p : posts) {
                if (p.at("path").as_string() == "/results/" + name) {
                    body = p.at("body").as_object();
                    return true;
                }
            }
            return false;
        });
        return body;
    }

    service::Reply set_profile(const std::string& id, const std::string& profile, const std::string& result_name,
                               const std::string& from = "MSP") {
        return call(http::Method::put, "/scpi/receiver/2.2/chargingprofiles/" + id,
                    R"({"charging_profile":)" + profile + R"(,"response_url":")" + result_url(result_name) + R"("})",
                    from);
    }
};

const std::string kLimit3700W =
    R"({"charging_rate_unit":"W","charging_profile_period":[{"start_period":0,"limit":3700}]})";

}  // namespace

TEST(CpoChargingProfiles, CP01_SetOnActiveSessionIsAcceptedAndLowersThePower) {
    Fixture t("cp01");
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(t.push_at_power(id, 0, kFullKw)) << "full power before any profile";
    const auto r = t.set_profile(id, kLimit3700W, "cp01");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    EXPECT_GT(r.data.at("timeout").to_number<int>(), 0);
    const auto result = t.result("cp01");
    ASSERT_TRUE(result) << "ChargingProfileResult posted to the response_url";
    EXPECT_EQ(result->at("result"), "ACCEPTED");
    // The next pushes charge at 3.7 kW: the period says so and the energy grows at that rate.
    const auto first = t.push_at_power(id, 0, 3.7);
    ASSERT_TRUE(first);
    ASSERT_TRUE(
        t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [&](const auto& puts) { return puts.size() >= *first + 3; }));
    const auto pushes = t.pushes(id);
    const double rate = energy_rate(pushes[*first + 1], pushes[*first + 2]);
    EXPECT_NEAR(rate, 3.7, 0.5) << "kWh grows at the limited power";
    EXPECT_LT(rate, kFullKw * 0.6);
}

TEST(CpoChargingProfiles, CP02_UnknownSessionIsUnknownForPutGetAndDelete) {
    Fixture t("cp02");
    const auto put = t.set_profile("no-such-session", kLimit3700W, "cp02");
    ASSERT_TRUE(put.ok()) << put.describe();
    EXPECT_EQ(put.data.at("result"), "UNKNOWN_SESSION");
    const auto get = t.call(http::Method::get,
                            "/scpi/receiver/2.2/chargingprofiles/no-such-session?duration=600"
                            "&response_url=" +
                                t.result_url("cp02"));
    ASSERT_TRUE(get.ok()) << get.describe();
    EXPECT_EQ(get.data.at("result"), "UNKNOWN_SESSION");
    const auto del = t.call(http::Method::del,
                            "/scpi/receiver/2.2/chargingprofiles/no-such-session?response_url=" + t.result_url("cp02"));
    ASSERT_TRUE(del.ok()) << del.describe();
    EXPECT_EQ(del.data.at("result"), "UNKNOWN_SESSION");
    // Another eMSP's session is not disclosed either.
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    const auto other = t.set_profile(id, kLimit3700W, "cp02", "OTH");
    ASSERT_TRUE(other.ok()) << other.describe();
    EXPECT_EQ(other.data.at("result"), "UNKNOWN_SESSION");
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(t.msp.requests("POST", "/results/cp02").empty()) << "no result for a refused request";
}

TEST(CpoChargingProfiles, CP03_MissingQueryParametersAre2001) {
    Fixture t("cp03");
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    const std::string base = "/scpi/receiver/2.2/chargingprofiles/" + id;
    for (const auto& query : {"?response_url=" + t.result_url("cp03"), std::string("?duration=600"), std::string(),
                              "?duration=soon&response_url=" + t.result_url("cp03")}) {
        const auto r = t.call(http::Method::get, base + query);
        EXPECT_EQ(r.status_code, 2001) << query << ": " << r.describe();
        EXPECT_EQ(r.http_status, 400u);
        ASSERT_TRUE(r.status_message);
    }
    const auto del = t.call(http::Method::del, base);
    EXPECT_EQ(del.status_code, 2001) << del.describe();
    ASSERT_TRUE(del.status_message);
    EXPECT_NE(del.status_message->find("response_url"), std::string::npos) << *del.status_message;
    // A profile that is not one is 2001 too, and changes nothing.
    const auto bad = t.set_profile(
        id, R"({"charging_rate_unit":"W","charging_profile_period":[{"start_period":0,"limit":-5}]})", "cp03");
    EXPECT_EQ(bad.status_code, 2001) << bad.describe();
    const auto unit = t.set_profile(id, R"({"charging_rate_unit":"kW","charging_profile_period":[]})", "cp03");
    EXPECT_EQ(unit.status_code, 2001) << unit.describe();
    const auto no_url = t.call(http::Method::put, base, R"({"charging_profile":)" + kLimit3700W + "}");
    EXPECT_EQ(no_url.status_code, 2001) << no_url.describe();
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(t.msp.requests("POST", "/results/cp03").empty());
}

TEST(CpoChargingProfiles, GetReturnsTheActiveProfile) {
    Fixture t("get");
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    // 8 A per phase on 220 V, 3 phases = 5280 W; from 300 s on 4000 A, more than the connector gives.
    const auto set = t.set_profile(id,
                                   R"({"charging_rate_unit":"A","charging_profile_period":[)"
                                   R"({"start_period":0,"limit":8},{"start_period":300,"limit":4000}]})",
                                   "get-set");
    ASSERT_TRUE(set.ok()) << set.describe();
    ASSERT_EQ(set.data.at("result"), "ACCEPTED");
    const auto get = t.call(http::Method::get, "/scpi/receiver/2.2/chargingprofiles/" + id +
                                                   "?duration=900&response_url=" + t.result_url("get"));
    ASSERT_TRUE(get.ok()) << get.describe();
    EXPECT_EQ(get.data.at("result"), "ACCEPTED");
    const auto result = t.result("get");
    ASSERT_TRUE(result);
    const auto active = scpi::from_json<scpi::ActiveChargingProfileResult>(*result);
    EXPECT_EQ(active.result, scpi::ChargingProfileResultType::ACCEPTED);
    ASSERT_TRUE(active.profile);
    const auto& profile = active.profile->charging_profile;
    EXPECT_EQ(profile.charging_rate_unit, scpi::ChargingRateUnit::W);
    EXPECT_EQ(profile.duration, 900);
    ASSERT_EQ(profile.charging_profile_period.size(), 2u) << json::serialize(*result);
    EXPECT_EQ(profile.charging_profile_period[0].start_period, 0);
    // The A limit is per phase; a limit above the connector is its full power.
    EXPECT_NEAR(profile.charging_profile_period[0].limit, 5280, 0.1);
    EXPECT_GE(profile.charging_profile_period[1].start_period, 298);
    EXPECT_LE(profile.charging_profile_period[1].start_period, 300);
    EXPECT_NEAR(profile.charging_profile_period[1].limit, kFullKw * 1000, 0.1);
    ASSERT_TRUE(t.push_at_power(id, 0, 5.28));
}

TEST(CpoChargingProfiles, DeleteClearsAndFullPowerReturns) {
    Fixture t("delete");
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(t.set_profile(id, kLimit3700W, "del-set").data.at("result"), "ACCEPTED");
    const auto limited = t.push_at_power(id, 0, 3.7);
    ASSERT_TRUE(limited);
    const auto del =
        t.call(http::Method::del, "/scpi/receiver/2.2/chargingprofiles/" + id + "?response_url=" + t.result_url("del"));
    ASSERT_TRUE(del.ok()) << del.describe();
    EXPECT_EQ(del.data.at("result"), "ACCEPTED");
    const auto result = t.result("del");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->at("result"), "ACCEPTED");
    const auto full = t.push_at_power(id, *limited + 1, kFullKw);
    ASSERT_TRUE(full) << "full power after the clear";
    ASSERT_TRUE(
        t.msp.wait_for("PUT", "/sessions/CH/CPO/" + id, [&](const auto& puts) { return puts.size() >= *full + 3; }));
    const auto pushes = t.pushes(id);
    EXPECT_NEAR(energy_rate(pushes[*full + 1], pushes[*full + 2]), kFullKw, 1.0);
    // The limited stretch stays in the session's history.
    const auto& periods = pushes.back().at("charging_periods").as_array();
    EXPECT_GE(periods.size(), 3u) << "full, limited, full again";
    // Nothing left to clear: UNKNOWN.
    const auto again = t.call(http::Method::del,
                              "/scpi/receiver/2.2/chargingprofiles/" + id + "?response_url=" + t.result_url("del2"));
    ASSERT_TRUE(again.ok()) << again.describe();
    const auto second = t.result("del2");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->at("result"), "UNKNOWN");
}

TEST(CpoChargingProfiles, RestartKeepsTheProfile) {
    Fixture t("restart");
    const auto id = t.active_session();
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(t.set_profile(id, kLimit3700W, "restart").data.at("result"), "ACCEPTED");
    ASSERT_TRUE(t.push_at_power(id, 0, 3.7));
    ASSERT_TRUE(t.result("restart"));
    t.restart();
    const auto before = t.pushes(id).size();
    const auto after = t.push_at_power(id, before, 3.7);
    ASSERT_TRUE(after) << "the resumed session still charges at the limit";
    const auto get = t.call(http::Method::get, "/scpi/receiver/2.2/chargingprofiles/" + id +
                                                   "?duration=60&response_url=" + t.result_url("restart-get"));
    ASSERT_EQ(get.data.at("result"), "ACCEPTED") << get.describe();
    const auto result = t.result("restart-get");
    ASSERT_TRUE(result);
    EXPECT_NEAR(result->at("profile")
                    .at("charging_profile")
                    .at("charging_profile_period")
                    .at(0)
                    .at("limit")
                    .to_number<double>(),
                3700, 0.1);
}

TEST(CpoChargingProfiles, CP04_TheActiveProfileIsSentOnlyForSessionsWithASuccessfulSet) {
    Fixture t("cp04");
    const auto profiled = t.active_session();
    ASSERT_FALSE(profiled.empty());
    // A second session at the other EVSE, never given a profile.
    const auto start = t.call(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                              R"({"response_url":")" + t.result_url("start2") +
                                  R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100002","token":)" +
                                  token_json("APP2", "MSP") + "}");
    ASSERT_EQ(start.data.at("result"), "ACCEPTED") << start.describe();
    // A set that fails (unknown session) starts nothing either.
    ASSERT_EQ(t.set_profile("no-such-session", kLimit3700W, "cp04-unknown").data.at("result"), "UNKNOWN_SESSION");

    // A two-second limit: when it ends, the charger is back at full power and says so.
    const auto r = t.set_profile(
        profiled,
        R"({"charging_rate_unit":"W","duration":2,"charging_profile_period":[{"start_period":0,"limit":3700}]})",
        "cp04");
    ASSERT_EQ(r.data.at("result"), "ACCEPTED") << r.describe();
    ASSERT_TRUE(t.msp.wait_for("PUT", "/cps/", [](const auto& puts) { return !puts.empty(); }))
        << "ActiveChargingProfile PUT at the end of the profile";
    std::this_thread::sleep_for(1500ms);  // more session updates of both sessions
    const auto puts = t.msp.requests("PUT", "/cps/");
    ASSERT_EQ(puts.size(), 1u) << "once, for the profiled session only";
    EXPECT_EQ(puts[0].at("path").as_string(), "/cps/" + profiled);
    const auto active = scpi::from_json<scpi::ActiveChargingProfile>(puts[0].at("body"));
    ASSERT_EQ(active.charging_profile.charging_profile_period.size(), 1u);
    EXPECT_NEAR(active.charging_profile.charging_profile_period[0].limit, kFullKw * 1000, 1);
}
