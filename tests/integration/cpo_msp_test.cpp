// The mock CPO and the mock MSP against each other on 127.0.0.1, wired bilaterally (offline mode).
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/scpi/model.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-it-" + std::to_string(::getpid())) / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

config::PartyConfig party_config(bool cpo, const std::filesystem::path& dir) {
    auto c = cpo ? config::defaults().cpo : config::defaults().msp;
    c.port = 0;
    c.public_url.clear();
    c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / (cpo ? "data/cpo" : "data/msp");
    c.db = dir / (cpo ? "cpo.db" : "msp.db");
    c.session_update_interval = 1s;
    return c;
}

std::string token_json(const std::string& uid) {
    return R"({"country_code":"CH","party_id":"MSP","uid":")" + uid + R"(","type":"APP_USER","contract_id":"C-)" + uid +
           R"(","issuer":"test MSP","valid":true,"whitelist":"NEVER","last_updated":"2019-10-14T15:45:11.353Z"})";
}

/// A CPO and an MSP running on one io thread, the CPO pushing to the MSP.
struct Network {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> cpo_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> msp_log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> cpo_store;
    std::unique_ptr<party::PartyStore> msp_store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<http::Client> client;

    explicit Network(const std::string& name, bool start_msp = true) : dir(temp_dir(name)) {
        cpo_store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        msp_store = std::make_unique<party::PartyStore>(dir / "msp.db", core::system_clock());
        io.run([&] {
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            cpo = std::make_unique<party::Cpo>(io.ioc(), party_config(true, dir), *cpo_store,
                                               core::Logger("cpo", cpo_log));
            cpo->start_all();
            if (start_msp) {
                start_msp_now();
            }
            return 0;
        });
    }
    void start_msp_now(std::uint16_t port = 0) {
        auto c = party_config(false, dir);
        c.port = port;
        msp = std::make_unique<party::Msp>(io.ioc(), c, *msp_store, core::Logger("msp", msp_log));
        msp->enable_interception();  // what it receives, as its control API shows it
        msp->start_all();
        cpo->set_peer(party::Peer{msp->offline_token(), msp->versions_url()});
    }
    ~Network() {
        io.run([&] {
            cpo->stop_all();
            if (msp) {
                msp->stop_all();
            }
            return 0;
        });
        io.stop();  // nothing may run on the objects destroyed next
    }

    /// A call to the CPO as the MSP would make it.
    service::Reply to_cpo(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = "http://127.0.0.1:" + std::to_string(cpo->port()) + path;
        c.token = cpo->offline_token();
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
    [[nodiscard]] std::string msp_url() const { return msp->public_url(); }
};

/// START_SESSION at Loc1's first EVSE for token 0, its result to the MSP's START_SESSION/0.
service::Reply start_at_loc1(Network& net) {
    return net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                      R"({"response_url":")" + net.msp_url() +
                          R"(/scpi/sender/2.2/commands/START_SESSION/0","location_id":"Loc1",
                                      "evse_uid":"CH-CPO-S1E100001","token":)" +
                          token_json("0") + "}");
}

}  // namespace

TEST(CpoMsp, StartChargeStopAndAPricedCdr) {
    Network net("flow");
    auto locations = net.to_cpo(http::Method::get, "/scpi/sender/2.2/locations");
    ASSERT_TRUE(locations.ok()) << locations.describe();
    EXPECT_EQ(locations.data.as_array().size(), 10u);

    const auto start = start_at_loc1(net);
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_EQ(start.data.at("result").as_string(), "ACCEPTED");
    EXPECT_EQ(start.data.at("timeout").as_int64(), 30);
    ASSERT_TRUE(net.msp_log->wait_for("async command result [START_SESSION 0]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s));

    // The session id is in the MSP's log line "Session <id> ACTIVE - <kwh> kWh".
    std::string session_id;
    for (const auto& line : net.msp_log->lines()) {
        if (const auto p = line.find("Session ");
            p != std::string::npos && line.find(" ACTIVE - ") != std::string::npos) {
            session_id = line.substr(p + 8, 36);
        }
    }
    ASSERT_EQ(session_id.size(), 36u);
    std::this_thread::sleep_for(1500ms);  // at least one periodic push more
    EXPECT_GE(net.msp_log->count(" ACTIVE - "), 2u);

    const auto stop =
        net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                   R"({"response_url":")" + net.msp_url() +
                       R"(/scpi/sender/2.2/commands/STOP_SESSION/1","session_id":")" + session_id + "\"}");
    ASSERT_TRUE(stop.ok()) << stop.describe();
    ASSERT_TRUE(net.msp_log->wait_for("async command result [STOP_SESSION 1]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" COMPLETED - ", 10s));
    ASSERT_TRUE(net.msp_log->wait_for("CDR ", 10s));

    // The CDR the MSP stored matches tariff 1: FLAT 0.50 + 0.25 per started kWh, 7.7 % VAT.
    const auto cdrs = net.msp_store->count_cdrs({});
    ASSERT_EQ(cdrs, 1u);
    std::string cdr_text;
    net.msp_store->page_cdrs({}, 0, 1, [&](std::string_view j) { cdr_text = j; });
    const auto cdr = scpi::from_json<scpi::Cdr>(scpi::parse_json(cdr_text));
    EXPECT_EQ(cdr.session_id, session_id);
    EXPECT_EQ(cdr.currency, "CHF");
    const double billed_kwh = std::ceil(cdr.total_energy - 1e-9);
    EXPECT_NEAR(cdr.total_cost.excl_vat, 0.5 + 0.25 * billed_kwh, 1e-4);
    EXPECT_NEAR(*cdr.total_cost.incl_vat, (0.5 + 0.25 * billed_kwh) * 1.077, 1e-4);
    EXPECT_GT(cdr.total_energy, 0.0);
    ASSERT_EQ(cdr.tariffs.size(), 1u);
    EXPECT_EQ(cdr.tariffs[0].id, "1");
    EXPECT_EQ(cdr.cdr_location.evse_uid, "CH-CPO-S1E100001");

    // The CPO lists the new session (COMPLETED) and CDR too, and the EVSE is available again.
    auto sessions = net.to_cpo(http::Method::get, "/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z");
    EXPECT_EQ(sessions.data.as_array().back().at("status").as_string(), "COMPLETED");
    EXPECT_EQ(net.to_cpo(http::Method::get, "/scpi/sender/2.2/cdrs").data.as_array().size(), 3u);
    EXPECT_EQ(net.to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc1/CH-CPO-S1E100001").data.at("status"),
              "AVAILABLE");
}

namespace {

/// Starts a session at Loc1's first EVSE, lets it charge through `pushes` periodic updates, stops it and waits for
/// its CDR; returns the session id.
std::string charge_once(Network& net, std::size_t pushes) {
    const auto start = start_at_loc1(net);
    EXPECT_TRUE(start.ok()) << start.describe();
    EXPECT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s));
    std::string session_id;
    for (const auto& line : net.msp_log->lines()) {
        if (const auto p = line.find("Session ");
            p != std::string::npos && line.find(" ACTIVE - ") != std::string::npos) {
            session_id = line.substr(p + 8, 36);
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (net.msp_log->count(" ACTIVE - ") < pushes && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    const auto stop =
        net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                   R"({"response_url":")" + net.msp_url() +
                       R"(/scpi/sender/2.2/commands/STOP_SESSION/1","session_id":")" + session_id + "\"}");
    EXPECT_TRUE(stop.ok()) << stop.describe();
    EXPECT_TRUE(net.msp_log->wait_for("CDR ", 10s));
    return session_id;
}

}  // namespace

TEST(CpoMsp, S12_SessionGoesPendingActiveCompletedWithEnergyThatNeverDecreases) {
    Network net("s12");
    const auto session_id = charge_once(net, 3);
    ASSERT_EQ(session_id.size(), 36u);
    const auto history = net.io.run([&] {
        std::vector<std::string> bodies;
        for (const auto& r : net.msp->interceptor()->received("sessions", 0, std::nullopt)) {
            if (r.path.ends_with("/" + session_id)) {
                bodies.push_back(r.body);
            }
        }
        return bodies;
    });
    ASSERT_GE(history.size(), 4u) << "PENDING, ACTIVE (at least twice), COMPLETED";
    std::vector<std::string> statuses;
    double kwh = 0;
    std::optional<core::TimePoint> pending_start;
    for (const auto& entry : history) {
        const auto doc = json::parse(entry);
        const auto& body = doc.is_object() && doc.as_object().contains("body") ? doc.at("body") : doc;
        const auto session = scpi::from_json<scpi::Session>(body.is_string() ? json::parse(body.as_string()) : body);
        const std::string status(scpi::to_string(session.status));
        if (statuses.empty() || statuses.back() != status) {
            statuses.push_back(status);
        }
        EXPECT_GE(session.kwh, kwh) << "kwh never decreases";
        kwh = session.kwh;
        const auto start = session.start_date_time;
        if (session.status == scpi::SessionStatus::PENDING) {
            pending_start = start;
        } else if (session.status == scpi::SessionStatus::ACTIVE && pending_start) {
            EXPECT_GE(start, *pending_start) << "start_date_time set when charging began";
        }
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"PENDING", "ACTIVE", "COMPLETED"}));
    EXPECT_GT(kwh, 0.0);
}

TEST(CpoMsp, D09_TheCdrAddsUpAndIsPricedFromItsTariff) {
    Network net("d09");
    const auto session_id = charge_once(net, 2);
    std::string cdr_text;
    net.msp_store->page_cdrs({}, 0, 1, [&](std::string_view j) { cdr_text = j; });
    const auto cdr = scpi::from_json<scpi::Cdr>(scpi::parse_json(cdr_text));
    EXPECT_EQ(cdr.session_id, session_id);
    using Hours = std::chrono::duration<double, std::ratio<3600>>;
    // §5.5 derivations: total energy and time are the sums over the periods, within 0.01.
    double energy = 0;
    double hours = 0;
    ASSERT_FALSE(cdr.charging_periods.empty());
    for (std::size_t i = 0; i < cdr.charging_periods.size(); ++i) {
        const auto& p = cdr.charging_periods[i];
        if (i > 0) {
            EXPECT_GE(p.start_date_time, cdr.charging_periods[i - 1].start_date_time) << "periods in order";
        }
        EXPECT_GE(p.start_date_time, cdr.start_date_time);
        EXPECT_LE(p.start_date_time, cdr.end_date_time);
        for (const auto& d : p.dimensions) {
            if (d.type == scpi::CdrDimensionType::ENERGY) {
                energy += d.volume;
            }
        }
        const auto next =
            i + 1 < cdr.charging_periods.size() ? cdr.charging_periods[i + 1].start_date_time : cdr.end_date_time;
        hours += Hours(next - p.start_date_time).count();
    }
    EXPECT_NEAR(cdr.total_energy, energy, 0.01);
    EXPECT_NEAR(cdr.total_time, hours, 0.01);
    EXPECT_NEAR(cdr.total_time, Hours(cdr.end_date_time - cdr.start_date_time).count(), 0.01);
    // The tariff is present, in the CDR's currency, and prices it: FLAT 0.50 + 0.25 per started kWh, 7.7 % VAT.
    ASSERT_EQ(cdr.tariffs.size(), 1u);
    EXPECT_EQ(cdr.tariffs[0].currency, cdr.currency);
    const double billed_kwh = std::ceil(cdr.total_energy - 1e-9);
    EXPECT_NEAR(cdr.total_cost.excl_vat, 0.5 + 0.25 * billed_kwh, 0.01);
    EXPECT_NEAR(*cdr.total_cost.incl_vat, (0.5 + 0.25 * billed_kwh) * 1.077, 0.01);
    ASSERT_TRUE(cdr.total_energy_cost);
    EXPECT_NEAR(cdr.total_energy_cost->excl_vat, 0.25 * billed_kwh, 0.01);
}

TEST(CpoMsp, CommandRejections) {
    Network net("rejections");
    const std::string url = net.msp_url() + "/scpi/sender/2.2/commands/";
    auto r = net.to_cpo(
        http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
        R"({"response_url":")" + url + R"(START_SESSION/9","location_id":"Loc99","token":)" + token_json("0") + "}");
    EXPECT_EQ(r.status_code, 2003);
    EXPECT_EQ(r.data.at("result").as_string(), "REJECTED");
    r = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                   R"({"response_url":")" + url +
                       R"(START_SESSION/9","location_id":"Loc1","evse_uid":"NOPE","token":)" + token_json("0") + "}");
    EXPECT_EQ(r.data.at("result").as_string(), "REJECTED");
    r = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                   R"({"response_url":")" + url + R"(STOP_SESSION/9","session_id":"no-such-session"})");
    EXPECT_EQ(r.data.at("result").as_string(), "UNKNOWN_SESSION");
    r = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/CANCEL_RESERVATION",
                   R"({"response_url":")" + url + R"(CANCEL_RESERVATION/9","reservation_id":"nope"})");
    EXPECT_EQ(r.data.at("result").as_string(), "ACCEPTED") << "the result tells (M-08)";
    EXPECT_TRUE(net.msp_log->wait_for("async command result [CANCEL_RESERVATION 9]: UNKNOWN_RESERVATION", 10s));
    r = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", R"({"location_id":"Loc1"})");
    EXPECT_EQ(r.http_status, 400u);
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.response_url: missing required member");
    r = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/SELF_DESTRUCT", "{}");
    EXPECT_EQ(r.http_status, 404u);
}

TEST(CpoMsp, ReservationsHoldTheEvseForTheirToken) {
    Network net("reservations");
    const std::string url = net.msp_url() + "/scpi/sender/2.2/commands/";
    const auto in_hours = [](int h) {
        return core::format_datetime(core::system_clock().now() + std::chrono::hours(h));
    };
    auto reserve = [&](const std::string& id, const std::string& evse, const std::string& token, int hours) {
        return net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/RESERVE_NOW",
                          R"({"response_url":")" + url + R"(RESERVE_NOW/)" + id + R"(","token":)" + token_json(token) +
                              R"(,"expiry_date":")" + in_hours(hours) + R"(","reservation_id":")" + id +
                              R"(","location_id":"Loc2","evse_uid":")" + evse + "\"}");
    };
    EXPECT_EQ(reserve("1", "CH-CPO-S2E100001", "1", 13).data.at("result"), "REJECTED") << "more than 12 h ahead";
    EXPECT_EQ(reserve("1", "CH-CPO-S2E100001", "1", -1).data.at("result"), "REJECTED") << "in the past";
    EXPECT_EQ(reserve("1", "CH-CPO-S2E100001", "1", 2).data.at("result"), "ACCEPTED");
    EXPECT_EQ(reserve("1", "CH-CPO-S2E100001", "1", 3).data.at("result"), "ACCEPTED") << "same id updates";
    EXPECT_EQ(reserve("2", "CH-CPO-S2E100001", "2", 1).data.at("result"), "REJECTED") << "another reservation";
    EXPECT_EQ(net.to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc2/CH-CPO-S2E100001").data.at("status"),
              "RESERVED");
    auto start = [&](const std::string& token) {
        return net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                          R"({"response_url":")" + url + R"(START_SESSION/)" + token + R"(","location_id":"Loc2",
                          "evse_uid":"CH-CPO-S2E100001","token":)" +
                              token_json(token) + "}");
    };
    EXPECT_EQ(start("2").data.at("result"), "REJECTED") << "a token that did not reserve the EVSE";
    EXPECT_EQ(start("1").data.at("result"), "ACCEPTED") << "the reserving token may charge";
    // The next request sees the START carried out: the EVSE charging, the reservation consumed.
    EXPECT_EQ(net.to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc2/CH-CPO-S2E100001").data.at("status"),
              "CHARGING");
    EXPECT_FALSE(net.cpo_store->reservation("1")) << "the reservation is consumed";
    ASSERT_TRUE(net.msp_log->wait_for("async command result [RESERVE_NOW 1]: ACCEPTED", 10s));
}

TEST(CpoMsp, PushesWaitForTheMspAndNothingIsLost) {
    Network net("retry", /*start_msp=*/false);
    // Bring the MSP's port into existence only later: pushes must queue and be retried.
    const auto port = [] {
        boost::asio::io_context ioc;
        boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
        return a.local_endpoint().port();
    }();
    net.io.run([&] {
        net.cpo->set_peer(
            party::Peer{"msp-token-not-known-yet", "http://127.0.0.1:" + std::to_string(port) + "/scpi/versions"});
        return 0;
    });
    const auto start = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                                  R"({"response_url":"http://127.0.0.1:)" + std::to_string(port) +
                                      R"(/scpi/sender/2.2/commands/START_SESSION/7","location_id":"Loc3",
                                      "evse_uid":"CH-CPO-S3E100001","token":)" +
                                      token_json("7") + "}");
    ASSERT_TRUE(start.ok());
    ASSERT_TRUE(net.cpo_log->wait_for("not delivered", 10s));
    EXPECT_GE(net.cpo_store->outbox().pending(), 1u);
    net.io.run([&] {
        net.start_msp_now(port);
        return 0;
    });
    EXPECT_TRUE(net.msp_log->wait_for("async command result [START_SESSION 7]: ACCEPTED", 15s));
    EXPECT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 15s));
}

TEST(CpoMsp, ARestartLosesNothing) {
    std::string token;
    std::string session_id;
    {
        Network net("restart");
        token = net.cpo->offline_token();
        const auto start = net.to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                                      R"({"response_url":")" + net.msp_url() +
                                          R"(/scpi/sender/2.2/commands/START_SESSION/0","location_id":"Loc4",
                                          "token":)" +
                                          token_json("4") + "}");
        ASSERT_TRUE(start.ok());
        ASSERT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s));
    }
    // Same database files: the token is the same, the session resumes and keeps being pushed.
    test::IoThread io;
    auto store = std::make_unique<party::PartyStore>(
        std::filesystem::temp_directory_path() / ("scn-it-" + std::to_string(::getpid())) / "restart" / "cpo.db",
        core::system_clock());
    auto log = std::make_shared<core::CaptureSink>();
    std::unique_ptr<party::Cpo> cpo;
    io.run([&] {
        auto c = party_config(
            true, std::filesystem::temp_directory_path() / ("scn-it-" + std::to_string(::getpid())) / "restart");
        cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo", log));
        cpo->start_all();
        return 0;
    });
    EXPECT_EQ(cpo->offline_token(), token);
    EXPECT_TRUE(log->wait_for(" resumed", 5s));
    EXPECT_EQ(store->count_sessions({}), 3u) << "two shipped sessions and the running one";
    io.run([&] {
        cpo->stop_all();
        return 0;
    });
}

TEST(CpoMsp, K12_TokensAtTheChargerAreAuthorizedByTheMockMsp) {
    Network net("charger");
    // Not pushed to the CPO: each is asked of the MSP in real time (the MSP's shipped drivers).
    const auto at = [&](const std::string& evse, const std::string& uid) {
        return net.io.await(net.cpo->start_at_charger("Loc5", evse, uid));
    };
    const auto allowed = at("CH-CPO-S5E100001", "CH-MSP-RFID-0002");
    ASSERT_TRUE(allowed.started()) << allowed.message;
    EXPECT_EQ(allowed.allowed, scpi::AllowedType::ALLOWED);
    const auto blocked = at("CH-CPO-S5E100002", "CH-MSP-RFID-0004");
    EXPECT_FALSE(blocked.started());
    EXPECT_EQ(blocked.allowed, scpi::AllowedType::BLOCKED) << blocked.message;
    const auto unknown = at("CH-CPO-S5E100002", "NO-SUCH-CARD");
    EXPECT_EQ(unknown.refusal, party::Cpo::StartAtCharger::Refusal::unknown_token) << unknown.message;
    EXPECT_EQ(net.msp_log->count("/authorize"), 3u) << "each one asked once";
    // The started session reaches the MSP with the MSP's authorization reference.
    ASSERT_TRUE(net.msp_log->wait_for("Session " + *allowed.session_id + " ACTIVE", 10s));
    const auto stored = net.msp_store->session({"CH", "CPO", *allowed.session_id});
    ASSERT_TRUE(stored);
    const auto session = scpi::from_json<scpi::Session>(scpi::parse_json(*stored));
    EXPECT_EQ(session.auth_method, scpi::AuthMethod::AUTH_REQUEST);
    EXPECT_EQ(session.authorization_reference, "AUTH-CH-MSP-RFID-0002");
    EXPECT_EQ(session.cdr_token.uid, "CH-MSP-RFID-0002");
}

TEST(CpoMsp, PeriodicUpdatesAreRenderedWhenSentNotQueuedAndTheCposListIsCurrent) {
    Network net("live");
    const auto start = start_at_loc1(net);
    ASSERT_TRUE(start.ok()) << start.describe();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::size_t queued_while_charging = 0;
    while (net.msp_log->count(" ACTIVE - ") < 4 && std::chrono::steady_clock::now() < deadline) {
        if (net.msp_log->count(" ACTIVE - ") >= 2) {
            // Past the first ACTIVE state (a change of status, queued): the periodic updates never are.
            queued_while_charging += net.io.run([&] { return net.cpo_store->outbox().pending(); });
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(net.msp_log->count(" ACTIVE - "), 4u) << "periodic updates reach the MSP";
    EXPECT_EQ(queued_while_charging, 0u);
    // The MSP's copy is a whole session with its periods; the CPO's list is at least as new (written when read).
    std::string id;
    for (const auto& line : net.msp_log->lines()) {
        if (const auto p = line.find("Session ");
            p != std::string::npos && line.find(" ACTIVE - ") != std::string::npos) {
            id = line.substr(p + 8, 36);
        }
    }
    const auto copy = net.io.run([&] { return net.msp_store->session({"CH", "CPO", id}); });
    ASSERT_TRUE(copy.has_value());
    const auto at_msp = scpi::from_json<scpi::Session>(json::parse(*copy));
    EXPECT_FALSE(at_msp.charging_periods.empty());
    auto sessions = net.to_cpo(http::Method::get, "/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z");
    ASSERT_TRUE(sessions.ok()) << sessions.describe();
    const auto at_cpo = scpi::from_json<scpi::Session>(sessions.data.as_array().back());
    EXPECT_EQ(at_cpo.id, id);
    EXPECT_EQ(at_cpo.status, scpi::SessionStatus::ACTIVE);
    EXPECT_GE(at_cpo.last_updated, at_msp.last_updated);
    EXPECT_GE(at_cpo.kwh, at_msp.kwh);
    EXPECT_GT(at_cpo.kwh, 0.0);
}
