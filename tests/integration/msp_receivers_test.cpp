// The mock MSP as a complete partner (issue 13): its locations, tariffs, sessions, CDRs and command-result receivers
// checked against the conformance checklist ids (L-, T-, S-, D-, M-), the HubClientInfo receiver of both parties
// (H-), and the tokens it pushes to connected CPOs. Everything runs on 127.0.0.1 with bounded waits.
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/scpi/model.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::optional<scpi::RoutingHeaders> kFromCpo = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};

std::string shipped(const std::string& file, std::size_t index) {
    std::ifstream in(std::string(SCN_SOURCE_DIR) + "/" + file);
    std::stringstream s;
    s << in.rdbuf();
    return json::serialize(json::parse(s.str()).as_array().at(index));
}

/// A mock party (Msp or Cpo) on a free port with its own database, and a client to talk to it.
template <typename Party>
struct Under {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<Party> party;
    std::unique_ptr<http::Client> client;

    explicit Under(const std::string& name, bool fresh = true, bool strict = false,
                   const core::Clock& clock = core::system_clock())
        : dir(std::filesystem::temp_directory_path() / ("scn-msp-recv-" + std::to_string(::getpid())) / name) {
        if (fresh) {
            std::filesystem::remove_all(dir);
        }
        std::filesystem::create_directories(dir);
        store = std::make_unique<party::PartyStore>(dir / "party.db", core::system_clock());
        io.run([&] {
            const bool cpo = std::is_same_v<Party, party::Cpo>;
            auto config = test::local_party_config(cpo);
            config.strict = strict;
            party = std::make_unique<Party>(io.ioc(), config, *store, core::Logger(cpo ? "cpo" : "msp", log), clock);
            party->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~Under() {
        io.run([&] {
            party->stop_all();
            return 0;
        });
        io.stop();
    }

    service::Reply send(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt,
                        std::optional<scpi::RoutingHeaders> routing = kFromCpo) {
        service::Call c;
        c.method = m;
        c.url = party->public_url() + path;
        c.token = party->offline_token();
        c.routing = std::move(routing);
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
};
using MspUnderTest = Under<party::Msp>;

const std::string kLoc = "/scpi/receiver/2.2/locations/CH/CPO/LOC1";
const std::string kConnector = R"({"id":"1","standard":"IEC_62196_T2","format":"SOCKET","power_type":"AC_3_PHASE",
    "max_voltage":230,"max_amperage":16,"tariff_ids":["1"],"last_updated":"2024-03-01T08:00:00Z"})";
const std::string kEvse = R"({"uid":"EVSE1","evse_id":"CH*CPO*E1","status":"AVAILABLE","capabilities":["RFID_READER"],
    "connectors":[)" + kConnector +
                          R"(],"last_updated":"2024-03-01T08:00:00Z"})";

json::object location() {
    return json::parse(R"({"country_code":"CH","party_id":"CPO","id":"LOC1","publish":true,"name":"Bahnhof",
        "address":"Bahnhofplatz 1","city":"Zug","postal_code":"6300","country":"CHE",
        "coordinates":{"latitude":"47.17355","longitude":"8.51520"},"time_zone":"Europe/Zurich",
        "evses":[)" + kEvse +
                       R"(],"last_updated":"2024-03-01T08:00:00Z"})")
        .as_object();
}

json::value data_of(MspUnderTest& t, const std::string& path) {
    const auto r = t.send(http::Method::get, path);
    EXPECT_TRUE(r.ok()) << path << ": " << r.describe();
    return r.data;
}

void put_location(MspUnderTest& t) {
    const auto r = t.send(http::Method::put, kLoc, json::serialize(location()));
    ASSERT_TRUE(r.ok()) << r.describe();
}

json::object tariff() {
    return json::parse(R"({"country_code":"CH","party_id":"CPO","id":"T1","currency":"CHF",
        "elements":[{"price_components":[{"type":"ENERGY","price":0.25,"vat":7.7,"step_size":1}],
                     "restrictions":{"start_time":"08:00","end_time":"20:00","start_date":"2024-02-29",
                                     "day_of_week":["MONDAY","FRIDAY"]}}],
        "last_updated":"2024-03-01T08:00:00Z"})")
        .as_object();
}

}  // namespace

// ---- Locations receiver (OCPI 2.2 §8.2.2) ----

TEST(MspLocationsReceiver, L04_PutNewLocationIsCreatedAndReadBack) {
    MspUnderTest t("l04");
    const auto r = t.send(http::Method::put, kLoc, json::serialize(location()));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    EXPECT_EQ(data_of(t, kLoc), json::value(location()));
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1"), json::parse(kEvse));
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1/1"), json::parse(kConnector));
    EXPECT_TRUE(t.log->contains("Location CH/CPO/LOC1 (1 EVSEs) created"));
}

TEST(MspLocationsReceiver, L05_PutAgainReplacesWith200) {
    MspUnderTest t("l05");
    put_location(t);
    auto loc = location();
    loc["name"] = "Bahnhof Nord";
    const auto r = t.send(http::Method::put, kLoc, json::serialize(loc));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 200u);
    EXPECT_EQ(data_of(t, kLoc).at("name"), "Bahnhof Nord");
}

TEST(MspLocationsReceiver, L06_PutEvseAndConnectorBumpTheParents) {
    MspUnderTest t("l06");
    put_location(t);
    auto evse = json::parse(kEvse).as_object();
    evse["uid"] = "EVSE2";
    evse["last_updated"] = "2024-03-02T10:00:00Z";
    auto r = t.send(http::Method::put, kLoc + "/EVSE2", json::serialize(evse));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    auto loc = data_of(t, kLoc);
    EXPECT_EQ(loc.at("last_updated"), "2024-03-02T10:00:00Z");
    EXPECT_EQ(loc.at("evses").as_array().size(), 2u);
    EXPECT_EQ(data_of(t, kLoc + "/EVSE2"), json::value(evse));

    auto connector = json::parse(kConnector).as_object();
    connector["id"] = "2";
    connector["last_updated"] = "2024-03-03T11:00:00Z";
    r = t.send(http::Method::put, kLoc + "/EVSE1/2", json::serialize(connector));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1").at("last_updated"), "2024-03-03T11:00:00Z");
    EXPECT_EQ(data_of(t, kLoc).at("last_updated"), "2024-03-03T11:00:00Z");
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1/2"), json::value(connector));
    r = t.send(http::Method::put, kLoc + "/EVSE1/2", json::serialize(connector));
    EXPECT_EQ(r.http_status, 200u) << "an existing connector is replaced";
}

TEST(MspLocationsReceiver, L07_PatchEvseStatusKeepsTheRestAndBumpsTheLocation) {
    MspUnderTest t("l07");
    put_location(t);
    auto r =
        t.send(http::Method::patch, kLoc + "/EVSE1", R"({"status":"CHARGING","last_updated":"2024-03-01T09:30:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    const auto evse = data_of(t, kLoc + "/EVSE1");
    EXPECT_EQ(evse.at("status"), "CHARGING");
    EXPECT_EQ(evse.at("evse_id"), "CH*CPO*E1");
    EXPECT_EQ(evse.at("connectors"), json::parse("[" + kConnector + "]"));
    EXPECT_EQ(data_of(t, kLoc).at("last_updated"), "2024-03-01T09:30:00Z");
    r = t.send(http::Method::patch, kLoc + "/EVSE1/1", R"({"max_amperage":32,"last_updated":"2024-03-01T10:00:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1/1").at("max_amperage"), 32);
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1").at("last_updated"), "2024-03-01T10:00:00Z");
    EXPECT_EQ(data_of(t, kLoc).at("last_updated"), "2024-03-01T10:00:00Z");
    r = t.send(http::Method::patch, kLoc, R"({"name":"Renamed","last_updated":"2024-03-01T11:00:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(data_of(t, kLoc).at("name"), "Renamed");
    EXPECT_EQ(data_of(t, kLoc).at("evses").as_array().size(), 1u);
}

TEST(MspLocationsReceiver, L08_PatchWithoutLastUpdatedIs2001AndChangesNothing) {
    MspUnderTest t("l08");
    put_location(t);
    for (const auto& path : {kLoc, kLoc + "/EVSE1", kLoc + "/EVSE1/1"}) {
        const auto r = t.send(http::Method::patch, path, R"({"status":"CHARGING","name":"x","max_voltage":1})");
        EXPECT_EQ(r.status_code, 2001) << path;
        EXPECT_NE(r.status_message->find("last_updated"), std::string::npos) << *r.status_message;
    }
    EXPECT_EQ(data_of(t, kLoc), json::value(location()));
}

TEST(MspLocationsReceiver, L09_IdsInUrlAndBodyMustMatch) {
    MspUnderTest t("l09");
    auto r = t.send(http::Method::put, "/scpi/receiver/2.2/locations/CH/CPO/OTHER", json::serialize(location()));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_NE(r.status_message->find("does not match the URL"), std::string::npos) << *r.status_message;
    auto loc = location();
    loc["party_id"] = "XYZ";
    r = t.send(http::Method::put, kLoc, json::serialize(loc));
    EXPECT_EQ(r.status_code, 2001) << "body party_id differs from the URL's";
    put_location(t);
    r = t.send(http::Method::put, kLoc + "/EVSE9", kEvse);
    EXPECT_EQ(r.status_code, 2001) << "EVSE uid differs";
    r = t.send(http::Method::put, kLoc + "/EVSE1/9", kConnector);
    EXPECT_EQ(r.status_code, 2001) << "connector id differs";
    EXPECT_EQ(data_of(t, kLoc), json::value(location())) << "nothing changed";
    EXPECT_EQ(t.send(http::Method::get, "/scpi/receiver/2.2/locations/CH/CPO/OTHER").http_status, 404u);
}

TEST(MspLocationsReceiver, L10_OwnerInTheUrlMustBeTheSender) {
    MspUnderTest t("l10");
    auto loc = location();
    loc["country_code"] = "DE";
    loc["party_id"] = "ABC";
    const std::string path = "/scpi/receiver/2.2/locations/DE/ABC/LOC1";
    auto r = t.send(http::Method::put, path, json::serialize(loc));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "the owner in the URL (DE/ABC) is not the sender of the request (SCPI-From CH/CPO)");
    EXPECT_EQ(t.send(http::Method::get, path, std::nullopt, std::nullopt).http_status, 404u) << "not stored";
    r = t.send(http::Method::put, path, json::serialize(loc), scpi::RoutingHeaders{"de", "abc", "CH", "MSP"});
    EXPECT_TRUE(r.ok()) << "codes compare case-insensitively: " << r.describe();
    r = t.send(http::Method::put, kLoc, json::serialize(location()), std::nullopt);
    EXPECT_TRUE(r.ok()) << "a direct link without routing headers has nothing to compare: " << r.describe();
}

TEST(MspLocationsReceiver, L11_InvalidLocationsAre2001AndNotStored) {
    MspUnderTest t("l11");
    auto loc = location();
    loc.erase("coordinates");
    auto r = t.send(http::Method::put, kLoc, json::serialize(loc));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.coordinates: missing required member");
    loc = location();
    loc["evses"].as_array()[0].as_object()["status"] = "BROKEN";
    r = t.send(http::Method::put, kLoc, json::serialize(loc));
    EXPECT_EQ(*r.status_message, "$.evses[0].status: unknown value \"BROKEN\"");
    loc = location();
    loc["coordinates"].as_object()["latitude"] = "52.1";
    r = t.send(http::Method::put, kLoc, json::serialize(loc));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(r.status_message->rfind("$.coordinates.latitude: \"52.1\" is not a latitude", 0), 0u)
        << *r.status_message;
    EXPECT_EQ(t.send(http::Method::put, kLoc, "[1]").status_code, 2001);
    EXPECT_EQ(t.send(http::Method::put, kLoc, "{\"id\":").http_status, 400u);
    EXPECT_EQ(t.send(http::Method::get, kLoc).http_status, 404u) << "nothing was stored";
    put_location(t);
    r = t.send(http::Method::patch, kLoc + "/EVSE1", R"({"status":"BROKEN","last_updated":"2024-03-01T09:00:00Z"})");
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(data_of(t, kLoc + "/EVSE1").at("status"), "AVAILABLE");
}

TEST(MspLocationsReceiver, L12_EvseOrConnectorOfAnUnknownLocationIs2003) {
    MspUnderTest t("l12");
    auto r = t.send(http::Method::put, kLoc + "/EVSE1", kEvse);
    EXPECT_EQ(r.http_status, 404u);
    EXPECT_EQ(r.status_code, 2003);
    r = t.send(http::Method::put, kLoc + "/EVSE1/1", kConnector);
    EXPECT_EQ(r.status_code, 2003);
    r = t.send(http::Method::patch, kLoc, R"({"name":"x","last_updated":"2024-03-01T09:00:00Z"})");
    EXPECT_EQ(r.status_code, 2003);
    put_location(t);
    r = t.send(http::Method::put, kLoc + "/EVSE7/1", kConnector);
    EXPECT_EQ(r.status_code, 2003) << "connector of an unknown EVSE";
    EXPECT_EQ(t.send(http::Method::get, kLoc + "/EVSE7").http_status, 404u);
    EXPECT_EQ(t.send(http::Method::get, kLoc + "/EVSE1/7").http_status, 404u);
}

TEST(MspLocationsReceiver, L13_DeleteAndPostAre405) {
    MspUnderTest t("l13");
    put_location(t);
    for (const auto& path : {kLoc, kLoc + "/EVSE1", kLoc + "/EVSE1/1"}) {
        auto r = t.send(http::Method::del, path);
        EXPECT_EQ(r.http_status, 405u) << path;
        EXPECT_EQ(r.status_code, 2000);
        r = t.send(http::Method::post, path, json::serialize(location()));
        EXPECT_EQ(r.http_status, 405u) << path;
    }
    EXPECT_EQ(data_of(t, kLoc), json::value(location()));
}

TEST(MspLocationsReceiver, L14_EvsePatchedToRemovedIsKept) {
    MspUnderTest t("l14");
    put_location(t);
    const auto r =
        t.send(http::Method::patch, kLoc + "/EVSE1", R"({"status":"REMOVED","last_updated":"2024-04-01T00:00:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    const auto loc = data_of(t, kLoc);
    ASSERT_EQ(loc.at("evses").as_array().size(), 1u);
    EXPECT_EQ(loc.at("evses").at(0).at("status"), "REMOVED");
}

// ---- Tariffs receiver (OCPI 2.2 §11.2.2) ----

TEST(MspTariffsReceiver, T01_PutIsCreatedReadBackAndReplaced) {
    MspUnderTest t("t01");
    const std::string path = "/scpi/receiver/2.2/tariffs/CH/CPO/T1";
    auto r = t.send(http::Method::put, path, json::serialize(tariff()));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    EXPECT_EQ(data_of(t, path), json::value(tariff()));
    r = t.send(http::Method::put, path, json::serialize(tariff()));
    EXPECT_EQ(r.http_status, 200u);
    EXPECT_EQ(r.status_code, 1000);
    r = t.send(http::Method::put, "/scpi/receiver/2.2/tariffs/CH/CPO/T2", json::serialize(tariff()));
    EXPECT_EQ(r.status_code, 2001) << "URL id differs from the body's";
}

TEST(MspTariffsReceiver, T02_DeletedTariffIsGone) {
    MspUnderTest t("t02");
    const std::string path = "/scpi/receiver/2.2/tariffs/CH/CPO/T1";
    ASSERT_TRUE(t.send(http::Method::put, path, json::serialize(tariff())).ok());
    const auto r = t.send(http::Method::del, path);
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(t.send(http::Method::get, path).http_status, 404u);
    EXPECT_EQ(t.send(http::Method::del, path).http_status, 404u);
}

TEST(MspTariffsReceiver, T03_InvalidTariffsAre2001AndNotStored) {
    MspUnderTest t("t03");
    const std::string path = "/scpi/receiver/2.2/tariffs/CH/CPO/T1";
    const auto refused = [&](const std::function<void(json::object&)>& spoil, const std::string& message) {
        auto bad = tariff();
        spoil(bad);
        const auto r = t.send(http::Method::put, path, json::serialize(bad));
        EXPECT_EQ(r.status_code, 2001) << message;
        EXPECT_EQ(r.status_message.value_or(""), message);
    };
    const auto restrictions = [](json::object& o) -> json::object& {
        return o["elements"].as_array()[0].as_object()["restrictions"].as_object();
    };
    refused([](json::object& o) { o["elements"] = json::array(); }, "$.elements: expected at least one element");
    refused(
        [](json::object& o) {
            o["elements"].as_array()[0].as_object()["price_components"].as_array()[0].as_object().erase("step_size");
        },
        "$.elements[0].price_components[0].step_size: missing required member");
    refused([&](json::object& o) { restrictions(o)["start_time"] = "25:00"; },
            "$.elements[0].restrictions.start_time: \"25:00\" is not a time of day HH:MM (00:00 to 23:59)");
    refused([&](json::object& o) { restrictions(o)["day_of_week"] = json::array{"MON"}; },
            "$.elements[0].restrictions.day_of_week[0]: unknown value \"MON\"");
    refused([&](json::object& o) { restrictions(o)["start_date"] = "2024-13-01"; },
            "$.elements[0].restrictions.start_date: \"2024-13-01\" is not a date YYYY-MM-DD");
    refused([&](json::object& o) { restrictions(o)["end_date"] = "2023-02-29"; },
            "$.elements[0].restrictions.end_date: \"2023-02-29\" is not a date YYYY-MM-DD");
    EXPECT_EQ(t.send(http::Method::get, path).http_status, 404u) << "nothing was stored";
}

TEST(MspTariffsReceiver, T04_PatchAndPostAre405) {
    MspUnderTest t("t04");
    const std::string path = "/scpi/receiver/2.2/tariffs/CH/CPO/T1";
    ASSERT_TRUE(t.send(http::Method::put, path, json::serialize(tariff())).ok());
    auto r = t.send(http::Method::patch, path, R"({"currency":"EUR","last_updated":"2024-03-02T00:00:00Z"})");
    EXPECT_EQ(r.http_status, 405u);
    EXPECT_EQ(r.status_code, 2000);
    r = t.send(http::Method::post, path, json::serialize(tariff()));
    EXPECT_EQ(r.http_status, 405u);
    EXPECT_EQ(data_of(t, path).at("currency"), "CHF");
}

TEST(MspReceivers, V03_VersionDetailsListTheLocationsAndTariffsReceivers) {
    MspUnderTest t("v03");
    const auto d = scpi::from_json<scpi::VersionDetails>(data_of(t, "/scpi/versions/2.2"));
    std::vector<std::string> served;
    for (const auto& e : d.endpoints) {
        served.push_back(e.identifier + "/" + std::string(scpi::to_string(e.role)));
        if (e.identifier == "locations" || e.identifier == "tariffs") {
            EXPECT_EQ(e.url, t.party->public_url() + "/scpi/receiver/2.2/" + e.identifier);
        }
    }
    EXPECT_NE(std::find(served.begin(), served.end(), "locations/RECEIVER"), served.end());
    EXPECT_NE(std::find(served.begin(), served.end(), "tariffs/RECEIVER"), served.end());
}

// ---- Sessions receiver (OCPI 2.2 §9.2.2) ----

namespace {

const std::string kSessions = "/scpi/receiver/2.2/sessions/CH/CPO/";

struct StoredSession {
    std::string id;
    std::string path;
};

StoredSession put_session(MspUnderTest& t) {
    const auto session = shipped("data/cpo/sessions.json", 0);
    const auto id = std::string(json::parse(session).at("id").as_string());
    const auto r = t.send(http::Method::put, kSessions + id, session);
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    return {id, kSessions + id};
}

std::size_t periods(MspUnderTest& t, const std::string& path) {
    const auto s = data_of(t, path);
    const auto* p = s.as_object().if_contains("charging_periods");
    return p == nullptr ? 0 : p->as_array().size();
}

}  // namespace

TEST(MspSessionsReceiver, S05_PutIsCreatedAndReadBackEqual) {
    MspUnderTest t("s05");
    const auto s = put_session(t);
    EXPECT_EQ(data_of(t, s.path), json::parse(shipped("data/cpo/sessions.json", 0)));
    const auto r = t.send(http::Method::put, s.path, shipped("data/cpo/sessions.json", 0));
    EXPECT_EQ(r.http_status, 200u) << "PUT again replaces";
}

TEST(MspSessionsReceiver, ManyPushesAreSummedUpInTheLogFewAreEachALine) {
    core::ManualClock clock(core::system_clock().now());  // moved on the party's thread only
    MspUnderTest t("pushlog", true, false, clock);
    const auto advance = [&](std::chrono::milliseconds d) {
        t.io.run([&] {
            clock.advance(d);
            return 0;
        });
    };
    auto session = json::parse(shipped("data/cpo/sessions.json", 0)).as_object();
    const auto push = [&](const std::string& id) {
        session["id"] = id;
        const auto r = t.send(http::Method::put, kSessions + id, json::serialize(session));
        ASSERT_TRUE(r.ok()) << r.describe();
    };
    constexpr auto kQuiet = party::Msp::kQuietSessions;
    for (std::size_t i = 0; i < kQuiet; ++i) {
        push("few-" + std::to_string(i));
    }
    EXPECT_EQ(t.log->count("msp | Session few-"), kQuiet) << "a line each";
    for (std::size_t i = 0; i < 50; ++i) {
        push("many-" + std::to_string(i % 10));  // 10 more sessions, 50 pushes
    }
    EXPECT_EQ(t.log->count("msp | Session many-"), 0u) << "at debug once more than " << kQuiet << " are pushed";
    EXPECT_EQ(t.log->count("each push is logged at debug"), 1u);
    // The window ends: its summary, and the next window is still busy (the last one was).
    advance(party::Msp::kPushWindow);
    push("many-0");
    EXPECT_TRUE(t.log->contains("Sessions received: 150 pushes of 110 sessions in 5.0 s")) << [&] {
        std::string all;
        for (const auto& l : t.log->lines()) {
            all += l + "\n";
        }
        return all;
    }();
    EXPECT_EQ(t.log->count("msp | Session many-0"), 0u);
    // After a pause, pushes of few sessions are lines again.
    advance(3 * party::Msp::kPushWindow);
    push("late");
    EXPECT_EQ(t.log->count("msp | Session late"), 1u);
    EXPECT_EQ(t.log->count("Few sessions pushed again"), 1u);
    EXPECT_EQ(t.log->count("Sessions received: "), 2u) << "the busy window before the pause is summed up too";
}

TEST(MspSessionsReceiver, S06_PatchAppendsChargingPeriods) {
    MspUnderTest t("s06");
    const auto s = put_session(t);
    ASSERT_EQ(periods(t, s.path), 1u);
    const auto r = t.send(http::Method::patch, s.path, R"({"last_updated":"2019-10-14T10:05:00Z","charging_periods":[
        {"start_date_time":"2019-10-14T10:00:00Z","dimensions":[{"type":"ENERGY","volume":0.5}]}]})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(periods(t, s.path), 2u);
    EXPECT_EQ(data_of(t, s.path).at("charging_periods").at(1).at("start_date_time"), "2019-10-14T10:00:00Z");
}

TEST(MspSessionsReceiver, S07_PatchWithoutOrWithEmptyPeriodsKeepsThem) {
    MspUnderTest t("s07");
    const auto s = put_session(t);
    auto r = t.send(http::Method::patch, s.path, R"({"kwh":13,"last_updated":"2019-10-14T10:06:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(periods(t, s.path), 1u);
    r = t.send(http::Method::patch, s.path, R"({"charging_periods":[],"last_updated":"2019-10-14T10:07:00Z"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(periods(t, s.path), 1u);
    EXPECT_EQ(data_of(t, s.path).at("kwh"), 13);
}

TEST(MspSessionsReceiver, S08_PutWithoutPeriodsClearsThem) {
    MspUnderTest t("s08");
    const auto s = put_session(t);
    auto session = json::parse(shipped("data/cpo/sessions.json", 0)).as_object();
    session.erase("charging_periods");
    ASSERT_TRUE(t.send(http::Method::put, s.path, json::serialize(session)).ok());
    EXPECT_EQ(periods(t, s.path), 0u);
}

TEST(MspSessionsReceiver, S09_PatchWithoutLastUpdatedIs2001AndChangesNothing) {
    MspUnderTest t("s09");
    const auto s = put_session(t);
    const auto r = t.send(http::Method::patch, s.path, R"({"kwh":99})");
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.last_updated: missing required member (every PATCH must carry last_updated)");
    EXPECT_EQ(data_of(t, s.path).at("kwh"), 12);
}

TEST(MspSessionsReceiver, S10_DeeperPathsAreNotServed) {
    MspUnderTest t("s10");
    const auto s = put_session(t);
    const std::string deeper = s.path + "/charging_periods";
    const auto r = t.send(http::Method::patch, deeper, R"({"last_updated":"2019-10-14T10:05:00Z"})");
    EXPECT_TRUE(r.http_status == 404u || r.http_status == 405u) << r.describe();
    EXPECT_NE(r.status_code, 1000);
    EXPECT_NE(t.send(http::Method::put, deeper, "{}").status_code, 1000);
    EXPECT_EQ(t.send(http::Method::del, s.path).http_status, 405u);
    EXPECT_EQ(periods(t, s.path), 1u);
}

TEST(MspSessionsReceiver, S11_SessionOnlyDimensionsAreAccepted) {
    MspUnderTest t("s11");
    const auto s = put_session(t);
    const auto r = t.send(http::Method::patch, s.path, R"({"last_updated":"2019-10-14T10:05:00Z","charging_periods":[
        {"start_date_time":"2019-10-14T10:00:00Z","dimensions":[{"type":"POWER","volume":11},
         {"type":"STATE_OF_CHARGE","volume":64},{"type":"CURRENT","volume":16}]}]})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(periods(t, s.path), 2u);
}

// ---- CDRs receiver (OCPI 2.2 §10.2.2) ----

namespace {

const std::string kCdrs = "/scpi/receiver/2.2/cdrs";

json::object cdr() {
    return json::parse(shipped("data/cpo/cdrs.json", 0)).as_object();
}

}  // namespace

TEST(MspCdrsReceiver, D01_PostedCdrIsServedAtItsLocation) {
    MspUnderTest t("d01");
    const auto r = t.send(http::Method::post, kCdrs, json::serialize(cdr()));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    const auto location = r.headers.get("Location");
    ASSERT_TRUE(location);
    ASSERT_TRUE(location->starts_with("http://127.0.0.1:"));
    EXPECT_EQ(data_of(t, std::string(location->substr(t.party->public_url().size()))), json::value(cdr()));
}

TEST(MspCdrsReceiver, D02_IncompleteCdrsAre2001AndNotStored) {
    MspUnderTest t("d02");
    const auto refused = [&](const std::function<void(json::object&)>& spoil, const std::string& message) {
        auto bad = cdr();
        spoil(bad);
        const auto r = t.send(http::Method::post, kCdrs, json::serialize(bad));
        EXPECT_EQ(r.status_code, 2001) << message;
        EXPECT_EQ(r.status_message.value_or(""), message);
    };
    refused([](json::object& o) { o.erase("total_cost"); }, "$.total_cost: missing required member");
    refused([](json::object& o) { o.erase("cdr_token"); }, "$.cdr_token: missing required member");
    refused([](json::object& o) { o["charging_periods"] = json::array(); },
            "$.charging_periods: expected at least one element");
    EXPECT_EQ(t.store->count_cdrs({}), 0u);
}

TEST(MspCdrsReceiver, D03_CdrTokenWithoutCountryCodeIs2001WhenStrictAndAWarningOtherwise) {
    auto old_style = cdr();
    old_style["cdr_token"].as_object().erase("country_code");
    {
        MspUnderTest strict("d03-strict", true, true);
        const auto r = strict.send(http::Method::post, kCdrs, json::serialize(old_style));
        EXPECT_EQ(r.status_code, 2001);
        EXPECT_EQ(r.status_message.value_or(""), "$.cdr_token: missing country_code (required since OCPI 2.2.1)");
        EXPECT_EQ(strict.store->count_cdrs({}), 0u);
        EXPECT_TRUE(strict.send(http::Method::post, kCdrs, json::serialize(cdr())).ok()) << "complete tokens pass";
    }
    MspUnderTest lenient("d03");
    old_style["cdr_token"].as_object().erase("party_id");
    const auto r = lenient.send(http::Method::post, kCdrs, json::serialize(old_style));
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(lenient.store->count_cdrs({}), 1u);
    EXPECT_TRUE(lenient.log->contains("cdr_token without country_code and party_id (required since OCPI 2.2.1"));
}

TEST(MspCdrsReceiver, D04_StateOfChargeInACdrIs2001) {
    MspUnderTest t("d04");
    auto bad = cdr();
    bad["charging_periods"].as_array()[0].as_object()["dimensions"].as_array().push_back(
        json::object{{"type", "STATE_OF_CHARGE"}, {"volume", 80}});
    const auto r = t.send(http::Method::post, kCdrs, json::serialize(bad));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(r.status_message.value_or(""),
              "$.charging_periods[0].dimensions[2].type: STATE_OF_CHARGE is only allowed in Sessions, not in a CDR");
    EXPECT_EQ(t.store->count_cdrs({}), 0u);
}

TEST(MspCdrsReceiver, D05_DuplicateIs2001AndTheOriginalStays) {
    MspUnderTest t("d05");
    const auto first = t.send(http::Method::post, kCdrs, json::serialize(cdr()));
    ASSERT_TRUE(first.ok()) << first.describe();
    auto changed = cdr();
    changed["total_cost"] = json::object{{"excl_vat", 99}};
    const auto r = t.send(http::Method::post, kCdrs, json::serialize(changed));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "CDR already exists: CH/CPO/CDR-2019-0001");
    const auto location = *first.headers.get("Location");
    EXPECT_EQ(data_of(t, std::string(location.substr(t.party->public_url().size()))).at("total_cost"),
              cdr().at("total_cost"));
    EXPECT_EQ(t.store->count_cdrs({}), 1u);
}

TEST(MspCdrsReceiver, D06_CreditCdrNeedsItsReference) {
    MspUnderTest t("d06");
    auto credit = cdr();
    credit["id"] = "CDR-2019-0001-C";
    credit["credit"] = true;
    credit["total_cost"] = json::object{{"excl_vat", -3.5}, {"incl_vat", -3.7695}};
    auto r = t.send(http::Method::post, kCdrs, json::serialize(credit));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "$.credit_reference_id: missing required member (required when credit is true)");
    EXPECT_EQ(t.store->count_cdrs({}), 0u);
    credit["credit_reference_id"] = "CDR-2019-0001";
    r = t.send(http::Method::post, kCdrs, json::serialize(credit));
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(t.store->count_cdrs({}), 1u);
}

TEST(MspCdrsReceiver, D07_PutPatchDeleteOnCdrUrlsAre405) {
    MspUnderTest t("d07");
    const auto posted = t.send(http::Method::post, kCdrs, json::serialize(cdr()));
    ASSERT_TRUE(posted.ok());
    const auto path = std::string(posted.headers.get("Location")->substr(t.party->public_url().size()));
    for (const auto& p : {path, kCdrs}) {
        EXPECT_EQ(t.send(http::Method::put, p, json::serialize(cdr())).http_status, 405u) << p;
        EXPECT_EQ(t.send(http::Method::patch, p, R"({"last_updated":"2024-01-01T00:00:00Z"})").http_status, 405u) << p;
        EXPECT_EQ(t.send(http::Method::del, p).http_status, 405u) << p;
    }
    EXPECT_EQ(data_of(t, path), json::value(cdr()));
}

// ---- Command results (OCPI 2.2 §13.2.2, sender interface) ----

TEST(MspCommandResults, M13_KnownResultUrlIsAcceptedUnknownIs404) {
    MspUnderTest t("m13");
    auto r = t.send(http::Method::post, "/scpi/sender/2.2/commands/START_SESSION/0", R"({"result":"ACCEPTED"})");
    ASSERT_TRUE(r.ok()) << "the README walkthrough's hand-written uid: " << r.describe();
    EXPECT_TRUE(r.data.is_null()) << "no data in the answer";
    for (const auto& path :
         std::vector<std::string>{"/scpi/sender/2.2/commands/FLY_AWAY/0", "/scpi/sender/2.2/commands/START_SESSION",
                                  "/scpi/sender/2.2/commands/START_SESSION/0/extra",
                                  "/scpi/sender/2.2/commands/START_SESSION/" + std::string(37, 'a')}) {
        r = t.send(http::Method::post, path, R"({"result":"ACCEPTED"})");
        EXPECT_EQ(r.http_status, 404u) << path;
        EXPECT_NE(r.status_code, 1000) << path;
    }
    // (command_results() with an empty filter binds NULL and finds nothing, so both filters are given.)
    EXPECT_EQ(t.store->command_results("START_SESSION", "0").size(), 1u);
    EXPECT_TRUE(t.store->command_results("FLY_AWAY", "0").empty());
    EXPECT_TRUE(t.store->command_results("START_SESSION", std::string(37, 'a')).empty());
}

// ---- HubClientInfo receiver on both parties (OCPI 2.2 §12.2.2) ----

namespace {

std::string client_info(const std::string& cc, const std::string& pid, const std::string& role,
                        const std::string& status, const std::string& when = "2024-03-01T08:00:00Z") {
    return R"({"party_id":")" + pid + R"(","country_code":")" + cc + R"(","role":")" + role + R"(","status":")" +
           status + R"(","last_updated":")" + when + R"("})";
}

template <typename Party>
void hubclientinfo_put_and_get(Under<Party>& t) {
    const std::string path = "/scpi/receiver/2.2/hubclientinfo/DE/ABC";
    auto r = t.send(http::Method::put, path, client_info("DE", "ABC", "EMSP", "CONNECTED"), std::nullopt);
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.http_status, 201u);
    EXPECT_FALSE(r.headers.get("SCPI-To-Country-Code")) << "configuration module: no routing headers";
    r = t.send(http::Method::put, path, client_info("DE", "ABC", "EMSP", "SUSPENDED", "2024-03-01T09:00:00Z"),
               std::nullopt);
    EXPECT_EQ(r.http_status, 200u) << "replaced";
    r = t.send(http::Method::get, path, std::nullopt, std::nullopt);
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data, json::parse(client_info("DE", "ABC", "EMSP", "SUSPENDED", "2024-03-01T09:00:00Z")));
    EXPECT_EQ(t.send(http::Method::get, "/scpi/receiver/2.2/hubclientinfo/DE/XYZ").http_status, 404u);
    r = t.send(http::Method::put, "/scpi/receiver/2.2/hubclientinfo/DE/XYZ",
               client_info("DE", "ABC", "EMSP", "CONNECTED"));
    EXPECT_EQ(r.status_code, 2001) << "body and URL name different parties";
    EXPECT_EQ(t.send(http::Method::put, path, client_info("DE", "ABC", "EMSP", "GONE")).status_code, 2001);
    EXPECT_EQ(t.send(http::Method::del, path).http_status, 405u);
    EXPECT_TRUE(t.log->contains("Client info: DE/ABC (EMSP) SUSPENDED"));
    const auto d = scpi::from_json<scpi::VersionDetails>(
        t.send(http::Method::get, "/scpi/versions/2.2", std::nullopt, std::nullopt).data);
    bool listed = false;
    for (const auto& e : d.endpoints) {
        listed = listed || (e.identifier == "hubclientinfo" && e.role == scpi::InterfaceRole::RECEIVER &&
                            e.url == t.party->public_url() + "/scpi/receiver/2.2/hubclientinfo");
    }
    EXPECT_TRUE(listed);
}

}  // namespace

TEST(HubClientInfoReceiver, H01_MspStoresAndServesClientInfo) {
    MspUnderTest t("h01-msp");
    hubclientinfo_put_and_get(t);
}

TEST(HubClientInfoReceiver, H01_CpoStoresAndServesClientInfo) {
    Under<party::Cpo> t("h01-cpo");
    hubclientinfo_put_and_get(t);
}

TEST(HubClientInfoReceiver, H02_ListIsPaginatedAndConnectedPartiesAreKnown) {
    Under<party::Cpo> t("h02");
    const std::string base = "/scpi/receiver/2.2/hubclientinfo";
    ASSERT_TRUE(t.send(http::Method::put, base + "/CH/MSP", client_info("CH", "MSP", "EMSP", "CONNECTED")).ok());
    ASSERT_TRUE(t.send(http::Method::put, base + "/DE/ABC", client_info("DE", "ABC", "EMSP", "SUSPENDED")).ok());
    ASSERT_TRUE(t.send(http::Method::put, base + "/NL/XYZ", client_info("NL", "XYZ", "CPO", "CONNECTED")).ok());
    auto page = t.send(http::Method::get, base + "?limit=2", std::nullopt, std::nullopt);
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.data.as_array().size(), 2u);
    EXPECT_EQ(page.headers.get("X-Total-Count"), "3");
    EXPECT_EQ(page.headers.get("X-Limit"), "100");
    const auto link = page.headers.get("Link");
    ASSERT_TRUE(link);
    EXPECT_NE(link->find(base + "?offset=2&limit=2"), std::string::npos) << *link;
    page = t.send(http::Method::get, base + "?offset=2&limit=2", std::nullopt, std::nullopt);
    EXPECT_EQ(page.data.as_array().size(), 1u);
    EXPECT_FALSE(page.headers.get("Link"));
    EXPECT_EQ(t.send(http::Method::get, base + "?limit=abc").status_code, 2001);
    const auto connected = t.io.run([&] { return t.party->connected_parties(scpi::Role::EMSP); });
    ASSERT_EQ(connected.size(), 1u);
    EXPECT_EQ(connected[0].party_id, "MSP");
}

// ---- Tokens pushed to connected CPOs (OCPI 2.2 §12.2.2 tokens receiver, through the peer) ----

namespace {

/// Stands in for the node: version details with a tokens receiver and a HubClientInfo sender (listing `listed`),
/// and a record of the PUTs that reach it.
struct ScriptedNode {
    std::string listed = "[]";
    std::mutex mutex;
    std::vector<json::object> puts;
    std::unique_ptr<http::Server> server;
    std::string base;

    void start(test::IoThread& io) {
        http::Router r;
        using Awaitable = boost::asio::awaitable<http::Response>;
        const auto ok = [](const std::string& data) {
            return http::Response::json(
                200, R"({"status_code":1000,"data":)" + data + R"(,"timestamp":"2024-01-01T00:00:00Z"})");
        };
        r.add(http::Method::get, "/versions", [this, ok](http::Request&) -> Awaitable {
            co_return ok(R"([{"version":"2.2","url":")" + base + R"(/2.2"}])");
        });
        r.add(http::Method::get, "/2.2", [this, ok](http::Request&) -> Awaitable {
            co_return ok(R"({"version":"2.2","endpoints":[{"identifier":"tokens","role":"RECEIVER","url":")" + base +
                         R"(/tokens"},{"identifier":"hubclientinfo","role":"SENDER","url":")" + base + R"(/hci"}]})");
        });
        r.add(http::Method::get, "/hci", [this, ok](http::Request&) -> Awaitable { co_return ok(listed); });
        r.add(http::Method::put, "/tokens/{rest...}", [this, ok](http::Request& req) -> Awaitable {
            json::object o{{"path", req.path}, {"query", req.query}, {"body", req.body}};
            for (const auto h : {"SCPI-From-Country-Code", "SCPI-From-Party-Id", "SCPI-To-Country-Code",
                                 "SCPI-To-Party-Id", "Authorization"}) {
                o[h] = std::string(req.header(h).value_or(""));
            }
            const std::lock_guard lock(mutex);
            puts.push_back(std::move(o));
            co_return ok("null");
        });
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
    }
    std::size_t count() {
        const std::lock_guard lock(mutex);
        return puts.size();
    }
    /// Waits (at most 5 s) until `n` PUTs have arrived.
    bool wait_for(std::size_t n) {
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (count() < n && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(20ms);
        }
        return count() >= n;
    }
    void stop(test::IoThread& io) {
        io.run([&] {
            server->stop();
            return 0;
        });
    }
};

void connect_peer(MspUnderTest& t, ScriptedNode& node) {
    t.io.run([&] {
        t.party->set_peer(party::Peer{"node-token", node.base + "/versions"});
        return 0;
    });
}

}  // namespace

TEST(MspTokenPush, TokensGoToACpoThatBecomesConnected) {
    MspUnderTest t("push");
    ScriptedNode node;
    node.start(t.io);
    connect_peer(t, node);
    const std::string info = "/scpi/receiver/2.2/hubclientinfo/";
    ASSERT_TRUE(t.send(http::Method::put, info + "CH/MSP", client_info("CH", "MSP", "EMSP", "CONNECTED")).ok());
    ASSERT_TRUE(t.send(http::Method::put, info + "DE/OLD", client_info("DE", "OLD", "CPO", "SUSPENDED")).ok());
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(node.count(), 0u) << "neither an EMSP nor a suspended CPO gets tokens";
    ASSERT_TRUE(t.send(http::Method::put, info + "CH/CPO", client_info("CH", "CPO", "CPO", "CONNECTED")).ok());
    ASSERT_TRUE(node.wait_for(7)) << node.count() << " of the 7 shipped tokens arrived";
    std::set<std::string> paths;
    {
        const std::lock_guard lock(node.mutex);
        for (const auto& p : node.puts) {
            paths.insert(std::string(p.at("path").as_string()) + "?" + std::string(p.at("query").as_string()));
            EXPECT_EQ(p.at("SCPI-From-Country-Code"), "CH");
            EXPECT_EQ(p.at("SCPI-From-Party-Id"), "MSP");
            EXPECT_EQ(p.at("SCPI-To-Country-Code"), "CH");
            EXPECT_EQ(p.at("SCPI-To-Party-Id"), "CPO");
            EXPECT_EQ(p.at("Authorization"), "Token node-token");
            const auto token = scpi::from_json<scpi::Token>(json::parse(p.at("body").as_string()));
            EXPECT_EQ(token.country_code, "CH");
            EXPECT_EQ(token.party_id, "MSP");
        }
    }
    EXPECT_TRUE(paths.contains("/tokens/CH/MSP/CH-MSP-RFID-0001?type=RFID"));
    EXPECT_TRUE(paths.contains("/tokens/CH/MSP/CH-MSP-APP-0003?type=APP_USER"));
    EXPECT_EQ(paths.size(), 7u);
    // Still connected: nothing new. Suspended, then connected again: the tokens go again.
    ASSERT_TRUE(t.send(http::Method::put, info + "CH/CPO", client_info("CH", "CPO", "CPO", "CONNECTED")).ok());
    ASSERT_TRUE(t.send(http::Method::put, info + "CH/CPO", client_info("CH", "CPO", "CPO", "SUSPENDED")).ok());
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(node.count(), 7u);
    ASSERT_TRUE(t.send(http::Method::put, info + "CH/CPO", client_info("CH", "CPO", "CPO", "CONNECTED")).ok());
    EXPECT_TRUE(node.wait_for(14));
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (t.io.run([&] { return t.store->outbox().pending(); }) > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(t.io.run([&] { return t.store->outbox().pending(); }), 0u) << "every PUT was accepted";
    node.stop(t.io);
}

TEST(MspTokenPush, TokensGoAtStartToCposStoredAsConnected) {
    {
        MspUnderTest t("push-restart");  // no peer: the tokens stay queued in the outbox
        ASSERT_TRUE(t.send(http::Method::put, "/scpi/receiver/2.2/hubclientinfo/CH/CPO",
                           client_info("CH", "CPO", "CPO", "CONNECTED"))
                        .ok());
        EXPECT_EQ(t.store->outbox().pending(), 7u);
    }
    MspUnderTest again("push-restart", /*fresh=*/false);
    EXPECT_EQ(again.store->outbox().pending(), 14u) << "queued once more at start";
    ScriptedNode node;
    node.start(again.io);
    connect_peer(again, node);
    EXPECT_TRUE(node.wait_for(14));
    node.stop(again.io);
}

TEST(MspTokenPush, CposTheNodeListsAsConnectedGetTheTokensOnceThePeerIsSet) {
    MspUnderTest t("push-list");
    ScriptedNode node;
    node.listed =
        "[" + client_info("CH", "CPO", "CPO", "CONNECTED") + "," + client_info("CH", "MSP", "EMSP", "CONNECTED") + "]";
    node.start(t.io);
    connect_peer(t, node);
    EXPECT_TRUE(node.wait_for(7)) << "the node pushes only changes: the MSP reads its list";
    EXPECT_TRUE(t.log->wait_for("Client info: 2 parties listed by the node", 5s));
    const auto r = t.send(http::Method::get, "/scpi/receiver/2.2/hubclientinfo/CH/CPO", std::nullopt, std::nullopt);
    EXPECT_EQ(r.data.at("status"), "CONNECTED") << r.describe();
    node.stop(t.io);
}
