#include <scn/party/location_generator.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdio>

namespace scn::party {
namespace {

namespace json = boost::json;

struct City {
    const char* name;
    const char* postal_prefix;
    double lat;
    double lon;
};

constexpr std::array kCities{
    City{"Zug", "63", 47.1662, 8.5155},        City{"Zürich", "80", 47.3769, 8.5417},
    City{"Luzern", "60", 47.0502, 8.3093},     City{"Bern", "30", 46.9480, 7.4474},
    City{"Basel", "40", 47.5596, 7.5886},      City{"Genève", "12", 46.2044, 6.1432},
    City{"Lausanne", "10", 46.5197, 6.6323},   City{"St. Gallen", "90", 47.4245, 9.3767},
    City{"Winterthur", "84", 47.4988, 8.7237}, City{"Lugano", "69", 46.0037, 8.9511},
    City{"Chur", "70", 46.8499, 9.5329},       City{"Fribourg", "17", 46.8065, 7.1620},
};
constexpr std::array kStreets{"Bahnhofstrasse", "Hauptstrasse", "Seestrasse",       "Industriestrasse", "Dorfstrasse",
                              "Kirchweg",       "Poststrasse",  "Schulhausstrasse", "Gewerbestrasse",   "Rue du Lac",
                              "Via Cantonale",  "Alpenstrasse", "Oberdorfstrasse",  "Bergstrasse",      "Parkweg"};
constexpr std::array kSites{"Parkhaus",   "Einkaufszentrum", "Bahnhof P+R",   "Hotel",        "Gemeindeparkplatz",
                            "Supermarkt", "Raststätte",      "Business Park", "Sportzentrum", "Tiefgarage"};
constexpr std::array kFacilities{"HOTEL", "RESTAURANT",    "CAFE",     "MALL",        "SUPERMARKET",
                                 "SPORT", "TRAIN_STATION", "BUS_STOP", "PARKING_LOT", "WIFI"};
constexpr std::array kParking{"PARKING_GARAGE", "PARKING_LOT", "ON_STREET", "UNDERGROUND_GARAGE", "ALONG_MOTORWAY"};
constexpr std::array kStatus{"AVAILABLE", "AVAILABLE",  "AVAILABLE",   "AVAILABLE", "CHARGING",
                             "CHARGING",  "OUTOFORDER", "INOPERATIVE", "BLOCKED",   "AVAILABLE"};

std::string coordinate(double value) {
    std::array<char, 32> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%.6f", value);
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

struct State {
    std::mt19937_64& rng;
    const std::string& cc;
    const std::string& pid;

    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }
    double jitter(double range) { return std::uniform_real_distribution<double>(-range, range)(rng); }

    json::object connector(std::uint64_t loc, unsigned evse, unsigned con, bool dc, const std::string& updated) {
        json::object c;
        c["id"] = std::to_string(con);
        if (dc) {
            const bool chademo = con == 2 && pick(3) == 0;
            c["standard"] = chademo ? "CHADEMO" : "IEC_62196_T2_COMBO";
            c["format"] = "CABLE";
            c["power_type"] = "DC";
            c["max_voltage"] = 920;
            c["max_amperage"] = chademo ? 125 : 400;
            c["max_electric_power"] = chademo ? 50000 : std::array{50000, 150000, 300000}[pick(3)];
        } else {
            c["standard"] = "IEC_62196_T2";
            c["format"] = "SOCKET";
            c["power_type"] = "AC_3_PHASE";
            c["max_voltage"] = 230;
            c["max_amperage"] = pick(2) == 0 ? 16 : 32;
        }
        c["tariff_ids"] = json::array{std::to_string(1 + (loc + evse) % 3)};
        c["last_updated"] = updated;
        return c;
    }

    std::string location(std::uint64_t i, const std::string& updated) {
        const City& city = kCities[pick(kCities.size())];
        const double lat = city.lat + jitter(0.04);
        const double lon = city.lon + jitter(0.06);
        const std::string id = "Loc" + std::to_string(i);
        json::object loc;
        loc["country_code"] = cc;
        loc["party_id"] = pid;
        loc["id"] = id;
        loc["publish"] = true;
        loc["name"] = std::string(city.name) + " " + kSites[pick(kSites.size())] + " " + std::to_string(i);
        loc["address"] = std::string(kStreets[pick(kStreets.size())]) + " " + std::to_string(1 + pick(180));
        loc["city"] = city.name;
        loc["postal_code"] = std::string(city.postal_prefix) + std::to_string(10 + pick(90));
        loc["country"] = "CHE";
        loc["coordinates"] = {{"latitude", coordinate(lat)}, {"longitude", coordinate(lon)}};
        loc["parking_type"] = kParking[pick(kParking.size())];
        json::array evses;
        const unsigned evse_count = 1 + static_cast<unsigned>(pick(4));
        const bool dc_site = pick(4) == 0;
        for (unsigned e = 1; e <= evse_count; ++e) {
            json::object evse;
            const std::string uid = cc + "-" + pid + "-G" + std::to_string(i) + "E" + std::to_string(e);
            evse["uid"] = uid;
            evse["evse_id"] = cc + "*" + pid + "*EG" + std::to_string(i) + "E" + std::to_string(e);
            evse["status"] = kStatus[pick(kStatus.size())];
            evse["capabilities"] =
                json::array{"REMOTE_START_STOP_CAPABLE", "RESERVABLE", "RFID_READER", "UNLOCK_CAPABLE"};
            json::array connectors;
            const unsigned connector_count = dc_site ? 2 : 1;
            for (unsigned c = 1; c <= connector_count; ++c) {
                connectors.push_back(connector(i, e, c, dc_site, updated));
            }
            evse["connectors"] = std::move(connectors);
            evse["physical_reference"] = std::to_string(e);
            evse["last_updated"] = updated;
            evses.push_back(std::move(evse));
        }
        loc["evses"] = std::move(evses);
        loc["facilities"] = json::array{kFacilities[pick(kFacilities.size())]};
        loc["time_zone"] = "Europe/Zurich";
        if (pick(4) != 0) {
            loc["opening_times"] = {{"twentyfourseven", true}};
        } else {
            json::array hours;
            for (int d = 1; d <= 7; ++d) {
                hours.push_back({{"weekday", d}, {"period_begin", "06:00"}, {"period_end", "22:00"}});
            }
            loc["opening_times"] = {{"twentyfourseven", false}, {"regular_hours", std::move(hours)}};
        }
        loc["operator"] = {{"name", "Mock CPO " + cc + "/" + pid}};
        loc["last_updated"] = updated;
        return json::serialize(loc);
    }
};

}  // namespace

LocationGenerator::LocationGenerator(std::uint64_t seed, std::string country_code, std::string party_id)
    : rng_(seed), cc_(std::move(country_code)), pid_(std::move(party_id)) {}

std::string LocationGenerator::location(std::uint64_t i, const std::string& updated) {
    State s{rng_, cc_, pid_};
    return s.location(i, updated);
}

}  // namespace scn::party
