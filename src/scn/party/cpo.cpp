#include <scn/core/datetime.hpp>
#include <scn/core/text.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/paging.hpp>
#include <scn/scpi/cdrs.hpp>
#include <scn/scpi/tariffs.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace scn::party {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

/// A strict CPO requires date_from on the sessions list (OCPI 2.2 §9.2.1.1); the page parameters themselves,
/// offsets in DateTimes included, are checked by paged_response.
void require_date_from(const http::Request& req) {
    if (!req.query_param("date_from")) {
        throw scpi::Error::invalid("query parameter date_from is required on this list");
    }
}

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
      delivery_(
          ioc, store, client_, log_, clock, [this] { return peer_; }, config.push),
      tokens_(store.database()),
      locations_(store::Catalog::from_items({})),
      tariffs_catalog_(store::Catalog::from_items({})),
      reservations_timer_(ioc),
      ticker_(ioc),
      starter_(ioc),
      later_timer_(ioc) {
    if (config_.roles.empty()) {
        throw std::runtime_error("the cpo section has no roles");
    }
    delivery_.set_signer([this] { return request_signer(); });
    delivery_.set_dialect(dialect());
    delivery_.set_live_renderer([this](const std::string& key) { return render_live(key); });
    load_data();
}

Cpo::~Cpo() = default;

void Cpo::load_data() {
    parsed_locations_.clear();
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
    const std::size_t sessions = store_.count_sessions({});
    store_.page_sessions({}, 0, sessions, [this](std::string_view text) {
        try {
            note_session_owner(scpi::from_json<scpi::Session>(scpi::parse_json(text)).cdr_token);
        } catch (const scpi::ParseError&) {
            // only valid sessions are stored
        }
    });
    ++data_generation_;
    if (config_.warm_data && locations_.size() <= kParsedLocations) {
        parse_locations(0, data_generation_, std::chrono::steady_clock::now());
    }
}

void Cpo::parse_locations(std::size_t offset, std::uint64_t generation, std::chrono::steady_clock::time_point began) {
    boost::asio::post(ioc_, [this, alive = std::weak_ptr<int>(alive_), offset, generation, began] {
        if (alive.expired() || generation != data_generation_) {
            return;  // gone, or the data was loaded again (a reset): that load parses its own
        }
        constexpr std::size_t kBatch = 32;
        const auto total = locations_.size();
        const auto slice = std::chrono::steady_clock::now();
        std::size_t at = offset;
        while (at < total && std::chrono::steady_clock::now() - slice < kTickSlice) {
            // A location already parsed (changed since, or asked for) stays as it is: the text read now is no newer.
            locations_.page({}, at, kBatch, [this](std::string_view text) {
                try {
                    auto loc =
                        std::make_shared<const scpi::Location>(scpi::from_json<scpi::Location>(scpi::parse_json(text)));
                    if (parsed_locations_.size() < kParsedLocations) {
                        std::string id = loc->id;
                        parsed_locations_.try_emplace(std::move(id), std::move(loc));
                    }
                } catch (const std::exception&) {
                    // reported when a request asks for it
                }
            });
            at += kBatch;
        }
        if (at < total) {
            parse_locations(at, generation, began);
            return;
        }
        const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.1f", took);
        log_.info("Locations held in memory: " + std::to_string(parsed_locations_.size()) + " of " +
                  std::to_string(total) + " parsed (" + secs + " s)");
    });
}

std::shared_ptr<const scpi::Location> Cpo::location(std::string_view id) const {
    if (const auto it = parsed_locations_.find(std::string(id)); it != parsed_locations_.end()) {
        return it->second;
    }
    const auto text = locations_.find_shared(id);
    if (!text) {
        return nullptr;
    }
    auto loc = std::make_shared<const scpi::Location>(scpi::from_json<scpi::Location>(scpi::parse_json(*text)));
    if (parsed_locations_.size() >= kParsedLocations) {
        parsed_locations_.clear();
    }
    parsed_locations_.emplace(loc->id, loc);
    return loc;
}

void Cpo::set_evse_status(const std::string& location_id, const std::string& evse_uid, scpi::Status status) {
    const auto current = location(location_id);
    const auto* was = current ? current->find_evse(evse_uid) : nullptr;
    if (was == nullptr || was->status == status) {
        return;
    }
    // Changed in a copy: the shared one stays as it is for whoever holds it (a placed START).
    auto loc = std::make_shared<scpi::Location>(*current);
    auto* evse = loc->find_evse(evse_uid);
    const auto now = clock_.now();
    evse->status = status;
    evse->last_updated = now;
    loc->last_updated = now;
    const std::string text = scpi::to_text(*loc);
    locations_.upsert({loc->id, now, text});
    parsed_locations_[loc->id] = loc;
    // OCPI 2.2 §8.2.2: the change is PATCHed to each receiver, only what changed and last_updated, at the EVSE's URL.
    // A receiver that only pulled locations so far does not know this one, and a PATCH of an unknown object fails
    // (the client is then to PUT it, §4.1.9): the first time a location changes for a receiver it is PUT whole, the
    // change included (a PATCH behind it would repeat what the PUT says). One key per receiver and location keeps
    // the PUT ahead of the PATCHes.
    const auto& me = config_.roles.front();
    const std::string location_target = "locations/" + me.country_code + "/" + me.party_id + "/" + location_id;
    std::optional<std::string> patch;
    for (const auto& to : status_recipients()) {
        const std::string key = "location:" + to.to_country_code + "/" + to.to_party_id + ":" + location_id;
        // Forgotten at a reset (PartyStore::reset_objects): the receiver is sent the location whole again.
        const std::string pushed = "location_pushed:" + to.to_country_code + "/" + to.to_party_id + "/" + location_id;
        if (!store_.setting(pushed)) {
            delivery_.send(key, "PUT", location_target, text, to);
            store_.set_setting(pushed, "1");
            continue;
        }
        if (!patch) {
            patch = scpi::dump(
                json::object{{"status", scpi::to_string(status)}, {"last_updated", core::format_datetime(now)}});
        }
        delivery_.send(key, "PATCH", location_target + "/" + evse_uid, *patch, to);
    }
    log_.info("EVSE " + location_id + "/" + evse_uid + " " + std::string(scpi::to_string(status)));
}

std::vector<scpi::RoutingHeaders> Cpo::status_recipients() {
    std::set<std::pair<std::string, std::string>> parties;
    // Through a node: the eMSPs it reports as connected (HubClientInfo).
    for (const auto& info : connected_parties(scpi::Role::EMSP)) {
        parties.emplace(core::ascii_upper(info.country_code), core::ascii_upper(info.party_id));
    }
    if (parties.empty()) {
        // Bilaterally (or before the node said anything): the eMSPs known from their tokens and sessions here.
        const auto owners = tokens_.owners();
        parties.insert(owners.begin(), owners.end());
        parties.insert(session_owners_.begin(), session_owners_.end());
    }
    std::vector<scpi::RoutingHeaders> out;
    for (const auto& [cc, pid] : parties) {
        out.push_back(to_party(cc, pid));
    }
    return out;
}

scpi::RoutingHeaders Cpo::to_party(const std::string& country_code, const std::string& party_id) const {
    const auto& me = config_.roles.front();
    return {me.country_code, me.party_id, country_code, party_id};
}

void Cpo::note_session_owner(const scpi::CdrToken& token) {
    if (token.country_code && token.party_id) {
        session_owners_.emplace(core::ascii_upper(*token.country_code), core::ascii_upper(*token.party_id));
    }
}

std::vector<ServedEndpoint> Cpo::endpoints() const {
    return {{"locations", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/locations"},
            {"tariffs", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/tariffs"},
            {"sessions", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/sessions"},
            {"cdrs", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/cdrs"},
            {"commands", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/commands"},
            {"chargingprofiles", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/chargingprofiles"},
            {"hubclientinfo", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/hubclientinfo"},
            {"tokens", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/tokens"}};
}

http::Response Cpo::owned_list(const http::Request& req, std::string_view path, const ListCount& count,
                               const ListPage& page) {
    const auto from_cc = req.header(scpi::header::kFromCountryCode);
    const auto from_pid = req.header(scpi::header::kFromPartyId);
    if (!from_cc || !from_pid) {
        // A bilateral caller without routing headers is the only eMSP there is: it sees everything.
        return paged_response(req, public_url() + std::string(path), kMaxLimit, clock_, count, emitted_pages(page));
    }
    // Sessions and CDRs are the business of the eMSP whose token they carry (OCPI 2.2 §4.1.6: not broadcast):
    // the caller sees its own only. The window is read once and shared by the count and the page.
    struct Owned {
        std::optional<store::TimeWindow> window;
        std::vector<std::string> objects;
    };
    const auto owned = std::make_shared<Owned>();
    const auto load = [owned, count, page, cc = std::string(*from_cc),
                       pid = std::string(*from_pid)](const store::TimeWindow& w) -> const std::vector<std::string>& {
        if (!owned->window || owned->window->from != w.from || owned->window->to != w.to) {
            owned->window = w;
            owned->objects.clear();
            page(w, 0, count(w), [&](std::string_view text) {
                const auto doc = scpi::parse_json(text);
                const auto* token = doc.as_object().if_contains("cdr_token");
                const auto* c = token && token->is_object() ? token->as_object().if_contains("country_code") : nullptr;
                const auto* p = token && token->is_object() ? token->as_object().if_contains("party_id") : nullptr;
                if (c && p && c->is_string() && p->is_string() && http::iequals(c->as_string(), cc) &&
                    http::iequals(p->as_string(), pid)) {
                    owned->objects.emplace_back(text);
                }
            });
        }
        return owned->objects;
    };
    return paged_response(
        req, public_url() + std::string(path), kMaxLimit, clock_,
        [load](const store::TimeWindow& w) { return load(w).size(); },
        emitted_pages([load](const store::TimeWindow& w, std::size_t o, std::size_t l, const auto& emit) {
            const auto& all = load(w);
            for (std::size_t i = o; i < all.size() && i < o + l; ++i) {
                emit(all[i]);
            }
        }));
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
                   // date_from is required on this list only (OCPI 2.2 §9.2.1.1), when the party is strict: the
                   // original walkthrough lists sessions without it.
                   if (config_.strict) {
                       require_date_from(req);
                   }
                   flush_sessions();  // the charging sessions as of their last tick
                   return owned_list(
                       req, "/scpi/sender/2.2/sessions",
                       [this](const store::TimeWindow& w) { return store_.count_sessions(w); },
                       [this](const store::TimeWindow& w, std::size_t o, std::size_t l, const auto& emit) {
                           store_.page_sessions(w, o, l, emit);
                       });
               }));
    router.add(http::Method::get, "/scpi/sender/2.2/cdrs", module_route([this](http::Request& req) {
                   return owned_list(
                       req, "/scpi/sender/2.2/cdrs",
                       [this](const store::TimeWindow& w) { return store_.count_cdrs(w); },
                       [this](const store::TimeWindow& w, std::size_t o, std::size_t l, const auto& emit) {
                           store_.page_cdrs(w, o, l, emit);
                       });
               }));
    router.add(http::Method::post, "/scpi/receiver/2.2/commands/{command}",
               module_route([this](http::Request& req) { return command(req); }));
    add_token_routes(router);
    add_charging_profile_routes(router);
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
