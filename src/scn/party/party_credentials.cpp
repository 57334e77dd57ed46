// The credentials module of a mock party for a peer that connects bilaterally, without a node (OCPI 2.2 §7): the
// party's offline token is TOKEN_A; POST registers the peer (its versions and details are read with its TOKEN_B,
// and the party answers a fresh TOKEN_C), PUT updates it, DELETE unregisters it. The connection is kept in the
// party's store, and the peer becomes the party's target for pushes.
#include <scn/core/random.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/io.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::party {
namespace json = boost::json;

namespace {

constexpr std::string_view kSettingKey = "bilateral_peer";
constexpr std::chrono::milliseconds kPeerTimeout{10'000};

/// 3001: the server cannot use the client's API (OCPI 2.2 §5, status codes).
scpi::Error cannot_use(const std::string& message) {
    return {3001, 200, message};
}

/// Checks what the JSON model cannot: the token's characters and length, an absolute URL, at least one role
/// (OCPI 2.2 §7.3.1). Throws Error 2001.
void check(const scpi::Credentials& c) {
    if (c.token.empty()) {
        throw scpi::Error::invalid("$.token: empty; the token the server is to call the peer with is required");
    }
    if (c.token.size() > 64) {
        throw scpi::Error::invalid("$.token: " + std::to_string(c.token.size()) +
                                   " characters, at most 64 (OCPI 2.2 §7.3.1)");
    }
    for (std::size_t i = 0; i < c.token.size(); ++i) {
        const auto ch = static_cast<unsigned char>(c.token[i]);
        if (ch < 0x21 || ch > 0x7e) {
            throw scpi::Error::invalid("$.token: character " + std::to_string(i + 1) +
                                       " is a space or not printable ASCII (OCPI 2.2 §7.3.1)");
        }
    }
    if (!c.url.starts_with("http://") && !c.url.starts_with("https://")) {
        throw scpi::Error::invalid("$.url: expected the peer's absolute versions URL (http:// or https://), got \"" +
                                   c.url + "\"");
    }
    if (c.roles.empty()) {
        throw scpi::Error::invalid("$.roles: empty; at least one CredentialsRole is required");
    }
}

/// The roles as "CH/MSP (EMSP)" for the log.
std::string describe_roles(const std::vector<scpi::CredentialsRole>& roles) {
    std::string out;
    for (const auto& r : roles) {
        out += (out.empty() ? "" : ", ") + r.country_code + "/" + r.party_id + " (" +
               std::string(scpi::to_string(r.role)) + ")";
    }
    return out;
}

service::Call peer_call(std::string url, std::string token, const scpi::Dialect& dialect) {
    service::Call call;
    call.url = std::move(url);
    call.token = std::move(token);
    call.dialect = &dialect;
    call.timeout = kPeerTimeout;
    return call;
}

/// The URL of version 2.2 in a versions answer; throws 3001 for an unusable answer, 3002 without 2.2.
std::string details_url_of(const service::Reply& reply, const std::string& url, std::string_view wanted) {
    if (!reply.ok()) {
        throw cannot_use("cannot read the versions at " + url + ": " + reply.describe());
    }
    if (!reply.data.is_array()) {
        throw cannot_use("the versions at " + url + " are not a list of versions");
    }
    std::string offered;
    for (std::size_t i = 0; i < reply.data.get_array().size(); ++i) {
        scpi::Version v;
        try {
            v = scpi::from_json<scpi::Version>(reply.data.get_array()[i], "$.data[" + std::to_string(i) + "]");
        } catch (const scpi::ParseError& e) {
            throw cannot_use("the versions at " + url + " are not valid: " + e.what());
        }
        if (v.version == wanted) {
            return v.url;
        }
        offered += (offered.empty() ? "" : ", ") + v.version;
    }
    throw scpi::Error(3002, 200,
                      "the versions at " + url + " offer " + (offered.empty() ? std::string("none") : offered) +
                          ", not " + std::string(wanted));
}

/// The endpoints of a version details answer; throws 3001 for an unusable one.
std::vector<scpi::Endpoint> endpoints_of(const service::Reply& reply, const std::string& url, std::string_view wanted) {
    if (!reply.ok()) {
        throw cannot_use("cannot read the version details at " + url + ": " + reply.describe());
    }
    scpi::VersionDetails details;
    try {
        details = scpi::from_json<scpi::VersionDetails>(reply.data, "$.data");
    } catch (const scpi::ParseError& e) {
        throw cannot_use("the version details at " + url + " are not valid: " + e.what());
    }
    if (details.version != wanted) {
        throw scpi::Error(
            3002, 200,
            "the version details at " + url + " are for version " + details.version + ", not " + std::string(wanted));
    }
    return details.endpoints;
}

std::string connection_text(const BilateralConnection& c) {
    json::object o;
    o["token_b"] = c.token_b;
    o["token_c"] = c.token_c;
    o["versions_url"] = c.versions_url;
    o["roles"] = scpi::to_json(c.roles);
    o["endpoints"] = scpi::to_json(c.endpoints);
    return scpi::dump(o);
}

BilateralConnection connection_from(const std::string& text) {
    const auto v = scpi::parse_json(text);
    if (!v.is_object()) {
        throw scpi::ParseError("$", "expected an object");
    }
    const auto& o = v.get_object();
    const auto string_at = [&](std::string_view key) {
        const auto* s = o.if_contains(key);
        if (s == nullptr || !s->is_string()) {
            throw scpi::ParseError("$." + std::string(key), "expected a string");
        }
        return std::string(s->get_string());
    };
    BilateralConnection c;
    c.token_b = string_at("token_b");
    c.token_c = string_at("token_c");
    c.versions_url = string_at("versions_url");
    const auto* roles = o.if_contains("roles");
    const auto* endpoints = o.if_contains("endpoints");
    if (roles == nullptr || endpoints == nullptr) {
        throw scpi::ParseError("$", "roles or endpoints missing");
    }
    c.roles = scpi::from_json<std::vector<scpi::CredentialsRole>>(*roles, "$.roles");
    c.endpoints = scpi::from_json<std::vector<scpi::Endpoint>>(*endpoints, "$.endpoints");
    return c;
}

/// Clears a flag when the handshake ends, unless the party is gone by then.
struct RunningFlag {
    std::shared_ptr<bool> alive;
    bool* flag;
    RunningFlag(std::shared_ptr<bool> a, bool* f) : alive(std::move(a)), flag(f) { *flag = true; }
    ~RunningFlag() {
        if (*alive) {
            *flag = false;
        }
    }
    RunningFlag(const RunningFlag&) = delete;
    RunningFlag& operator=(const RunningFlag&) = delete;
};

}  // namespace

std::optional<BilateralConnection> PartyServer::stored_bilateral(PartyStore& store) {
    const auto text = store.setting(kSettingKey);
    if (!text) {
        return std::nullopt;
    }
    try {
        return connection_from(*text);
    } catch (const scpi::ParseError&) {
        return std::nullopt;
    }
}

void PartyServer::load_bilateral() {
    const auto text = store_.setting(kSettingKey);
    if (!text) {
        return;
    }
    try {
        bilateral_ = connection_from(*text);
    } catch (const scpi::ParseError& e) {
        log_.warn(std::string("ignoring the stored bilateral peer, it cannot be read: ") + e.what());
    }
}

void PartyServer::save_bilateral() {
    if (bilateral_) {
        store_.set_setting(kSettingKey, connection_text(*bilateral_));
    } else {
        store_.erase_setting(kSettingKey);
    }
}

std::pair<PartyServer::Caller, std::string> PartyServer::caller_of(const http::Request& request) const {
    const auto candidates = scpi::token_candidates(request.header(scpi::header::kAuthorization));
    bool spent_token_a = false;
    for (const auto& c : candidates) {
        if (bilateral_ && c == bilateral_->token_c) {
            return {Caller::bilateral, c};
        }
        if (std::find(accepted_.begin(), accepted_.end(), c) != accepted_.end()) {
            return {Caller::other, c};
        }
        if (c == offline_) {
            if (!bilateral_) {
                return {Caller::offline, c};
            }
            spent_token_a = true;
        }
    }
    if (spent_token_a) {
        throw scpi::Error::unauthorized(
            "the offline token is TOKEN_A, for registration only: a peer has registered, use the token it received "
            "(OCPI 2.2 §7.4.1)");
    }
    throw scpi::Error::unauthorized("unknown token in the Authorization header");
}

void PartyServer::add_credentials_routes(http::Router& router) {
    using Awaitable = boost::asio::awaitable<http::Response>;
    constexpr std::string_view kPath = "/scpi/2.2/credentials";
    for (const auto m : {http::Method::get, http::Method::post, http::Method::put, http::Method::del}) {
        router.add(m, std::string(kPath),
                   [this, m](http::Request& req) -> Awaitable { co_return co_await credentials(req, m); });
    }
}

boost::asio::awaitable<http::Response> PartyServer::credentials(const http::Request& request, http::Method method) {
    const auto alive = alive_;
    http::Response res;
    std::optional<scpi::Error> failure;
    try {
        if (method == http::Method::get) {
            res = own_credentials(caller_of(request).second);
        } else if (method == http::Method::del) {
            res = unregister_peer(request);
        } else {
            res = co_await register_peer(request, method == http::Method::put);
        }
    } catch (const scpi::Error& e) {
        failure = e;
    } catch (const scpi::ParseError& e) {
        failure = scpi::Error::invalid(e.what());
    }
    if (!*alive) {
        co_return service::error(3000, 503, "the party is stopping", core::system_clock());
    }
    if (failure) {
        res = service::error(failure->status_code(), failure->http_status(), failure->what(), clock_);
    }
    service::echo_headers(request, res, false);
    sign(request, res);
    co_return res;
}

http::Response PartyServer::own_credentials(const std::string& token) const {
    scpi::Credentials c;
    c.token = token;
    c.url = versions_url();
    c.roles = credentials_roles();
    return service::ok(scpi::to_json(c), clock_);
}

boost::asio::awaitable<http::Response> PartyServer::register_peer(const http::Request& request, bool update) {
    const auto who = caller_of(request);
    const Caller caller = who.first;
    const std::string token = who.second;
    if (!update && caller == Caller::bilateral) {
        throw scpi::Error::method_not_allowed(
            "already registered: PUT updates the credentials, DELETE unregisters (OCPI 2.2 §7.2.2)");
    }
    if (update && caller == Caller::offline) {
        throw scpi::Error::method_not_allowed(
            "not registered: POST the credentials with this token first (OCPI 2.2 §7.2.3)");
    }
    if (caller == Caller::other) {
        throw scpi::Error::method_not_allowed(
            "this token belongs to the node connection; a bilateral peer registers with the offline token");
    }
    if (handshake_running_) {
        throw scpi::Error(2000, 409, "a credentials handshake is running already; try again when it has finished");
    }
    const auto theirs = service::body_as<scpi::Credentials>(request);
    check(theirs);

    const auto alive = alive_;
    const RunningFlag running(alive, &handshake_running_);
    auto endpoints = co_await read_peer_endpoints(theirs.url, theirs.token);
    if (!*alive) {
        co_return http::Response();
    }
    if (update && (!bilateral_ || bilateral_->token_c != token)) {
        throw scpi::Error::method_not_allowed("the peer was unregistered meanwhile");
    }
    if (!update && bilateral_) {
        throw scpi::Error::method_not_allowed("another peer registered meanwhile");
    }
    std::string token_c = core::random_uuid();
    while (token_c == offline_ || token_c == theirs.token || token_c == token) {
        token_c = core::random_uuid();
    }
    BilateralConnection connection;
    connection.token_b = theirs.token;
    connection.token_c = token_c;
    connection.versions_url = theirs.url;
    connection.roles = theirs.roles;
    connection.endpoints = std::move(endpoints);
    bilateral_ = std::move(connection);
    save_bilateral();
    log_.info(std::string(update ? "Peer updated" : "Peer registered") +
              " by the credentials module: " + describe_roles(bilateral_->roles) + " at " + bilateral_->versions_url +
              ", " + std::to_string(bilateral_->endpoints.size()) + " endpoints");
    on_bilateral_peer(bilateral_->peer());
    co_return own_credentials(token_c);
}

http::Response PartyServer::unregister_peer(const http::Request& request) {
    const auto caller = caller_of(request).first;
    if (caller != Caller::bilateral) {
        throw scpi::Error::method_not_allowed(caller == Caller::offline
                                                  ? "not registered: nothing to unregister (OCPI 2.2 §7.2.5)"
                                                  : "this token belongs to the node connection, not to a peer "
                                                    "registered by the credentials module");
    }
    log_.info("Peer unregistered by the credentials module: " + describe_roles(bilateral_->roles) + " at " +
              bilateral_->versions_url + "; the offline token registers again");
    bilateral_.reset();
    save_bilateral();
    on_bilateral_peer(std::nullopt);
    return service::ok(json::value(), clock_);
}

boost::asio::awaitable<std::vector<scpi::Endpoint>> PartyServer::read_peer_endpoints(std::string versions_url,
                                                                                     std::string token_b) {
    const auto alive = alive_;
    http::Client& client = *credentials_client_;
    service::Reply versions;
    try {
        versions = co_await service::call(client, peer_call(versions_url, token_b, dialect_));
    } catch (const std::exception& e) {
        throw cannot_use("cannot read the versions at " + versions_url + ": " + e.what());
    }
    if (!*alive) {
        co_return std::vector<scpi::Endpoint>();
    }
    const std::string details_url = details_url_of(versions, versions_url, dialect_.version);
    service::Reply details;
    try {
        details = co_await service::call(client, peer_call(details_url, token_b, dialect_));
    } catch (const std::exception& e) {
        throw cannot_use("cannot read the version details at " + details_url + ": " + e.what());
    }
    if (!*alive) {
        co_return std::vector<scpi::Endpoint>();
    }
    auto endpoints = endpoints_of(details, details_url, dialect_.version);
    std::string missing;
    for (const auto& module : config_.required_modules) {
        if (std::none_of(endpoints.begin(), endpoints.end(),
                         [&](const scpi::Endpoint& e) { return e.identifier == module; })) {
            missing += (missing.empty() ? "" : ", ") + module;
        }
    }
    if (!missing.empty()) {
        throw scpi::Error(3003, 200,
                          "the version details at " + details_url + " lack modules this party requires: " + missing);
    }
    co_return endpoints;
}

// The CPO's and the MSP's pushes go to the peer registered here.
void Cpo::on_bilateral_peer(std::optional<Peer> peer) {
    set_peer(std::move(peer));
}
void Msp::on_bilateral_peer(std::optional<Peer> peer) {
    const bool registered = peer.has_value();
    set_peer(std::move(peer));
    if (!registered || !bilateral()) {
        return;
    }
    // A CPO connected bilaterally gets the drivers' tokens, as one the node reports connected does.
    for (const auto& role : bilateral()->roles) {
        if (role.role == scpi::Role::CPO) {
            scpi::ClientInfo cpo;
            cpo.country_code = role.country_code;
            cpo.party_id = role.party_id;
            cpo.role = scpi::Role::CPO;
            cpo.status = scpi::ConnectionStatus::CONNECTED;
            push_tokens(cpo);
        }
    }
}

}  // namespace scn::party
