#pragma once

#include <scn/config/config.hpp>
#include <scn/console/console.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/party/delivery.hpp>
#include <scn/party/interceptor.hpp>
#include <scn/party/party_store.hpp>
#include <scn/party/received_store.hpp>
#include <scn/scpi/credentials.hpp>
#include <scn/scpi/hubclientinfo.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scn::party {

/// One module interface a party serves, relative to its base URL.
struct ServedEndpoint {
    std::string identifier;
    scpi::InterfaceRole role;
    std::string path;  ///< e.g. "/scpi/sender/2.2/locations"
};

/// A peer registered with this party directly (no node), by the credentials handshake of OCPI 2.2 §7.4.1 with the
/// party's offline token as TOKEN_A. Kept in the party's store.
struct BilateralConnection {
    std::string token_b;       ///< the party calls the peer with it
    std::string token_c;       ///< the peer calls the party with it
    std::string versions_url;  ///< the peer's versions URL
    std::vector<scpi::CredentialsRole> roles;
    std::vector<scpi::Endpoint> endpoints;  ///< the peer's version details (2.2)
    [[nodiscard]] Peer peer() const { return {token_b, versions_url}; }
};

/// What every mock party has in common: its HTTP server on the configured port, the versions and credentials
/// endpoints, the tokens it accepts (checked on every module call), and its store.
class PartyServer {
public:
    PartyServer(boost::asio::io_context& ioc, std::string name, const config::PartyConfig& config, PartyStore& store,
                core::Logger log, const core::Clock& clock);
    virtual ~PartyServer() {
        *alive_ = false;
        commit_write_group();
    }
    PartyServer(const PartyServer&) = delete;
    PartyServer& operator=(const PartyServer&) = delete;

    /// Starts listening; returns the port.
    std::uint16_t start();
    void stop();

    /// The token this party accepts without a node (generated once and kept in the store).
    [[nodiscard]] std::string offline_token();
    /// Accepts `token` from now on as well (the node's TOKEN_B after registration).
    void accept_token(const std::string& token);
    /// The peer registered bilaterally with the credentials module (OCPI 2.2 §7.2), if any.
    [[nodiscard]] const std::optional<BilateralConnection>& bilateral() const { return bilateral_; }
    /// The same, read from a party's store without running the party (`scn-tools request`).
    [[nodiscard]] static std::optional<BilateralConnection> stored_bilateral(PartyStore& store);
    /// The key of the party's registry listing: with it, answers to requests that carry an SCN-Signature are
    /// signed (`scn_signature`), as the node then requires.
    void set_signer(std::optional<eth::PrivateKey> key) { signer_ = std::move(key); }
    /// The key the party signs its own requests with: its signer when `signatures` is on in its configuration.
    [[nodiscard]] std::optional<eth::PrivateKey> request_signer() const {
        return config_.signatures ? signer_ : std::nullopt;
    }

    /// Records what the party receives and lets faults be injected (the control API); call before start(). Without
    /// it requests take no detour.
    void enable_interception() {
        if (!interceptor_) {
            interceptor_ = std::make_unique<Interceptor>(clock_, dialect_);
        }
    }
    /// Keeps what the party receives, and changes of its partners, in `console` (null: none); needs interception.
    void set_console(console::Console* console);
    /// Every ClientInfo the node reported (HubClientInfo), whatever its status.
    [[nodiscard]] std::vector<scpi::ClientInfo> client_infos();
    /// The interceptor, or null when interception is off.
    [[nodiscard]] Interceptor* interceptor() { return interceptor_.get(); }
    [[nodiscard]] const core::Clock& clock() const { return clock_; }
    [[nodiscard]] PartyStore& store() { return store_; }

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const config::PartyConfig& config() const { return config_; }
    [[nodiscard]] std::string versions_url() const { return url_of("/scpi/versions"); }
    /// The dialect the party speaks (`protocol` in its configuration): SCPI 2.2, or plain OCPI 2.2.1.
    [[nodiscard]] const scpi::Dialect& dialect() const { return dialect_; }
    /// The party's URL for a path written in SCPI terms, in its dialect (`/scpi/sender/2.2/x` →
    /// `…/ocpi/sender/2.2.1/x` in OCPI mode).
    [[nodiscard]] std::string url_of(std::string_view scpi_path) const {
        return public_url() + dialect_.path(scpi_path);
    }
    /// The configured public URL, or http://127.0.0.1:<port> when none is configured (tests on ephemeral ports).
    [[nodiscard]] std::string public_url() const;
    [[nodiscard]] std::vector<scpi::CredentialsRole> credentials_roles() const;
    [[nodiscard]] const core::Logger& log() const { return log_; }
    [[nodiscard]] std::uint16_t port() const { return server_ ? server_->port() : 0; }

    /// The parties of `role` the node last reported as CONNECTED (HubClientInfo pushes, OCPI 2.2 §12), e.g. the
    /// MSPs a CPO pushes status changes to.
    [[nodiscard]] std::vector<scpi::ClientInfo> connected_parties(scpi::Role role);

    /// Largest page of the HubClientInfo list (X-Limit).
    static constexpr std::size_t kMaxClientInfoLimit = 100;

protected:
    /// Routes of the party's modules; called once before the server starts.
    virtual void add_routes(http::Router& router) = 0;
    /// The module interfaces listed in the version details.
    [[nodiscard]] virtual std::vector<ServedEndpoint> endpoints() const = 0;

    /// Checks the Authorization header against the accepted tokens; throws scpi::Error (401) otherwise.
    void authenticate(const http::Request& request);

    /// A functional-module route: authenticates, runs `body`, echoes the request ids and the routing headers.
    template <typename Body>
    http::Handler module_route(Body body) {
        return route(std::move(body), true);
    }
    /// A configuration-module route (hubclientinfo): like module_route, but routing headers are neither required
    /// nor sent back (OCPI 2.2 §4.1.1: configuration modules carry none).
    template <typename Body>
    http::Handler config_route(Body body) {
        return route(std::move(body), false);
    }
    /// What both kinds of route do: authenticate, run `body` with SCPI errors as envelopes, echo the ids (and the
    /// routing headers, swapped, for functional modules), sign.
    template <typename Body>
    http::Handler route(Body body, bool routing) {
        return [this, body, routing](http::Request& req) -> boost::asio::awaitable<http::Response> {
            authenticate(req);
            http::Response res;
            try {
                check_signature(req, routing);
                if (owes_before(req)) {
                    co_await catch_up();
                }
                if (req.method != http::Method::get) {
                    join_write_group();
                }
                res = body(req);
            } catch (const scpi::Error& e) {
                res = service::error(e.status_code(), e.http_status(), e.what(), clock_);
            } catch (const scpi::ParseError& e) {
                res = service::error(2001, 400, e.what(), clock_);
            }
            service::echo_headers(req, res, routing);
            sign(req, res);
            co_return res;
        };
    }
    /// The writes of the requests served within kWriteGroupDelay are committed together: the first of them opens a
    /// transaction (what they write in transactions of their own becomes savepoints in it), committed by a timer.
    /// A request's writes reach the disk at most that long after its answer went out (its own connection reads
    /// them at once); a burst of writes costs one commit, and a page changed by many of them is written once.
    void join_write_group();
    static constexpr std::chrono::milliseconds kWriteGroupDelay{3};
    /// Commits the open group (at the end of the turn, and when the server stops).
    void commit_write_group();

    /// Whether the party owes the request work before it is served (checked once the caller is authenticated); the
    /// route then awaits catch_up() before its body runs and its writes join their group.
    virtual bool owes_before(const http::Request& request) const {
        (void)request;
        return false;
    }
    /// Does what owes_before() said is owed; other requests and deliveries may run while it waits.
    virtual boost::asio::awaitable<void> catch_up() { co_return; }

    /// The party's peer for pushes changed by the credentials module: registered (POST), updated (PUT), removed
    /// (DELETE, nullopt), or restored from the store when the server starts.
    virtual void on_bilateral_peer(std::optional<Peer> peer) { (void)peer; }

    /// Adds `scn_signature` to the envelope when the party has a signer and the request was signed or `signatures`
    /// is on.
    void sign(const http::Request& request, http::Response& response) const;
    /// Verifies the request's SCN-Signature, if it has one, against what was received (a node's rewrites included);
    /// with `signatures` on, a functional-module request without one is refused. Throws scpi::Error 2001 (HTTP 400)
    /// with the node's wording ("Missing SCN Signature", "Invalid signature: Request has been modified.").
    void check_signature(const http::Request& request, bool functional) const;

    /// Stores a ClientInfo as the HubClientInfo receiver does (`json` is the object as received), logs it and tells
    /// on_client_info().
    void apply_client_info(const scpi::ClientInfo& info, const std::string& json);
    /// Reads the node's HubClientInfo list (its SENDER interface at `url`, OCPI 2.2 §12.3.1) and applies every entry:
    /// the node only pushes changes, so parties that connected before this one are learned here. Returns how many
    /// entries were read; throws when the node cannot be read.
    boost::asio::awaitable<std::size_t> read_client_infos(http::Client& client, std::string url, std::string token);
    /// Called after a ClientInfo was stored; `before` is what was stored for that party until now.
    virtual void on_client_info(const scpi::ClientInfo& info, const std::optional<scpi::ClientInfo>& before) {
        (void)info;
        (void)before;
    }

    boost::asio::io_context& ioc_;
    std::string name_;
    config::PartyConfig config_;
    const scpi::Dialect& dialect_;
    PartyStore& store_;
    core::Logger log_;
    const core::Clock& clock_;
    /// Objects received from other parties: client infos here, locations and tariffs for the MSP.
    ReceivedStore received_;
    /// False once the party is gone: coroutines that outlive it check it after every wait.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

private:
    bool write_group_open_ = false;
    void add_common_routes(http::Router& router);
    /// In OCPI mode: the server's hooks that translate requests into SCPI terms and responses back.
    void translate_at_the_edges(http::ServerHooks& hooks) const;
    void add_hubclientinfo_routes(http::Router& router);

    // The credentials module for a bilateral peer (party_credentials.cpp, OCPI 2.2 §7).
    /// Who called the credentials module.
    enum class Caller {
        offline,    ///< the offline token as TOKEN_A, before a bilateral registration
        bilateral,  ///< the registered peer's TOKEN_C
        other,      ///< a node's token
    };
    /// Classifies the caller; throws scpi::Error (401) for unknown tokens and for TOKEN_A after registration.
    [[nodiscard]] std::pair<Caller, std::string> caller_of(const http::Request& request) const;
    void add_credentials_routes(http::Router& router);
    /// Answers GET, POST, PUT and DELETE on the credentials module with an envelope, errors included.
    boost::asio::awaitable<http::Response> credentials(const http::Request& request, http::Method method);
    boost::asio::awaitable<http::Response> register_peer(const http::Request& request, bool update);
    http::Response unregister_peer(const http::Request& request);
    http::Response own_credentials(const std::string& token) const;
    /// Reads the peer's versions and 2.2 details with its TOKEN_B; throws scpi::Error 3001 / 3002.
    boost::asio::awaitable<std::vector<scpi::Endpoint>> read_peer_endpoints(std::string versions_url,
                                                                            std::string token_b);
    void load_bilateral();
    void save_bilateral();

    std::string offline_;  ///< TOKEN_A of bilateral registrations
    std::optional<BilateralConnection> bilateral_;
    bool handshake_running_ = false;
    std::unique_ptr<http::Client> credentials_client_;
    std::vector<std::string> accepted_;
    std::optional<eth::PrivateKey> signer_;
    std::unique_ptr<Interceptor> interceptor_;
    console::Console* console_ = nullptr;
    std::unique_ptr<http::Server> server_;
};

}  // namespace scn::party
