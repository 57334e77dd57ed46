#include <scn/party/cpo.hpp>
#include <scn/party/paging.hpp>
#include <scn/scpi/cdrs.hpp>
#include <scn/scpi/tariffs.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace scn::party {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

json::array read_array(const std::filesystem::path& file, bool required) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (required) {
            throw std::runtime_error(file.string() + ": cannot read (does the data directory exist?)");
        }
        return {};
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        auto doc = scpi::parse_json(text.str());
        if (!doc.is_array()) {
            throw scpi::ParseError("$", "expected a JSON array");
        }
        return std::move(doc.get_array());
    } catch (const scpi::ParseError& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
}

template <typename T>
std::vector<T> read_objects(const std::filesystem::path& file, bool required) {
    std::vector<T> out;
    const auto arr = read_array(file, required);
    for (std::size_t i = 0; i < arr.size(); ++i) {
        try {
            out.push_back(scpi::from_json<T>(arr[i], "$[" + std::to_string(i) + "]"));
        } catch (const scpi::ParseError& e) {
            throw std::runtime_error(file.string() + ": " + e.what());
        }
    }
    return out;
}

}  // namespace

Cpo::Cpo(boost::asio::io_context& ioc, const config::PartyConfig& config, PartyStore& store, core::Logger log,
         const core::Clock& clock)
    : PartyServer(ioc, "CPO", config, store, std::move(log), clock),
      client_(ioc.get_executor()),
      delivery_(ioc, store, client_, log_, clock, [this] { return peer_; }),
      locations_(store::Catalog::from_items({})),
      tariffs_catalog_(store::Catalog::from_items({})),
      reservations_timer_(ioc) {
    if (config_.roles.empty()) {
        throw std::runtime_error("the cpo section has no roles");
    }
    load_data();
}

Cpo::~Cpo() = default;

void Cpo::load_data() {
    const auto& role = config_.roles.front();
    const auto& dir = config_.data_dir;
    if (store::Catalog::has_dataset(dir, "locations")) {
        // A generated data set is served as written (its index is checked when opened).
        locations_ = store::Catalog::open_dataset(dir, "locations");
        if (config_.warm_data) {
            warmer_ = std::make_unique<store::CacheWarmer>(locations_.data_files(),
                                                           [log = log()](const std::string& line) { log.info(line); });
        }
    } else {
        std::vector<store::CatalogItem> items;
        for (auto& loc : read_objects<scpi::Location>(dir / "locations.json", true)) {
            loc.country_code = role.country_code;
            loc.party_id = role.party_id;
            items.push_back({loc.id, loc.last_updated, scpi::to_text(loc)});
        }
        locations_ = store::Catalog::from_items(std::move(items));
    }
    std::vector<store::CatalogItem> tariff_items;
    for (auto& t : read_objects<scpi::Tariff>(dir / "tariffs.json", true)) {
        t.country_code = role.country_code;
        t.party_id = role.party_id;
        tariff_items.push_back({t.id, t.last_updated, scpi::to_text(t)});
        tariffs_[t.id] = std::move(t);
    }
    tariffs_catalog_ = store::Catalog::from_items(std::move(tariff_items));
    if (!store_.setting("seeded")) {
        for (auto& s : read_objects<scpi::Session>(dir / "sessions.json", false)) {
            s.country_code = role.country_code;
            s.party_id = role.party_id;
            store_.put_session({s.country_code, s.party_id, s.id}, scpi::to_text(s), s.last_updated);
        }
        for (auto& c : read_objects<scpi::Cdr>(dir / "cdrs.json", false)) {
            c.country_code = role.country_code;
            c.party_id = role.party_id;
            (void)store_.add_cdr({c.country_code, c.party_id, c.id}, scpi::to_text(c), c.last_updated);
        }
        store_.set_setting("seeded", "1");
    }
}

std::optional<scpi::Location> Cpo::location(std::string_view id) const {
    const auto text = locations_.find(id);
    if (!text) {
        return std::nullopt;
    }
    return scpi::from_json<scpi::Location>(scpi::parse_json(*text));
}

void Cpo::save_location(scpi::Location loc) {
    const auto when = loc.last_updated;
    std::string id = loc.id;
    locations_.upsert({std::move(id), when, scpi::to_text(loc)});
}

void Cpo::set_evse_status(const std::string& location_id, const std::string& evse_uid, scpi::Status status) {
    auto loc = location(location_id);
    if (!loc) {
        return;
    }
    auto* evse = loc->find_evse(evse_uid);
    if (evse == nullptr || evse->status == status) {
        return;
    }
    const auto now = clock_.now();
    evse->status = status;
    evse->last_updated = now;
    loc->last_updated = now;
    save_location(std::move(*loc));
}

std::vector<ServedEndpoint> Cpo::endpoints() const {
    return {{"locations", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/locations"},
            {"tariffs", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/tariffs"},
            {"sessions", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/sessions"},
            {"cdrs", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/cdrs"},
            {"commands", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/commands"}};
}

void Cpo::add_routes(http::Router& router) {
    router.add(http::Method::get, "/scpi/sender/2.2/locations", module_route([this](http::Request& req) {
                   return paged_response(
                       req, public_url() + "/scpi/sender/2.2/locations", kMaxLimit, clock_,
                       [this](const store::TimeWindow& w) { return locations_.count(w); }, catalog_pages(locations_),
                       catalog_files(locations_));
               }));
    router.add(
        http::Method::get, "/scpi/sender/2.2/locations/{location_id}", module_route([this](http::Request& req) {
            auto text = locations_.find_shared(req.param("location_id"));
            if (!text) {
                throw scpi::Error::unknown_location("Location " + std::string(req.param("location_id")) + " not found");
            }
            return service::ok_shared(std::move(text), clock_);
        }));
    const auto evse_or_connector = [this](http::Request& req) {
        const auto loc = location(req.param("location_id"));
        if (!loc) {
            throw scpi::Error::unknown_location("Location " + std::string(req.param("location_id")) + " not found");
        }
        const auto* evse = loc->find_evse(req.param("evse_uid"));
        if (evse == nullptr) {
            throw scpi::Error{2003, 404, "EVSE " + std::string(req.param("evse_uid")) + " not found at " + loc->id};
        }
        const auto connector_id = req.param("connector_id");
        if (connector_id.empty()) {
            return service::ok_raw(scpi::to_text(*evse), clock_);
        }
        for (const auto& c : evse->connectors) {
            if (c.id == connector_id) {
                return service::ok_raw(scpi::to_text(c), clock_);
            }
        }
        throw scpi::Error{2003, 404, "Connector " + std::string(connector_id) + " not found at " + evse->uid};
    };
    router.add(http::Method::get, "/scpi/sender/2.2/locations/{location_id}/{evse_uid}",
               module_route(evse_or_connector));
    router.add(http::Method::get, "/scpi/sender/2.2/locations/{location_id}/{evse_uid}/{connector_id}",
               module_route(evse_or_connector));
    router.add(http::Method::get, "/scpi/sender/2.2/tariffs", module_route([this](http::Request& req) {
                   return paged_response(
                       req, public_url() + "/scpi/sender/2.2/tariffs", kMaxLimit, clock_,
                       [this](const store::TimeWindow& w) { return tariffs_catalog_.count(w); },
                       catalog_pages(tariffs_catalog_));
               }));
    router.add(http::Method::get, "/scpi/sender/2.2/sessions", module_route([this](http::Request& req) {
                   return paged_response(
                       req, public_url() + "/scpi/sender/2.2/sessions", kMaxLimit, clock_,
                       [this](const store::TimeWindow& w) { return store_.count_sessions(w); },
                       emitted_pages([this](const store::TimeWindow& w, std::size_t o, std::size_t l,
                                            const auto& emit) { store_.page_sessions(w, o, l, emit); }));
               }));
    router.add(http::Method::get, "/scpi/sender/2.2/cdrs", module_route([this](http::Request& req) {
                   return paged_response(
                       req, public_url() + "/scpi/sender/2.2/cdrs", kMaxLimit, clock_,
                       [this](const store::TimeWindow& w) { return store_.count_cdrs(w); },
                       emitted_pages([this](const store::TimeWindow& w, std::size_t o, std::size_t l,
                                            const auto& emit) { store_.page_cdrs(w, o, l, emit); }));
               }));
    router.add(http::Method::post, "/scpi/receiver/2.2/commands/{command}",
               [this](http::Request& req) -> Awaitable { co_return co_await command(req); });
}

void Cpo::set_peer(std::optional<Peer> peer) {
    peer_ = std::move(peer);
    delivery_.reset_endpoints();
}

std::uint16_t Cpo::start_all() {
    const auto port = start();
    delivery_.start();
    resume_charging();
    expire_reservations();
    return port;
}

}  // namespace scn::party
