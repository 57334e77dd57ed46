#include <scn/core/random.hpp>
#include <scn/party/paging.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/io.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <algorithm>

namespace scn::party {
namespace json = boost::json;

PartyServer::PartyServer(boost::asio::io_context& ioc, std::string name, const config::PartyConfig& config,
                         PartyStore& store, core::Logger log, const core::Clock& clock)
    : ioc_(ioc),
      name_(std::move(name)),
      config_(config),
      dialect_([&]() -> const scpi::Dialect& {
          const auto* d = scpi::dialect_named(config.protocol);
          return d != nullptr ? *d : scpi::scpi_dialect();
      }()),
      store_(store),
      log_(std::move(log)),
      clock_(clock),
      received_(store.database()),
      offline_(offline_token()),
      credentials_client_(std::make_unique<http::Client>(ioc.get_executor())) {
    load_bilateral();
    if (const auto token_b = store_.setting("token_b")) {
        accepted_.push_back(*token_b);
    }
}

std::string PartyServer::offline_token() {
    if (auto t = store_.setting("offline_token")) {
        return *t;
    }
    const std::string token = core::random_uuid();
    store_.set_setting("offline_token", token);
    return token;
}

void PartyServer::accept_token(const std::string& token) {
    if (std::find(accepted_.begin(), accepted_.end(), token) == accepted_.end()) {
        accepted_.push_back(token);
    }
}

void PartyServer::authenticate(const http::Request& request) {
    (void)caller_of(request);
}

std::string PartyServer::public_url() const {
    if (!config_.public_url.empty()) {
        return config_.public_url;
    }
    return "http://127.0.0.1:" + std::to_string(port());
}

void PartyServer::sign(const http::Request& request, http::Response& response) const {
    if (!signer_ || (!request.header("SCN-Signature") && !config_.signatures)) {
        return;
    }
    response.inline_file();  // the signature covers the whole body
    boost::system::error_code ec;
    auto envelope = boost::json::parse(response.body, ec);
    if (ec || !envelope.is_object()) {
        return;
    }
    response.body = service::with_signature(std::move(envelope.as_object()), response.headers, *signer_);
}

void PartyServer::check_signature(const http::Request& request, bool functional) const {
    const auto signature = request.header("SCN-Signature");
    if (!signature) {
        if (functional && config_.signatures) {
            throw scpi::Error::invalid("Missing SCN Signature");
        }
        return;
    }
    // Who signed is the node's to check (against the sender's registry listing); here: that nothing changed on the
    // way and every rewrite is accounted for.
    (void)service::verified_signer(*signature, service::request_values(request));
}

std::vector<scpi::CredentialsRole> PartyServer::credentials_roles() const {
    std::vector<scpi::CredentialsRole> roles;
    for (const auto& r : config_.roles) {
        scpi::CredentialsRole role;
        role.role = scpi::enum_from_string<scpi::Role>(r.role).value_or(scpi::Role::OTHER);
        role.business_details.name = r.business_name;
        role.business_details.website = r.business_website;
        role.party_id = r.party_id;
        role.country_code = r.country_code;
        roles.push_back(std::move(role));
    }
    return roles;
}

void PartyServer::add_common_routes(http::Router& router) {
    using Awaitable = boost::asio::awaitable<http::Response>;
    router.add(http::Method::get, "/scpi/versions", [this](http::Request& req) -> Awaitable {
        authenticate(req);
        std::vector<scpi::Version> versions{{std::string(dialect_.version), url_of("/scpi/versions/2.2")}};
        auto res = service::ok(scpi::to_json(versions), clock_);
        service::echo_headers(req, res, false);
        co_return res;
    });
    const auto details = [this](http::Request& req) -> Awaitable {
        authenticate(req);
        scpi::VersionDetails d;
        d.version = std::string(dialect_.version);
        d.endpoints.push_back({"credentials", scpi::InterfaceRole::SENDER, url_of("/scpi/2.2/credentials")});
        for (const auto& e : endpoints()) {
            d.endpoints.push_back({e.identifier, e.role, url_of(e.path)});
        }
        auto res = service::ok(scpi::to_json(d), clock_);
        service::echo_headers(req, res, false);
        co_return res;
    };
    router.add(http::Method::get, "/scpi/versions/2.2", details);
    router.add(http::Method::get, "/scpi/2.2", details);
    add_credentials_routes(router);
}

std::vector<scpi::ClientInfo> PartyServer::connected_parties(scpi::Role role) {
    std::vector<scpi::ClientInfo> out;
    for (const auto& text : received_.client_infos()) {
        try {
            auto info = scpi::from_json<scpi::ClientInfo>(scpi::parse_json(text));
            if (info.role == role && info.status == scpi::ConnectionStatus::CONNECTED) {
                out.push_back(std::move(info));
            }
        } catch (const scpi::ParseError&) {
            // only valid client infos are stored; nothing to report otherwise
        }
    }
    return out;
}

std::vector<scpi::ClientInfo> PartyServer::client_infos() {
    std::vector<scpi::ClientInfo> out;
    for (const auto& text : received_.client_infos()) {
        try {
            out.push_back(scpi::from_json<scpi::ClientInfo>(scpi::parse_json(text)));
        } catch (const scpi::ParseError&) {
            // only valid client infos are stored
        }
    }
    return out;
}

void PartyServer::set_console(console::Console* console) {
    console_ = console;
    if (interceptor_) {
        interceptor_->set_console(console);
    }
}

void PartyServer::apply_client_info(const scpi::ClientInfo& info, const std::string& json) {
    std::optional<scpi::ClientInfo> before;
    if (const auto stored = received_.client_info(info.country_code, info.party_id)) {
        before = scpi::from_json<scpi::ClientInfo>(scpi::parse_json(*stored));
    }
    received_.put_client_info(info.country_code, info.party_id, json, info.last_updated);
    log_.info("Client info: " + info.country_code + "/" + info.party_id + " (" +
              std::string(scpi::to_string(info.role)) + ") " + std::string(scpi::to_string(info.status)));
    on_client_info(info, before);
    if (console_ != nullptr) {
        console_->parties_changed();
    }
}

boost::asio::awaitable<std::size_t> PartyServer::read_client_infos(http::Client& client, std::string url,
                                                                   std::string token) {
    const auto alive = alive_;
    service::Call call;
    call.url = std::move(url);
    call.token = std::move(token);
    // The SCN node answers this list only with all four routing headers (a quirk of the reference node), although
    // HubClientInfo is a configuration module; this party is both ends, as the node itself has no party id.
    const auto& self = config_.roles.front();
    call.routing = scpi::RoutingHeaders{self.country_code, self.party_id, self.country_code, self.party_id};
    const auto reply = co_await service::call(client, std::move(call));
    if (!*alive) {
        co_return 0;
    }
    if (!reply.ok() || !reply.data.is_array()) {
        throw std::runtime_error("cannot read the client infos: " + reply.describe());
    }
    std::size_t n = 0;
    for (const auto& element : reply.data.get_array()) {
        try {
            apply_client_info(scpi::from_json<scpi::ClientInfo>(element), scpi::dump(element));
            ++n;
        } catch (const scpi::ParseError& e) {
            log_.warn(std::string("ignoring an invalid client info from the node: ") + e.what());
        }
    }
    co_return n;
}

// HubClientInfo receiver (OCPI 2.2 §12.2.2): the node PUTs a ClientInfo per party it knows; GET reads one back, and
// the list shows them all, paginated like every list.
void PartyServer::add_hubclientinfo_routes(http::Router& router) {
    constexpr std::string_view kBase = "/scpi/receiver/2.2/hubclientinfo";
    const std::string one = std::string(kBase) + "/{country_code}/{party_id}";
    router.add(http::Method::put, one, config_route([this](http::Request& req) {
                   const std::string cc(req.param("country_code"));
                   const std::string pid(req.param("party_id"));
                   const auto body = scpi::parse_json(req.body);
                   const auto info = scpi::from_json<scpi::ClientInfo>(body);
                   if (!iequals(info.country_code, cc) || !iequals(info.party_id, pid)) {
                       throw scpi::Error::invalid("the client info in the body (" + info.country_code + "/" +
                                                  info.party_id + ") does not match the URL (" + cc + "/" + pid + ")");
                   }
                   const bool known = received_.client_info(cc, pid).has_value();
                   apply_client_info(info, scpi::dump(body));
                   return service::ok(json::value(), clock_, known ? 200 : 201);
               }));
    router.add(http::Method::get, one, config_route([this](http::Request& req) {
                   const auto stored = received_.client_info(req.param("country_code"), req.param("party_id"));
                   if (!stored) {
                       throw scpi::Error::not_found("no client info for " + std::string(req.param("country_code")) +
                                                    "/" + std::string(req.param("party_id")));
                   }
                   return service::ok_raw(*stored, clock_);
               }));
    router.add(http::Method::get, kBase, config_route([this, kBase](http::Request& req) {
                   return paged_response(
                       req, public_url() + std::string(kBase), kMaxClientInfoLimit, clock_,
                       [this](const store::TimeWindow& w) { return received_.count_client_infos(w); },
                       emitted_pages([this](const store::TimeWindow& w, std::size_t o, std::size_t l,
                                            const auto& emit) { received_.page_client_infos(w, o, l, emit); }));
               }));
}

std::uint16_t PartyServer::start() {
    store_.checkpoint_in_background();  // the loop that serves does not stop for the log's copies and their fsync
    http::Router router;
    add_common_routes(router);
    add_hubclientinfo_routes(router);
    add_routes(router);
    auto options = service::scpi_server_options(config_.bind, config_.port, log_, clock_);
    if (interceptor_) {
        options.hooks.around = [this](http::Request& req, const http::Handler& handler) {
            return interceptor_->handle(req, handler);
        };
    }
    if (dialect_.is_ocpi()) {
        translate_at_the_edges(options.hooks);
    }
    server_ = std::make_unique<http::Server>(ioc_, std::move(options), std::move(router));
    const auto port = server_->start();
    if (bilateral_) {
        log_.info("Peer registered by the credentials module: " + bilateral_->versions_url +
                  " (the offline token is no longer accepted; the peer uses the token it received)");
        on_bilateral_peer(bilateral_->peer());
    }
    return port;
}

void PartyServer::translate_at_the_edges(http::ServerHooks& hooks) const {
    static constexpr std::array kRouting{scpi::header::kFromCountryCode, scpi::header::kFromPartyId,
                                         scpi::header::kToCountryCode, scpi::header::kToPartyId};
    const auto& dialect = dialect_;
    hooks.inbound = [&dialect](http::Request& req) {
        req.path = dialect.scpi_path(req.path);
        for (const auto name : kRouting) {
            if (const auto value = req.headers.get(dialect.header(name))) {
                std::string v(*value);
                req.headers.remove(dialect.header(name));
                req.headers.set(name, v);
            }
        }
    };
    hooks.outbound = [&dialect](http::Response& res) {
        for (const auto name : kRouting) {
            if (const auto value = res.headers.get(name)) {
                std::string v(*value);
                res.headers.remove(name);
                res.headers.set(dialect.header(name), v);
            }
        }
        for (const auto name : {scpi::header::kLink, scpi::header::kLocation}) {
            if (const auto value = res.headers.get(name)) {
                res.headers.set(name, dialect.path(*value));
            }
        }
    };
}

void PartyServer::join_write_group() {
    auto& db = store_.database();
    if (write_group_open_ || db.in_transaction()) {
        return;
    }
    db.exec("BEGIN IMMEDIATE");
    write_group_open_ = true;
    auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, kWriteGroupDelay);
    timer->async_wait([this, timer, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code&) {
        if (const auto a = alive.lock(); a && *a) {
            commit_write_group();
        }
    });
}

void PartyServer::commit_write_group() {
    if (!write_group_open_) {
        return;
    }
    write_group_open_ = false;
    auto& db = store_.database();
    try {
        db.exec("COMMIT");
    } catch (const std::exception& e) {
        log_.error(std::string("writes of the last requests not stored: ") + e.what());
        try {
            db.exec("ROLLBACK");
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): no transaction left open
        }
    }
}

void PartyServer::stop() {
    if (server_) {
        server_->stop();
    }
    commit_write_group();
}

}  // namespace scn::party
