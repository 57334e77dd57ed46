#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/forwarder.hpp>
#include <scn/node/hub.hpp>
#include <scn/node/node_server.hpp>
#include <scn/node/proxy_urls.hpp>
#include <scn/node/routing.hpp>
#include <scn/node/signing.hpp>
#include <scn/scpi/credentials.hpp>
#include <scn/scpi/io.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::node {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

/// Keep as many connections to each party as requests in flight, so forwarding never reconnects under load.
http::ClientOptions forwarding_client_options() {
    http::ClientOptions o;
    o.max_idle_per_host = 256;
    return o;
}

scpi::Credentials node_credentials(const std::string& token, const std::string& url) {
    scpi::Credentials c;
    c.token = token;
    c.url = url + "/scpi/versions";
    scpi::CredentialsRole role;
    role.role = scpi::Role::HUB;
    role.business_details.name = "Smart Charging Network Node";
    role.party_id = kHubParty.party_id;
    role.country_code = kHubParty.country_code;
    c.roles.push_back(role);
    return c;
}

}  // namespace

NodeServer::NodeServer(boost::asio::io_context& ioc, config::NodeConfig config, NodeStore& store,
                       registry::Registry& registry, eth::PrivateKey wallet, core::Logger log, const core::Clock& clock)
    : ioc_(ioc),
      config_(std::move(config)),
      store_(store),
      registry_(registry),
      wallet_(wallet),
      log_(std::move(log)),
      clock_(clock),
      client_(ioc.get_executor(), forwarding_client_options()),
      background_client_(std::make_shared<http::Client>(ioc.get_executor())),
      context_{ioc_, config_, store_, registry_, wallet_, log_, clock_, client_, background_client_, {}},
      signing_(std::make_unique<Signing>(context_)),
      proxies_(std::make_unique<ProxyUrls>(context_)),
      forwarder_(std::make_unique<Forwarder>(context_, *signing_)),
      hub_(std::make_unique<Hub>(context_, *forwarder_, *signing_)),
      routing_(std::make_unique<Routing>(context_, *forwarder_, *signing_, *proxies_, *hub_)) {}

NodeServer::~NodeServer() = default;

std::string NodeServer::url() const {
    if (!config_.public_url.empty() && config_.port != 0) {
        return config_.public_url;
    }
    return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : config_.port);
}

void NodeServer::add_admin_routes(http::Router& router) {
    // The admin key, compared exactly (missing header: 2001, as the reference node's framework answers).
    const auto admin = [this](const http::Request& req) {
        if (!req.header(scpi::header::kAuthorization)) {
            throw errors::missing_header("authorization");
        }
        return !config_.api_key.empty() && token_of(req) == config_.api_key;
    };
    router.add(http::Method::get, "/health",
               [](http::Request&) -> Awaitable { co_return http::Response::text(200, "OK"); });
    router.add(
        http::Method::get, "/admin/connection-status/{cc}/{pid}", [this, admin](http::Request& req) -> Awaitable {
            if (!admin(req)) {
                co_return http::Response::text(401, "Unauthorized");
            }
            const auto platform = store_.platform_of({std::string(req.param("cc")), std::string(req.param("pid"))});
            if (!platform) {
                co_return http::Response::text(404, "Role not found");
            }
            const auto p = store_.platform(*platform);
            if (!p) {
                co_return http::Response::text(500, "Could not find connection status");
            }
            co_return http::Response::text(200, std::string(scpi::to_string(p->status)));
        });
    router.add(
        http::Method::post, "/admin/generate-registration-token", [this, admin](http::Request& req) -> Awaitable {
            if (!admin(req)) {
                co_return http::Response::text(401, "Unauthorized");
            }
            const json::value body = req.body.empty() ? json::value(json::array()) : scpi::parse_json(req.body);
            if (!body.is_array()) {
                throw errors::invalid("expected a JSON array of {\"party_id\",\"country_code\"}");
            }
            for (const auto& entry : body.get_array()) {
                const auto* obj = entry.if_object();
                const auto* pid = obj != nullptr ? obj->if_contains("party_id") : nullptr;
                const auto* cc = obj != nullptr ? obj->if_contains("country_code") : nullptr;
                if (pid == nullptr || cc == nullptr || !pid->is_string() || !cc->is_string()) {
                    throw errors::invalid("each entry needs party_id and country_code");
                }
                const PartyRef party{std::string(cc->get_string()), std::string(pid->get_string())};
                if (store_.platform_of(party)) {
                    co_return http::Response::text(400, "Role BasicRole(id=" + party.party_id +
                                                            ", country=" + party.country_code + ") already exists");
                }
            }
            const auto token = store_.create_planned_platform();
            co_return http::Response::json(
                200, json::serialize(json::object{{"token", token}, {"versions", url() + "/scpi/versions"}}));
        });
    router.add(http::Method::get, "/scn/registry/node-info", [this](http::Request&) -> Awaitable {
        co_return http::Response::json(
            200, json::serialize(json::object{{"url", url()}, {"address", wallet_.address().lower()}}));
    });
    router.add(http::Method::get, "/scn/registry/node/{cc}/{pid}", [this](http::Request& req) -> Awaitable {
        const std::string cc = core::ascii_upper(req.param("cc"));
        const std::string pid = core::ascii_upper(req.param("pid"));
        const auto listing = co_await registry_.party(cc, pid);
        if (!listing || listing->node_url.empty()) {
            co_return http::Response::json(200, "\"Party not registered on Smart Charging Network\"");
        }
        co_return http::Response::json(
            200, json::serialize(json::object{{"url", listing->node_url}, {"address", listing->operator_address}}));
    });
}

void NodeServer::add_credentials_routes(http::Router& router) {
    const auto versions = [this](http::Request& req) -> Awaitable {
        const auto token = token_of(req);
        if (!store_.platform_by_token_a(token) && !store_.platform_by_token_c(token)) {
            throw errors::invalid_token_a();
        }
        if (req.path.ends_with("/versions")) {
            co_return service::ok(scpi::to_json(std::vector<scpi::Version>{{"2.2", url() + "/scpi/2.2"}}), clock_);
        }
        scpi::VersionDetails d;
        d.version = "2.2";
        const auto add = [&](const char* id, scpi::InterfaceRole role, const std::string& path) {
            d.endpoints.push_back({id, role, url() + path});
        };
        using R = scpi::InterfaceRole;
        add("cdrs", R::SENDER, "/scpi/sender/2.2/cdrs");
        add("cdrs", R::RECEIVER, "/scpi/receiver/2.2/cdrs");
        add("chargingprofiles", R::SENDER, "/scpi/sender/2.2/chargingprofiles");
        add("chargingprofiles", R::RECEIVER, "/scpi/receiver/2.2/chargingprofiles");
        add("commands", R::SENDER, "/scpi/sender/2.2/commands");
        add("commands", R::RECEIVER, "/scpi/receiver/2.2/commands");
        add("credentials", R::SENDER, "/scpi/2.2/credentials");
        add("hubclientinfo", R::SENDER, "/scpi/2.2/hubclientinfo");
        add("locations", R::SENDER, "/scpi/sender/2.2/locations");
        add("locations", R::RECEIVER, "/scpi/receiver/2.2/locations");
        add("sessions", R::SENDER, "/scpi/sender/2.2/sessions");
        add("sessions", R::RECEIVER, "/scpi/receiver/2.2/sessions");
        add("tariffs", R::SENDER, "/scpi/sender/2.2/tariffs");
        add("tariffs", R::RECEIVER, "/scpi/receiver/2.2/tariffs");
        add("tokens", R::SENDER, "/scpi/sender/2.2/tokens");
        add("tokens", R::RECEIVER, "/scpi/receiver/2.2/tokens");
        add("custom", R::SENDER, "/scpi/custom/sender");
        add("custom", R::RECEIVER, "/scpi/custom/receiver");
        add("scnrules", R::RECEIVER, "/scpi/2.2/receiver/scnrules");
        co_return service::ok(scpi::to_json(d), clock_);
    };
    router.add(http::Method::get, "/scpi/versions", versions);
    router.add(http::Method::get, "/scpi/2.2", versions);

    // POST (TOKEN_A) registers, PUT (TOKEN_C) updates: both fetch the party's versions and details with TOKEN_B.
    const auto handshake = [this](http::Request& req, bool update) -> Awaitable {
        const auto token = token_of(req);
        const auto platform = update ? store_.platform_by_token_c(token) : store_.platform_by_token_a(token);
        if (!platform) {
            throw update ? errors::invalid_token_c() : errors::invalid_token_a();
        }
        const auto creds = service::body_as<scpi::Credentials>(req);
        service::Call versions_call;
        versions_call.url = creds.url;
        versions_call.token = creds.token;
        versions_call.timeout = config_.forward_timeout;
        std::string details_url;
        std::string failure;
        bool no_version = false;
        try {
            const auto v = co_await service::call(client_, versions_call);
            if (!v.ok() || !v.data.is_array()) {
                failure = v.describe();
            } else {
                for (const auto& item : v.data.get_array()) {
                    const auto version = scpi::from_json<scpi::Version>(item);
                    if (version.version == "2.2" && details_url.empty()) {
                        details_url = version.url;
                    }
                }
                if (details_url.empty()) {
                    failure = update ? "Expected version 2.2 from " + creds.url
                                     : "Expected version 2.2 from " + json::serialize(v.data);
                    no_version = true;
                }
            }
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (no_version) {
            throw update ? errors::invalid(failure) : errors::no_matching_endpoints(failure);
        }
        if (!failure.empty()) {
            throw errors::unusable_api("Failed to request from " + creds.url + ": " + failure);
        }
        scpi::VersionDetails details;
        try {
            versions_call.url = details_url;
            const auto d = co_await service::call(client_, versions_call);
            if (!d.ok()) {
                failure = d.describe();
            } else {
                details = scpi::from_json<scpi::VersionDetails>(d.data);
            }
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!failure.empty()) {
            throw errors::unusable_api("Failed to request v2.2 details from " + details_url + ": " + failure);
        }
        std::vector<PlatformRole> roles;
        for (const auto& r : creds.roles) {
            if (!update) {
                const auto listing = co_await registry_.party(r.country_code, r.party_id);
                const bool mine =
                    listing && listing->operator_address == wallet_.address().lower() && listing->node_url == url();
                const std::string role = "Role with party_id=" + r.party_id + " and country_code=" + r.country_code;
                if (!mine) {
                    throw errors::invalid(role + " not listed in SCN Registry with my node info!");
                }
                if (store_.platform_of({r.country_code, r.party_id})) {
                    throw errors::invalid(role + " already connected to this node!");
                }
            }
            roles.push_back({r.role, r.country_code, r.party_id, scpi::to_text(r.business_details)});
        }
        std::vector<Endpoint> endpoints;
        for (const auto& e : details.endpoints) {
            endpoints.push_back({e.identifier, e.role, e.url});
        }
        const auto token_c = update ? store_.update_platform(platform->id, creds.token, creds.url, roles, endpoints)
                                    : store_.connect_platform(platform->id, creds.token, creds.url, roles, endpoints);
        for (const auto& r : roles) {
            log_.info(std::string(update ? "Updated " : "Connected ") + r.country_code + "/" + r.party_id + " (" +
                      std::string(scpi::to_string(r.role)) + ")");
        }
        if (!update) {
            if (config_.signatures) {
                // §4: a new platform's signature rule starts as the node's setting.
                auto rules = store_.rules(platform->id);
                rules.signatures = true;
                store_.save_rules(platform->id, rules);
            }
            broadcast(platform->id, scpi::ConnectionStatus::CONNECTED);
        }
        co_return service::ok(scpi::to_json(node_credentials(token_c, url())), clock_);
    };
    router.add(http::Method::post, "/scpi/2.2/credentials",
               [handshake](http::Request& req) -> Awaitable { co_return co_await handshake(req, false); });
    router.add(http::Method::put, "/scpi/2.2/credentials",
               [handshake](http::Request& req) -> Awaitable { co_return co_await handshake(req, true); });
    router.add(http::Method::get, "/scpi/2.2/credentials", [this](http::Request& req) -> Awaitable {
        const auto token = token_of(req);
        if (!store_.platform_by_token_c(token)) {
            throw errors::invalid_token_c();
        }
        co_return service::ok(scpi::to_json(node_credentials(token, url())), clock_);
    });
    router.add(http::Method::del, "/scpi/2.2/credentials", [this](http::Request& req) -> Awaitable {
        const auto platform = store_.platform_by_token_c(token_of(req));
        if (!platform) {
            throw errors::invalid_token_c();
        }
        for (const auto& r : store_.roles(platform->id)) {
            log_.info("Disconnected " + r.country_code + "/" + r.party_id);
        }
        broadcast(platform->id, scpi::ConnectionStatus::SUSPENDED);
        store_.delete_platform(platform->id);
        co_return service::ok(json::value(), clock_);
    });
}

http::ServerHooks NodeServer::hooks() const {
    auto hooks = service::scpi_hooks(log_, clock_);
    // The one error boundary: whatever a route throws becomes an SCPI envelope signed by the node (§1.2).
    hooks.error_response = [base = hooks.error_response, signing = signing_.get()](const http::Request& req,
                                                                                   std::exception_ptr failure) {
        auto res = base(req, std::move(failure));
        signing->sign_envelope(res);
        return res;
    };
    return hooks;
}

std::uint16_t NodeServer::start() {
    http::Router router;
    add_admin_routes(router);
    add_credentials_routes(router);
    add_rules_routes(router);
    add_hubclientinfo_routes(router);
    add_client_info_route(router);
    routing_->add_routes(router);
    auto options = service::scpi_server_options(config_.bind, config_.port, log_, clock_);
    options.hooks = hooks();
    if (config_.console_buffer > 0) {
        console::ConsoleOptions o;
        o.buffer = config_.console_buffer;
        o.kind = "node";
        o.title = "SCN node " + (config_.public_url.empty() ? std::string("on port ") + std::to_string(config_.port)
                                                            : config_.public_url);
        console_ = std::make_unique<console::Console>(std::move(o), clock_);
        console_->set_parties([this] { return console_parties(); });
        console_->add_routes(router);
        routing_->set_console(console_.get(), options.hooks.error_response);
    }
    server_ = std::make_unique<http::Server>(ioc_, std::move(options), std::move(router));
    const auto port = server_->start();
    context_.url = url();
    start_tasks();
    return port;
}

boost::asio::awaitable<json::value> NodeServer::console_parties() {
    // Each role of each platform in the node's store, with its registry listing.
    json::array out;
    for (const auto& platform : store_.platforms()) {
        for (const auto& role : store_.roles(platform.id)) {
            json::object p{{"id", role.country_code + "/" + role.party_id},
                           {"role", scpi::to_string(role.role)},
                           {"status", scpi::to_string(platform.status)},
                           {"url", platform.versions_url}};
            boost::system::error_code ec;
            const auto details = json::parse(role.business_details, ec);
            const auto* name = !ec && details.is_object() ? details.get_object().if_contains("name") : nullptr;
            p["name"] = name != nullptr && name->is_string() ? name->get_string() : json::string();
            std::optional<registry::PartyListing> listing;
            bool registry_failed = false;
            try {
                listing =
                    co_await registry_.party(core::ascii_upper(role.country_code), core::ascii_upper(role.party_id));
            } catch (const std::exception&) {
                registry_failed = true;  // a chain that cannot be reached: the view shows it as unknown
            }
            if (registry_failed) {
                p["registry"] = nullptr;
            } else if (listing) {
                p["registry"] = json::object{
                    {"listed", true}, {"node_url", listing->node_url}, {"operator", listing->operator_address}};
            } else {
                p["registry"] = json::object{{"listed", false}};
            }
            out.push_back(std::move(p));
        }
    }
    co_return json::object{{"node", url()}, {"parties", std::move(out)}};
}

void NodeServer::stop() {
    *running_ = false;
    if (server_) {
        server_->stop();
    }
}

}  // namespace scn::node
