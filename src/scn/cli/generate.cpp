// `scn-tools generate locations`: a realistic, deterministic data set of any size for the mock CPO.
#include <scn/cli/options.hpp>
#include <scn/core/datetime.hpp>
#include <scn/store/catalog.hpp>

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <unistd.h>

namespace scn::cli {
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

struct Generator {
    std::mt19937_64 rng;
    std::string cc = "CH";
    std::string pid = "CPO";

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

class Progress {
public:
    explicit Progress(std::uint64_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}
    void update(std::uint64_t done) {
        if (!enabled_ || (done % 10000 != 0 && done != total_)) {
            return;
        }
        const unsigned percent = static_cast<unsigned>(total_ == 0 ? 100 : done * 100 / total_);
        constexpr unsigned kWidth = 30;
        const std::string bar(percent * kWidth / 100, '#');
        std::fprintf(stderr, "\r[%-30s] %3u%%  %llu / %llu locations", bar.c_str(), percent,
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
        if (done == total_) {
            std::fputc('\n', stderr);
        }
    }

private:
    std::uint64_t total_;
    bool enabled_;
};

void write_text(const std::filesystem::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error(path.string() + ": cannot write");
    }
}

}  // namespace

int run_generate(const GlobalOptions&, const GenerateOptions& options) {
    try {
        Generator gen{std::mt19937_64(options.seed)};
        std::filesystem::create_directories(options.out);
        const bool as_json = options.count <= 10'000;
        // Spread last_updated over the year before a fixed date, in increasing order (the pagination order).
        const auto end = *core::parse_datetime("2026-01-01T00:00:00Z");
        const auto span = std::chrono::milliseconds(365LL * 24 * 3600 * 1000);
        const auto step = options.count > 0 ? span / static_cast<std::int64_t>(options.count) : span;
        Progress progress(options.count);
        std::unique_ptr<store::DatasetWriter> writer;
        std::ofstream array_out;
        if (as_json) {
            array_out.open(options.out / "locations.json", std::ios::binary | std::ios::trunc);
            array_out << "[\n";
            std::filesystem::remove(options.out / "locations.idx");
        } else {
            writer = std::make_unique<store::DatasetWriter>(options.out, "locations");
            std::filesystem::remove(options.out / "locations.json");
        }
        for (std::uint64_t i = 1; i <= options.count; ++i) {
            const auto when = end - span + step * static_cast<std::int64_t>(i - 1);
            const std::string updated = core::format_datetime(when);
            const std::string loc = gen.location(i, updated);
            if (writer) {
                writer->add("Loc" + std::to_string(i), when, loc);
            } else {
                array_out << (i > 1 ? ",\n" : "") << loc;
            }
            progress.update(i);
        }
        if (writer) {
            writer->finish();
        } else {
            array_out << "\n]\n";
            array_out.close();
            if (!array_out) {
                throw std::runtime_error((options.out / "locations.json").string() + ": cannot write");
            }
        }
        // Make the directory a complete CPO data directory: tariffs 1-3 as referenced, no sessions or CDRs yet.
        const auto tariffs = std::filesystem::path("data/cpo/tariffs.json");
        if (std::filesystem::exists(tariffs)) {
            std::filesystem::copy_file(tariffs, options.out / "tariffs.json",
                                       std::filesystem::copy_options::overwrite_existing);
        }
        for (const char* name : {"sessions.json", "cdrs.json"}) {
            if (!std::filesystem::exists(options.out / name)) {
                write_text(options.out / name, "[]\n");
            }
        }
        std::cout << "Wrote " << options.count << " locations to " << options.out.string()
                  << (as_json ? " (locations.json)" : " (locations.jsonl + locations.idx)") << "\n"
                  << "Serve them with: scn-tools mock --cpo --data " << options.out.string() << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools generate: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
