#include <scn/core/datetime.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/paging.hpp>
#include <scn/pricing/decimal.hpp>
#include <scn/scpi/chargingprofiles.hpp>
#include <scn/scpi/commands.hpp>
#include <scn/scpi/hubclientinfo.hpp>
#include <scn/scpi/sessions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace scn::party {
namespace json = boost::json;

Msp::Msp(boost::asio::io_context& ioc, const config::PartyConfig& config, PartyStore& store, core::Logger log,
         const core::Clock& clock)
    : PartyServer(ioc, "MSP", config, store, std::move(log), clock),
      client_(ioc.get_executor()),
      delivery_(
          ioc, store, client_, log_, clock, [this] { return peer_; }, config.push),
      tokens_(store::Catalog::from_items({})) {
    if (config_.roles.empty()) {
        throw std::runtime_error("the msp section has no roles");
    }
    delivery_.set_signer([this] { return request_signer(); });
    delivery_.set_dialect(dialect());
    const auto file = config_.data_dir / "tokens.json";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error(file.string() + ": cannot read (does the data directory exist?)");
    }
    std::stringstream text;
    text << in.rdbuf();
    std::vector<store::CatalogItem> items;
    try {
        const auto doc = scpi::parse_json(text.str());
        if (!doc.is_array()) {
            throw scpi::ParseError("$", "expected a JSON array");
        }
        for (std::size_t i = 0; i < doc.get_array().size(); ++i) {
            const std::string path = "$[" + std::to_string(i) + "]";
            const auto& element = doc.get_array()[i];
            Driver d{scpi::from_json<scpi::Token>(element, path), std::nullopt, {}};
            d.token.country_code = config_.roles.front().country_code;
            d.token.party_id = config_.roles.front().party_id;
            const auto& obj = element.get_object();
            if (const auto* forced = obj.if_contains("mock_authorization")) {
                scpi::AllowedType a{};
                scpi::detail::read_value(*forced, a, path + ".mock_authorization", {});
                d.forced = a;
            }
            if (const auto* allowed = obj.if_contains("mock_allowed_locations")) {
                scpi::detail::read_value(*allowed, d.allowed_locations, path + ".mock_allowed_locations", {});
            }
            items.push_back({d.token.uid, d.token.last_updated, scpi::to_text(d.token)});
            drivers_.push_back(std::move(d));
        }
    } catch (const scpi::ParseError& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
    tokens_ = store::Catalog::from_items(std::move(items));
}

Msp::~Msp() = default;

std::uint16_t Msp::start_all() {
    const auto port = start();
    delivery_.start();
    for (const auto& cpo : connected_parties(scpi::Role::CPO)) {
        push_tokens(cpo);
    }
    return port;
}

void Msp::stop_all() {
    delivery_.stop();
    stop();
}

json::object Msp::control_state() {
    json::array latest;
    const auto total = store_.count_sessions({});
    store_.page_sessions({}, total > 20 ? total - 20 : 0, 20, [&](std::string_view text) {
        const auto s = scpi::from_json<scpi::Session>(scpi::parse_json(text));
        latest.push_back({{"id", s.id},
                          {"country_code", s.country_code},
                          {"party_id", s.party_id},
                          {"status", scpi::to_string(s.status)},
                          {"kwh", s.kwh},
                          {"last_updated", core::format_datetime(s.last_updated)}});
    });
    json::object o;
    o["sessions"] = std::move(latest);
    o["stored_sessions"] = total;
    o["stored_cdrs"] = store_.count_cdrs({});
    o["command_results"] = store_.command_results().size();
    o["drivers"] = drivers_.size();
    o["outbox"] = {{"queued", store_.outbox().pending()}, {"dead_letters", store_.outbox().dead_count()}};
    return o;
}

void Msp::reset() {
    store_.reset_objects();
    log_.info("Reset: received sessions, CDRs and command results forgotten");
}

void Msp::set_peer(std::optional<Peer> peer) {
    peer_ = std::move(peer);
    delivery_.reset_endpoints();
    if (peer_) {
        boost::asio::co_spawn(ioc_, sync_client_infos(*peer_), boost::asio::detached);
    }
}

boost::asio::awaitable<void> Msp::sync_client_infos(Peer peer) {
    const auto alive = alive_;
    try {
        const auto url = co_await delivery_.endpoint(peer, "hubclientinfo", scpi::InterfaceRole::SENDER);
        if (!*alive || !url) {
            co_return;  // a bilateral peer has no HubClientInfo: nothing to learn
        }
        const auto n = co_await read_client_infos(client_, *url, peer.token);
        if (*alive) {
            log_.info("Client info: " + std::to_string(n) + " parties listed by the node");
        }
    } catch (const std::exception& e) {
        if (*alive) {
            log_.warn(std::string("could not read the node's client infos: ") + e.what());
        }
    }
}

void Msp::on_client_info(const scpi::ClientInfo& info, const std::optional<scpi::ClientInfo>& before) {
    const bool was_connected = before && before->status == scpi::ConnectionStatus::CONNECTED;
    if (info.role == scpi::Role::CPO && info.status == scpi::ConnectionStatus::CONNECTED && !was_connected) {
        push_tokens(info);
    }
}

void Msp::push_tokens(const scpi::ClientInfo& cpo) {
    const auto& self = config_.roles.front();
    const scpi::RoutingHeaders routing{self.country_code, self.party_id, cpo.country_code, cpo.party_id};
    // OCPI 2.2 §12.2.2: PUT {tokens_url}/{country_code}/{party_id}/{token_uid}?type=, the owner being this eMSP.
    for (const auto& d : drivers_) {
        const std::string target = "tokens/" + http::percent_encode(d.token.country_code) + "/" +
                                   http::percent_encode(d.token.party_id) + "/" + http::percent_encode(d.token.uid) +
                                   "?type=" + std::string(scpi::to_string(d.token.type));
        delivery_.send("token/" + cpo.country_code + "/" + cpo.party_id + "/" + d.token.uid, "PUT", target,
                       scpi::to_text(d.token), routing);
    }
    log_.info("Tokens: " + std::to_string(drivers_.size()) + " queued for " + cpo.country_code + "/" + cpo.party_id);
}

void Msp::check_owner(const http::Request& req) {
    const auto from_cc = req.header(scpi::header::kFromCountryCode);
    const auto from_pid = req.header(scpi::header::kFromPartyId);
    if (!from_cc || !from_pid) {
        return;  // a direct link without routing headers (OCPI 2.2 §4.1.1): nothing to compare
    }
    const auto cc = req.param("country_code");
    const auto pid = req.param("party_id");
    if (!iequals(cc, *from_cc) || !iequals(pid, *from_pid)) {
        throw scpi::Error::invalid("the owner in the URL (" + std::string(cc) + "/" + std::string(pid) +
                                   ") is not the sender of the request (SCPI-From " + std::string(*from_cc) + "/" +
                                   std::string(*from_pid) + ")");
    }
}

std::vector<ServedEndpoint> Msp::endpoints() const {
    return {{"commands", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/commands"},
            {"locations", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/locations"},
            {"tariffs", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/tariffs"},
            {"sessions", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/sessions"},
            {"cdrs", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/cdrs"},
            {"chargingprofiles", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/chargingprofiles"},
            {"tokens", scpi::InterfaceRole::SENDER, "/scpi/sender/2.2/tokens"},
            {"hubclientinfo", scpi::InterfaceRole::RECEIVER, "/scpi/receiver/2.2/hubclientinfo"}};
}

http::Response Msp::put_session(http::Request& req, bool patch) {
    check_owner(req);
    const ObjectKey key{std::string(req.param("country_code")), std::string(req.param("party_id")),
                        std::string(req.param("session_id"))};
    const auto body = scpi::parse_json(req.body);
    json::object stored;
    std::optional<scpi::Session> read;
    if (patch) {
        const auto existing = store_.session(key);
        if (!existing) {
            throw scpi::Error::not_found("Session " + key.id + " of " + key.country_code + "/" + key.party_id +
                                         " is not known here; PUT it first");
        }
        stored = scpi::parse_json(*existing).as_object();
        scpi::apply_session_patch(stored, body);
    } else {
        read = scpi::from_json<scpi::Session>(body);  // the body as sent must be a Session
    }
    const auto session = read ? std::move(*read) : scpi::from_json<scpi::Session>(stored);
    check_cdr_token(session.cdr_token, "Session " + session.id);
    if (session.id != key.id || session.country_code != key.country_code || session.party_id != key.party_id) {
        throw scpi::Error::invalid("the session in the body (" + session.country_code + "/" + session.party_id + "/" +
                                   session.id + ") does not match the URL");
    }
    store::Transaction tx(store_.database());
    const bool created = !store_.has_session(key);
    // A PUT is kept as it came (a whole, valid Session); a PATCH as the session it made.
    store_.put_session(key, patch ? scpi::dump(stored) : req.body, session.last_updated);
    tx.commit();
    log_session_push(session);
    return service::ok(json::value(), clock_, created && !patch ? 201 : 200);
}

void Msp::log_session_push(const scpi::Session& session) {
    const auto now = clock_.now();
    auto& w = pushes_;
    if (w.pushes > 0 && now - w.since >= kPushWindow) {
        // A window followed by a pause says nothing about the next one, and ended with its last push.
        const bool paused = now - w.since >= 2 * kPushWindow;
        if (w.busy) {
            const auto span = std::chrono::duration<double>((paused ? w.last : now) - w.since).count();
            std::array<char, 32> seconds{};
            std::snprintf(seconds.data(), seconds.size(), "%.1f", span);
            log_.info("Sessions received: " + std::to_string(w.pushes) + " pushes of " +
                      std::to_string(w.sessions.size()) + " sessions in " + seconds.data() + " s");
        }
        w.sessions_before = paused ? 0 : w.sessions.size();
        w.sessions.clear();
        w.pushes = 0;
    }
    if (w.pushes == 0) {
        w.since = now;
    }
    ++w.pushes;
    w.last = now;
    w.sessions.insert(session.country_code + "/" + session.party_id + "/" + session.id);
    const bool busy = std::max(w.sessions_before, w.sessions.size()) > kQuietSessions;
    if (busy != w.busy) {
        w.busy = busy;
        log_.info(busy ? "More than " + std::to_string(kQuietSessions) + " sessions pushed within " +
                             std::to_string(kPushWindow.count()) + " s: each push is logged at debug, with a summary " +
                             "every " + std::to_string(kPushWindow.count()) + " s"
                       : std::string("Few sessions pushed again: each push is logged"));
    }
    const auto level = busy ? core::LogLevel::debug : core::LogLevel::info;
    if (log_.enabled(level)) {
        log_.log(level, "Session " + session.id + " " + std::string(scpi::to_string(session.status)) + " - " +
                            pricing::decimal_text(session.kwh) + " kWh");
    }
}

void Msp::check_cdr_token(const scpi::CdrToken& token, const std::string& what) const {
    std::string missing;
    for (const auto& [name, value] : {std::pair{"country_code", &token.country_code}, {"party_id", &token.party_id}}) {
        if (!value->has_value() || (*value)->empty()) {
            missing += missing.empty() ? name : std::string(" and ") + name;
        }
    }
    if (missing.empty()) {
        return;
    }
    // OCPI 2.2.1 §10.4.3 made both required; OCPI 2.2 had neither, and CPOs still send such tokens. An OCPI 2.2.1
    // party holds its peers to 2.2.1.
    if (config_.strict || dialect().is_ocpi()) {
        throw scpi::Error::invalid("$.cdr_token: missing " + missing + " (required since OCPI 2.2.1)");
    }
    log_.warn(what + ": cdr_token without " + missing + " (required since OCPI 2.2.1; accepted as OCPI 2.2 did)");
}

http::Response Msp::post_cdr(http::Request& req) {
    const auto cdr = service::body_as<scpi::Cdr>(req);
    scpi::check_cdr(cdr);
    check_cdr_token(cdr.cdr_token, "CDR " + cdr.id);
    const auto number = store_.add_cdr({cdr.country_code, cdr.party_id, cdr.id}, req.body, cdr.last_updated);
    if (!number) {
        throw scpi::Error::invalid("CDR already exists: " + cdr.country_code + "/" + cdr.party_id + "/" + cdr.id);
    }
    log_.info("CDR " + cdr.id + ": " + pricing::decimal_text(cdr.total_cost.excl_vat) + " " + cdr.currency);
    auto res = service::ok(json::value(), clock_, 201);
    res.headers.add(scpi::header::kLocation, public_url() + "/scpi/receiver/2.2/cdrs/" + std::to_string(*number));
    return res;
}

// OCPI 2.2 §13.2.2 (commands, sender interface): the CPO POSTs the CommandResult to the response_url of the command.
// The MSP does not issue those URLs itself (`scn-tools request` and hand-written requests do, e.g. uid "0" in the
// README walkthrough), so any uid is accepted that could be one: a CiString(36). An unknown command name or a uid
// that cannot have been issued answers 404, as a URL that was never given out.
http::Response Msp::command_result(http::Request& req) {
    const auto name = req.param("command");
    const auto command = scpi::enum_from_string<scpi::CommandType>(name);
    if (!command) {
        throw scpi::Error::not_found("unknown command " + std::string(name) + " in the result URL");
    }
    const auto uid = req.param("uid");
    const bool printable = std::all_of(uid.begin(), uid.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7F;
    });
    if (uid.empty() || uid.size() > 36 || !printable) {
        throw scpi::Error::not_found("unknown result URL: " + std::string(name) +
                                     " results are expected under a uid of at most 36 printable characters");
    }
    const auto result = service::body_as<scpi::CommandResult>(req);
    store_.add_command_result(name, uid, scpi::to_string(result.result), req.body);
    log_.info("async command result [" + std::string(name) + " " + std::string(uid) +
              "]: " + std::string(scpi::to_string(result.result)));
    return service::ok(json::value(), clock_);
}

http::Response Msp::authorize(http::Request& req) {
    const auto uid = req.param("token_uid");
    const auto type_text = req.query_param("type").value_or("RFID");
    const auto type = scpi::enum_from_string<scpi::TokenType>(type_text);
    if (!type) {
        throw scpi::Error::invalid("unknown token type \"" + type_text + "\"");
    }
    std::optional<scpi::LocationReferences> where;
    if (!req.body.empty()) {
        where = service::body_as<scpi::LocationReferences>(req);
    }
    const Driver* driver = nullptr;
    for (const auto& d : drivers_) {
        if (d.token.uid == uid && d.token.type == *type) {
            driver = &d;
        }
    }
    if (driver == nullptr) {
        throw scpi::Error::unknown_token("unknown token " + std::string(uid) + " of type " + type_text);
    }
    scpi::AuthorizationInfo info;
    info.token = driver->token;
    info.location = where;
    if (!driver->token.valid) {
        info.allowed = scpi::AllowedType::BLOCKED;
    } else if (!driver->allowed_locations.empty()) {
        if (!where) {
            throw scpi::Error{2002, 400,
                              "token " + std::string(uid) +
                                  " is only valid at some locations: send "
                                  "LocationReferences"};
        }
        const bool here = std::find(driver->allowed_locations.begin(), driver->allowed_locations.end(),
                                    where->location_id) != driver->allowed_locations.end();
        info.allowed = here ? scpi::AllowedType::ALLOWED : scpi::AllowedType::NOT_ALLOWED;
    } else {
        info.allowed = driver->forced.value_or(scpi::AllowedType::ALLOWED);
    }
    if (info.allowed == scpi::AllowedType::ALLOWED) {
        info.authorization_reference = "AUTH-" + std::string(uid);
    }
    return service::ok(scpi::to_json(info), clock_);
}

void Msp::add_routes(http::Router& router) {
    router.add(http::Method::post, "/scpi/sender/2.2/commands/{command}/{uid}",
               module_route([this](http::Request& req) { return command_result(req); }));
    router.add(http::Method::put, "/scpi/receiver/2.2/sessions/{country_code}/{party_id}/{session_id}",
               module_route([this](http::Request& req) { return put_session(req, false); }));
    router.add(http::Method::patch, "/scpi/receiver/2.2/sessions/{country_code}/{party_id}/{session_id}",
               module_route([this](http::Request& req) { return put_session(req, true); }));
    router.add(http::Method::get, "/scpi/receiver/2.2/sessions/{country_code}/{party_id}/{session_id}",
               module_route([this](http::Request& req) {
                   const auto s =
                       store_.session({std::string(req.param("country_code")), std::string(req.param("party_id")),
                                       std::string(req.param("session_id"))});
                   if (!s) {
                       throw scpi::Error::not_found("unknown session " + std::string(req.param("session_id")));
                   }
                   return service::ok_raw(*s, clock_);
               }));
    router.add(http::Method::post, "/scpi/receiver/2.2/cdrs",
               module_route([this](http::Request& req) { return post_cdr(req); }));
    // OCPI 2.2 §14.2.1.2: the CPO's update of a session's active charging profile, logged.
    router.add(http::Method::put, "/scpi/sender/2.2/chargingprofiles/{session_id}",
               module_route([this](http::Request& req) {
                   const auto active = service::body_as<scpi::ActiveChargingProfile>(req);
                   const std::string id(req.param("session_id"));
                   std::string limits;
                   for (const auto& p : active.charging_profile.charging_profile_period) {
                       limits += (limits.empty() ? "" : ", ") + pricing::decimal_text(p.limit) + " " +
                                 std::string(scpi::to_string(active.charging_profile.charging_rate_unit));
                   }
                   log_.info("Session " + id + " active charging profile: " + limits);
                   return service::ok(json::value(), clock_);
               }));
    router.add(http::Method::get, "/scpi/receiver/2.2/cdrs/{number}", module_route([this](http::Request& req) {
                   const std::string n(req.param("number"));
                   std::optional<std::string> cdr;
                   if (!n.empty() && n.size() < 18 && std::all_of(n.begin(), n.end(), ::isdigit)) {
                       cdr = store_.cdr_by_number(std::stoll(n));
                   }
                   if (!cdr) {
                       throw scpi::Error::not_found("unknown CDR " + n);
                   }
                   return service::ok_raw(*cdr, clock_);
               }));
    router.add(http::Method::get, "/scpi/sender/2.2/tokens", module_route([this](http::Request& req) {
                   return paged_response(
                       req, public_url() + "/scpi/sender/2.2/tokens", kMaxLimit, clock_,
                       [this](const store::TimeWindow& w) { return tokens_.count(w); }, catalog_pages(tokens_));
               }));
    router.add(http::Method::post, "/scpi/sender/2.2/tokens/{token_uid}/authorize",
               module_route([this](http::Request& req) { return authorize(req); }));
    add_receiver_routes(router);
}

}  // namespace scn::party
