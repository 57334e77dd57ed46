// The mock CPO's sender modules over HTTP on 127.0.0.1: versions, pagination edges, single objects, unknown
// objects, and a generated (compressed) data set.
#include <scn/party/cpo.hpp>
#include <scn/party/location_generator.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/store/catalog.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct CpoUnderTest {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<http::Client> client;

    explicit CpoUnderTest(const std::string& name, std::filesystem::path data = {}, bool warm = false)
        : dir(std::filesystem::temp_directory_path() / ("scn-cpo-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        io.run([&] {
            auto c = config::defaults().cpo;
            c.port = 0;
            c.public_url.clear();
            c.warm_data = warm;
            c.data_dir = data.empty() ? std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo" : data;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo", log));
            cpo->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~CpoUnderTest() {
        io.run([&] {
            cpo->stop_all();
            return 0;
        });
        io.stop();
    }

    service::Reply get(const std::string& path, const std::string& token = {}) {
        service::Call c;
        c.method = http::Method::get;
        c.url = cpo->public_url() + path;
        c.token = token.empty() ? cpo->offline_token() : token;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        return io.await(service::call(*client, c));
    }
};

/// A data set of `count` generated locations (`Loc1` …, a minute apart), compressed only: every page is decompressed
/// (the plain copy's sendfile path has its own tests). `expected` gets their texts.
std::filesystem::path generated_data_set(const std::string& name, int count, std::uint64_t seed,
                                         std::vector<std::string>& expected) {
    const auto data = std::filesystem::temp_directory_path() / ("scn-cpo-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data);
    std::filesystem::create_directories(data);
    party::LocationGenerator gen(seed);
    {
        store::DatasetWriter w(data, "locations", store::DatasetWriter::Format::compressed);
        const auto start = *core::parse_datetime("2025-01-01T00:00:00Z");
        for (int i = 1; i <= count; ++i) {
            const auto when = start + std::chrono::minutes(i);
            expected.push_back(gen.location(static_cast<std::uint64_t>(i), core::format_datetime(when)));
            w.add("Loc" + std::to_string(i), when, expected.back());
        }
        w.finish();
    }
    std::filesystem::copy_file(std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo/tariffs.json", data / "tariffs.json");
    std::ofstream(data / "sessions.json") << "[]";
    std::ofstream(data / "cdrs.json") << "[]";
    return data;
}

std::vector<std::string> ids_of(const service::Reply& page) {
    std::vector<std::string> out;
    for (const auto& o : page.data.as_array()) {
        out.emplace_back(o.at("id").as_string());
    }
    return out;
}

/// `limit` consecutive ids from `Loc<first>`.
std::vector<std::string> loc_ids(int first, int count) {
    std::vector<std::string> out;
    for (int i = first; i < first + count; ++i) {
        out.push_back("Loc" + std::to_string(i));
    }
    return out;
}

}  // namespace

TEST(Cpo, VersionsListExactlyWhatIsServed) {
    CpoUnderTest t("versions");
    const auto versions = t.get("/scpi/versions");
    ASSERT_TRUE(versions.ok()) << versions.describe();
    ASSERT_EQ(versions.data.as_array().size(), 1u);
    EXPECT_EQ(versions.data.as_array()[0].at("version"), "2.2");
    const auto details = t.get("/scpi/versions/2.2");
    ASSERT_TRUE(details.ok()) << details.describe();
    std::vector<std::string> endpoints;
    for (const auto& e : details.data.at("endpoints").as_array()) {
        endpoints.push_back(std::string(e.at("identifier").as_string()) + " " + std::string(e.at("role").as_string()));
    }
    std::sort(endpoints.begin(), endpoints.end());
    EXPECT_EQ(endpoints, (std::vector<std::string>{"cdrs SENDER", "chargingprofiles RECEIVER", "commands RECEIVER",
                                                   "credentials SENDER", "hubclientinfo RECEIVER", "locations SENDER",
                                                   "sessions SENDER", "tariffs SENDER", "tokens RECEIVER"}));
}

TEST(Cpo, LocationPagesHaveCountsLimitsAndLinksThatKeepTheirParameters) {
    CpoUnderTest t("pages");
    auto page = t.get("/scpi/sender/2.2/locations?limit=3");
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(ids_of(page), loc_ids(1, 3)) << "first page";
    EXPECT_EQ(page.headers.get("X-Total-Count"), "10");
    EXPECT_EQ(page.headers.get("X-Limit"), std::to_string(party::Cpo::kMaxLimit)) << "the server's maximum";
    ASSERT_TRUE(page.headers.get("Link"));
    EXPECT_NE(page.headers.get("Link")->find("/scpi/sender/2.2/locations?offset=3&limit=3>; rel=\"next\""),
              std::string::npos)
        << *page.headers.get("Link");
    page = t.get("/scpi/sender/2.2/locations?offset=3&limit=3");
    EXPECT_EQ(ids_of(page), loc_ids(4, 3)) << "middle page";
    EXPECT_TRUE(page.headers.get("Link"));
    page = t.get("/scpi/sender/2.2/locations?offset=9&limit=3");
    EXPECT_EQ(ids_of(page), loc_ids(10, 1)) << "last page";
    EXPECT_FALSE(page.headers.get("Link")) << "no next page after the last";
    page = t.get("/scpi/sender/2.2/locations?offset=10");
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page.data.as_array().empty()) << "past the end: an empty page";
    EXPECT_EQ(page.headers.get("X-Total-Count"), "10");
    page = t.get("/scpi/sender/2.2/locations?limit=100000");
    EXPECT_EQ(page.data.as_array().size(), 10u) << "a limit above the maximum is capped";
    // Sessions have distinct last_updated values: the date window, and the Link keeps it.
    page = t.get("/scpi/sender/2.2/sessions?date_from=2019-10-14T12:00:00Z&limit=1");
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.headers.get("X-Total-Count"), "1");
    EXPECT_EQ(page.data.as_array().size(), 1u);
    page = t.get("/scpi/sender/2.2/sessions?date_from=2000-01-01T00:00:00Z&date_to=2019-10-14T12:00:00Z&limit=1");
    EXPECT_EQ(page.headers.get("X-Total-Count"), "1");
    page = t.get("/scpi/sender/2.2/cdrs?date_from=2019-10-14T00:00:00Z&limit=1");
    EXPECT_EQ(page.headers.get("X-Total-Count"), "2");
    ASSERT_TRUE(page.headers.get("Link"));
    EXPECT_NE(page.headers.get("Link")->find("date_from=2019-10-14T00%3A00%3A00Z"), std::string::npos)
        << *page.headers.get("Link");
    EXPECT_EQ(t.get("/scpi/sender/2.2/tariffs").data.as_array().size(), 4u);
    for (const auto* bad : {"offset=-1", "limit=x", "date_from=yesterday"}) {
        const auto r = t.get(std::string("/scpi/sender/2.2/locations?") + bad);
        EXPECT_EQ(r.status_code, 2001) << bad;
        EXPECT_EQ(r.http_status, 400u) << bad;
    }
}

TEST(Cpo, OneLocationEvseOrConnectorAndUnknownOnesAre2003) {
    CpoUnderTest t("objects");
    const auto loc = t.get("/scpi/sender/2.2/locations/Loc2");
    ASSERT_TRUE(loc.ok()) << loc.describe();
    EXPECT_EQ(loc.data.at("id"), "Loc2");
    EXPECT_EQ(loc.headers.get("SCPI-To-Party-Id"), "MSP") << "routing headers answered in reverse";
    const std::string evse(loc.data.at("evses").as_array()[0].at("uid").as_string());
    const std::string connector(loc.data.at("evses").as_array()[0].at("connectors").as_array()[0].at("id").as_string());
    const auto e = t.get("/scpi/sender/2.2/locations/Loc2/" + evse);
    ASSERT_TRUE(e.ok()) << e.describe();
    EXPECT_EQ(e.data.at("uid").as_string(), evse);
    const auto c = t.get("/scpi/sender/2.2/locations/Loc2/" + evse + "/" + connector);
    ASSERT_TRUE(c.ok()) << c.describe();
    EXPECT_EQ(c.data.at("id").as_string(), connector);
    for (const auto& path :
         std::vector<std::string>{"/scpi/sender/2.2/locations/Loc99", "/scpi/sender/2.2/locations/Loc2/NOPE",
                                  "/scpi/sender/2.2/locations/Loc2/" + evse + "/99"}) {
        const auto r = t.get(path);
        EXPECT_EQ(r.http_status, 404u) << path;
        EXPECT_EQ(r.status_code, 2003) << path;
        ASSERT_TRUE(r.status_message) << path;
        EXPECT_NE(r.status_message->find("not found"), std::string::npos) << *r.status_message;
    }
    const auto refused = t.get("/scpi/sender/2.2/locations/Loc2", "not-the-token");
    EXPECT_EQ(refused.http_status, 401u);
    EXPECT_FALSE(refused.ok());
}

TEST(Cpo, HoldsADataSetThatFitsParsedSoonAfterStartUp) {
    std::vector<std::string> expected;
    const auto data = generated_data_set("warm", 3'000, 11, expected);
    CpoUnderTest t("warm", data, true);
    ASSERT_TRUE(t.log->wait_for("Locations held in memory: 3000 of 3000 parsed", 20s));
    EXPECT_EQ(t.io.run([&] { return t.cpo->locations_in_memory(); }), 3000u);
    // What is held is what the data set says.
    const auto one = t.get("/scpi/sender/2.2/locations/Loc2222");
    ASSERT_TRUE(one.ok()) << one.describe();
    EXPECT_EQ(one.data, json::parse(expected[2221]));
    const auto evse =
        t.get("/scpi/sender/2.2/locations/Loc2222/" + std::string(one.data.at("evses").at(0).at("uid").as_string()));
    ASSERT_TRUE(evse.ok()) << evse.describe();
    EXPECT_EQ(evse.data, one.data.at("evses").at(0));

    // Without warm_data, a location is parsed when first asked for.
    CpoUnderTest cold("cold", data, false);
    ASSERT_TRUE(cold.get("/scpi/sender/2.2/locations/Loc7").ok());
    EXPECT_LE(cold.io.run([&] { return cold.cpo->locations_in_memory(); }), 1u);
    EXPECT_FALSE(cold.log->contains("Locations held in memory"));
}

TEST(Cpo, ServesACompressedGeneratedDataSet) {
    // 20,000 generated locations in the format `scn-tools generate` writes above 10,000 (compressed blocks).
    std::vector<std::string> expected;
    const auto data = generated_data_set("data", 20'000, 7, expected);
    ASSERT_TRUE(std::filesystem::exists(data / "locations.lz4"));

    CpoUnderTest t("generated", data);
    auto page = t.get("/scpi/sender/2.2/locations?offset=12345&limit=100");
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.headers.get("X-Total-Count"), "20000");
    ASSERT_EQ(page.data.as_array().size(), 100u);
    for (std::size_t i = 0; i < 100; ++i) {
        EXPECT_EQ(page.data.as_array()[i], json::parse(expected[12345 + i])) << i;
    }
    // A window of last_updated: locations 101 … 160 (minutes 101 to 160 after the start).
    page = t.get("/scpi/sender/2.2/locations?date_from=2025-01-01T01:41:00Z&date_to=2025-01-01T02:41:00Z&limit=100");
    EXPECT_EQ(page.headers.get("X-Total-Count"), "60");
    EXPECT_EQ(ids_of(page), loc_ids(101, 60));
    page = t.get("/scpi/sender/2.2/locations?limit=1000");
    EXPECT_EQ(ids_of(page), loc_ids(1, 100)) << "a limit above the server's maximum is capped";
    EXPECT_NE(page.headers.get("Link").value_or("").find("offset=100&limit=100"), std::string::npos);
    page = t.get("/scpi/sender/2.2/locations?offset=19990&limit=100");
    EXPECT_EQ(ids_of(page), loc_ids(19991, 10));
    const auto one = t.get("/scpi/sender/2.2/locations/Loc17777");
    ASSERT_TRUE(one.ok()) << one.describe();
    EXPECT_EQ(one.data, json::parse(expected[17776]));
    EXPECT_EQ(t.get("/scpi/sender/2.2/locations/Loc20001").status_code, 2003);
    // Changes made while running are covered by the catalog's tests for every kind of base.
    std::filesystem::remove_all(data);
}

TEST(Cpo, ListsSessionsWithoutDateFromUnlessStrict) {
    // The original walkthrough lists sessions without date_from; only a strict CPO refuses that (OCPI 2.2 §9.2.1.1).
    CpoUnderTest t("lenient-sessions");
    const auto r = t.get("/scpi/sender/2.2/sessions");
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(r.data.is_array());
    EXPECT_EQ(t.get("/scpi/sender/2.2/sessions?date_from=2024-01-01T10:00:00%2B02:00").status_code, 2001)
        << "an offset is refused all the same";
}
