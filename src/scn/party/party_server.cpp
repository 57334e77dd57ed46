#include <scn/core/random.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/io.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::party {
namespace json = boost::json;

PartyServer::PartyServer(boost::asio::io_context& ioc, std::string name, const config::PartyConfig& config,
                         PartyStore& store, core::Logger log, const core::Clock& clock)
    : ioc_(ioc), name_(std::move(name)), config_(config), store_(store), log_(std::move(log)), clock_(clock) {
    accepted_.push_back(offline_token());
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
    const auto candidates = scpi::token_candidates(request.header(scpi::header::kAuthorization));
    for (const auto& c : candidates) {
        if (std::find(accepted_.begin(), accepted_.end(), c) != accepted_.end()) {
            return;
        }
    }
    throw scpi::Error::unauthorized("unknown token in the Authorization header");
}

std::string PartyServer::public_url() const {
    if (!config_.public_url.empty()) {
        return config_.public_url;
    }
    return "http://127.0.0.1:" + std::to_string(port());
}

void PartyServer::sign(const http::Request& request, http::Response& response) const {
    if (!signer_ || !request.header("SCN-Signature")) {
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

void PartyServer::echo(const http::Request& request, http::Response& response) {
    service::echo_headers(request, response, true);
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
        std::vector<scpi::Version> versions{{std::string(scpi::kVersion), public_url() + "/scpi/versions/2.2"}};
        auto res = service::ok(scpi::to_json(versions), clock_);
        service::echo_headers(req, res, false);
        co_return res;
    });
    const auto details = [this](http::Request& req) -> Awaitable {
        authenticate(req);
        scpi::VersionDetails d;
        d.version = std::string(scpi::kVersion);
        d.endpoints.push_back({"credentials", scpi::InterfaceRole::SENDER, public_url() + "/scpi/2.2/credentials"});
        for (const auto& e : endpoints()) {
            d.endpoints.push_back({e.identifier, e.role, public_url() + e.path});
        }
        auto res = service::ok(scpi::to_json(d), clock_);
        service::echo_headers(req, res, false);
        co_return res;
    };
    router.add(http::Method::get, "/scpi/versions/2.2", details);
    router.add(http::Method::get, "/scpi/2.2", details);
    router.add(http::Method::get, "/scpi/2.2/credentials", [this](http::Request& req) -> Awaitable {
        authenticate(req);
        scpi::Credentials c;
        c.token = scpi::token_candidates(req.header(scpi::header::kAuthorization)).back();
        c.url = versions_url();
        c.roles = credentials_roles();
        auto res = service::ok(scpi::to_json(c), clock_);
        service::echo_headers(req, res, false);
        co_return res;
    });
}

std::uint16_t PartyServer::start() {
    http::Router router;
    add_common_routes(router);
    add_routes(router);
    server_ = std::make_unique<http::Server>(
        ioc_, service::scpi_server_options(config_.bind, config_.port, log_, clock_), std::move(router));
    return server_->start();
}

void PartyServer::stop() {
    if (server_) {
        server_->stop();
    }
}

}  // namespace scn::party
