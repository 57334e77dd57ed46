// The mock MSP's Locations and Tariffs receivers (OCPI 2.2 §8.2.2 and §11.2.2): CPOs push their locations, EVSEs,
// connectors and tariffs; the MSP validates them, keeps them per CPO and serves them back.
#include <scn/party/msp.hpp>
#include <scn/scpi/locations.hpp>
#include <scn/scpi/tariffs.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

namespace scn::party {
namespace json = boost::json;

namespace {

constexpr std::string_view kLocations = "/scpi/receiver/2.2/locations/{country_code}/{party_id}/{location_id}";
constexpr std::string_view kTariffs = "/scpi/receiver/2.2/tariffs/{country_code}/{party_id}/{tariff_id}";

/// OCPI 2.2 §4.1.9 (transport, PATCH): the members given replace the stored ones (a list replaces the list), and
/// every PATCH carries `last_updated`.
void merge_patch(json::object& stored, const json::value& patch) {
    if (!patch.is_object()) {
        throw scpi::ParseError("$", "a PATCH body must be a JSON object");
    }
    const auto& p = patch.get_object();
    if (!p.contains("last_updated")) {
        throw scpi::ParseError("$.last_updated", "missing required member (every PATCH must carry last_updated)");
    }
    for (const auto& member : p) {
        stored[member.key()] = member.value();
    }
}

json::object body_object(const http::Request& req) {
    auto body = scpi::parse_json(req.body);
    if (!body.is_object()) {
        throw scpi::ParseError("$", "expected an object");
    }
    return std::move(body.as_object());
}

/// The element of `list` (an array of objects) whose `member` equals `id` (case-insensitively, as CiStrings compare).
json::object* find_in(json::value& list, std::string_view member, std::string_view id) {
    if (!list.is_array()) {
        return nullptr;
    }
    for (auto& v : list.as_array()) {
        if (!v.is_object()) {
            continue;
        }
        const auto* m = v.as_object().if_contains(member);
        if (m != nullptr && m->is_string() && iequals(m->as_string(), id)) {
            return &v.as_object();
        }
    }
    return nullptr;
}

json::value& list_member(json::object& o, std::string_view key) {
    auto& v = o[key];
    if (!v.is_array()) {
        v = json::array();
    }
    return v;
}

std::string owner_path(const ObjectKey& key) {
    return key.country_code + "/" + key.party_id + "/" + key.id;
}

scpi::Error unknown(const std::string& what) {
    return {2003, 404, what + " is not known here; PUT it (or its Location) first"};
}

}  // namespace

http::Response Msp::put_location(http::Request& req, bool patch) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("location_id"))};
    const auto evse_uid = req.param("evse_uid");
    const auto connector_id = req.param("connector_id");
    auto body = body_object(req);
    const auto stored = received_.location(key);
    json::object location;
    bool created = false;
    std::string what;  // for the log line
    // What is checked once: the whole Location when it is replaced or patched, else the changed EVSE (the rest was
    // checked when it was stored). A connector's change checks the whole Location below.
    std::optional<scpi::Location> checked;
    std::optional<core::TimePoint> evse_updated;
    if (evse_uid.empty()) {
        if (patch) {
            if (!stored) {
                throw unknown("Location " + owner_path(key));
            }
            location = scpi::parse_json(*stored).as_object();
            merge_patch(location, body);
        } else {
            location = std::move(body);
            created = !stored;
        }
        const auto& loc = checked.emplace(scpi::from_json<scpi::Location>(location));
        if (!iequals(loc.id, key.id) || !iequals(loc.country_code, key.country_code) ||
            !iequals(loc.party_id, key.party_id)) {
            throw scpi::Error::invalid("the location in the body (" + loc.country_code + "/" + loc.party_id + "/" +
                                       loc.id + ") does not match the URL (" + owner_path(key) + ")");
        }
        what = "Location " + owner_path(key) + " (" + std::to_string(loc.evses.size()) + " EVSEs)";
    } else {
        if (!stored) {
            throw unknown("Location " + owner_path(key));
        }
        location = scpi::parse_json(*stored).as_object();
        auto& evses = list_member(location, "evses");
        json::object* evse = find_in(evses, "uid", evse_uid);
        const std::string evse_path = owner_path(key) + "/" + std::string(evse_uid);
        if (connector_id.empty()) {
            json::object updated;
            if (patch) {
                if (evse == nullptr) {
                    throw unknown("EVSE " + evse_path);
                }
                updated = *evse;
                merge_patch(updated, body);
            } else {
                updated = std::move(body);
                created = evse == nullptr;
            }
            const auto e = scpi::from_json<scpi::Evse>(updated);
            scpi::check_evse(e);
            if (!iequals(e.uid, evse_uid)) {
                throw scpi::Error::invalid("the EVSE in the body (" + e.uid + ") does not match the URL (" +
                                           std::string(evse_uid) + ")");
            }
            what = "EVSE " + evse_path + " " + std::string(scpi::to_string(e.status));
            evse_updated = e.last_updated;
            if (evse != nullptr) {
                *evse = std::move(updated);
            } else {
                evses.as_array().push_back(std::move(updated));
            }
            // OCPI 2.2 §8.1 (last_updated cascade): the Location takes the EVSE's last_updated.
            location["last_updated"] = find_in(evses, "uid", evse_uid)->at("last_updated");
        } else {
            if (evse == nullptr) {
                throw unknown("EVSE " + evse_path);
            }
            auto& connectors = list_member(*evse, "connectors");
            json::object* connector = find_in(connectors, "id", connector_id);
            const std::string connector_path = evse_path + "/" + std::string(connector_id);
            json::object updated;
            if (patch) {
                if (connector == nullptr) {
                    throw unknown("Connector " + connector_path);
                }
                updated = *connector;
                merge_patch(updated, body);
            } else {
                updated = std::move(body);
                created = connector == nullptr;
            }
            const auto c = scpi::from_json<scpi::Connector>(updated);
            if (!iequals(c.id, connector_id)) {
                throw scpi::Error::invalid("the connector in the body (" + c.id + ") does not match the URL (" +
                                           std::string(connector_id) + ")");
            }
            what = "Connector " + connector_path;
            const auto last_updated = updated.at("last_updated");
            if (connector != nullptr) {
                *connector = std::move(updated);
            } else {
                connectors.as_array().push_back(std::move(updated));
            }
            // OCPI 2.2 §8.1: the EVSE and the Location take the connector's last_updated.
            (*evse)["last_updated"] = last_updated;
            location["last_updated"] = last_updated;
        }
    }
    // The whole Location must be valid (and its coordinates well-formed) before anything is stored.
    core::TimePoint last_updated;
    if (evse_updated) {
        last_updated = *evse_updated;
    } else {
        if (!checked) {
            checked.emplace(scpi::from_json<scpi::Location>(location));
        }
        scpi::check_location(*checked);
        last_updated = checked->last_updated;
    }
    received_.put_location(key, scpi::dump(location), last_updated);
    log_.info(what + (patch ? " patched" : created ? " created" : " replaced"));
    return service::ok(json::value(), clock_, created ? 201 : 200);
}

http::Response Msp::get_location(http::Request& req) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("location_id"))};
    const auto stored = received_.location(key);
    if (!stored) {
        throw unknown("Location " + owner_path(key));
    }
    const auto evse_uid = req.param("evse_uid");
    if (evse_uid.empty()) {
        return service::ok_raw(*stored, clock_);
    }
    auto location = scpi::parse_json(*stored).as_object();
    auto* evse = find_in(list_member(location, "evses"), "uid", evse_uid);
    if (evse == nullptr) {
        throw unknown("EVSE " + owner_path(key) + "/" + std::string(evse_uid));
    }
    const auto connector_id = req.param("connector_id");
    if (connector_id.empty()) {
        return service::ok(*evse, clock_);
    }
    auto* connector = find_in(list_member(*evse, "connectors"), "id", connector_id);
    if (connector == nullptr) {
        throw unknown("Connector " + owner_path(key) + "/" + std::string(evse_uid) + "/" + std::string(connector_id));
    }
    return service::ok(*connector, clock_);
}

http::Response Msp::put_tariff(http::Request& req) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("tariff_id"))};
    const auto body = body_object(req);
    const auto tariff = scpi::from_json<scpi::Tariff>(body);
    scpi::check_tariff(tariff);
    if (!iequals(tariff.id, key.id) || !iequals(tariff.country_code, key.country_code) ||
        !iequals(tariff.party_id, key.party_id)) {
        throw scpi::Error::invalid("the tariff in the body (" + tariff.country_code + "/" + tariff.party_id + "/" +
                                   tariff.id + ") does not match the URL (" + owner_path(key) + ")");
    }
    const bool created = received_.put_tariff(key, scpi::dump(body), tariff.last_updated);
    log_.info("Tariff " + owner_path(key) + " (" + tariff.currency + ", " + std::to_string(tariff.elements.size()) +
              " elements) " + (created ? "created" : "replaced"));
    return service::ok(json::value(), clock_, created ? 201 : 200);
}

http::Response Msp::get_tariff(http::Request& req) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("tariff_id"))};
    const auto stored = received_.tariff(key);
    if (!stored) {
        throw scpi::Error::not_found("Tariff " + owner_path(key) + " is not known here");
    }
    return service::ok_raw(*stored, clock_);
}

http::Response Msp::delete_tariff(http::Request& req) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("tariff_id"))};
    if (!received_.delete_tariff(key)) {
        throw scpi::Error::not_found("Tariff " + owner_path(key) + " is not known here");
    }
    log_.info("Tariff " + owner_path(key) + " deleted");
    return service::ok(json::value(), clock_);
}

// Only the methods OCPI 2.2 offers are routed: POST and DELETE on locations, POST and PATCH on tariffs answer
// 405 / 2000 from the server's hooks.
void Msp::add_receiver_routes(http::Router& router) {
    const std::string location(kLocations);
    for (const auto& path : {location, location + "/{evse_uid}", location + "/{evse_uid}/{connector_id}"}) {
        router.add(http::Method::put, path,
                   module_route([this](http::Request& req) { return put_location(req, false); }));
        router.add(http::Method::patch, path,
                   module_route([this](http::Request& req) { return put_location(req, true); }));
        router.add(http::Method::get, path, module_route([this](http::Request& req) { return get_location(req); }));
    }
    router.add(http::Method::put, kTariffs, module_route([this](http::Request& req) { return put_tariff(req); }));
    router.add(http::Method::get, kTariffs, module_route([this](http::Request& req) { return get_tariff(req); }));
    router.add(http::Method::del, kTariffs, module_route([this](http::Request& req) { return delete_tariff(req); }));
}

}  // namespace scn::party
