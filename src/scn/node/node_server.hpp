#pragma once

#include <scn/config/config.hpp>
#include <scn/console/console.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/node/node_context.hpp>
#include <scn/node/node_store.hpp>
#include <scn/node/routed_request.hpp>
#include <scn/registry/registry.hpp>
#include <scn/scpi/hubclientinfo.hpp>

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <optional>

namespace scn::node {

class Forwarder;
class Hub;
class ProxyUrls;
class Routing;
class Signing;

/// A local SCN node: the admin API, registry look-ups, versions and the credentials handshake, the ScnRules and
/// HubClientInfo modules, and the routing of SCPI module requests between the parties connected to it (routing.hpp)
/// with the reference node's checks, error texts and proxied URLs. One error boundary answers every failure with
/// an SCPI envelope signed by the node's wallet.
class NodeServer {
public:
    NodeServer(boost::asio::io_context& ioc, config::NodeConfig config, NodeStore& store, registry::Registry& registry,
               eth::PrivateKey wallet, core::Logger log, const core::Clock& clock = core::system_clock());
    ~NodeServer();

    std::uint16_t start();
    void stop();
    [[nodiscard]] std::string url() const;
    [[nodiscard]] eth::Address address() const { return wallet_.address(); }

private:
    void add_admin_routes(http::Router& router);
    void add_credentials_routes(http::Router& router);
    void add_rules_routes(http::Router& router);
    void add_hubclientinfo_routes(http::Router& router);
    /// The server hooks: SCPI envelopes for every failure, the node's own error envelopes signed.
    [[nodiscard]] http::ServerHooks hooks() const;
    /// Tells the other connected parties with a hubclientinfo receiver that `platform`'s roles are now `status`.
    void broadcast(std::int64_t platform, scpi::ConnectionStatus status);
    /// Pushes one ClientInfo to every connected party with a hubclientinfo receiver (except `except`) whose rules
    /// allow the party it is about. Fire and forget.
    void broadcast_info(const scpi::ClientInfo& info, std::optional<std::int64_t> except);
    /// Sends a change of one of this node's parties to every other node (`PUT /scn/client-info`).
    void tell_other_nodes(const scpi::ClientInfo& info);
    /// `PUT /scn/client-info`: another node's party changed; checked against the party's operator, then pushed.
    void add_client_info_route(http::Router& router);
    /// The still-alive check and the planned-party search, on their intervals until stop().
    void start_tasks();
    boost::asio::awaitable<void> still_alive_round();
    boost::asio::awaitable<void> planned_party_round();
    /// The console's parties view: each role of each platform, its status and its registry listing.
    boost::asio::awaitable<boost::json::value> console_parties();

    boost::asio::io_context& ioc_;
    config::NodeConfig config_;
    NodeStore& store_;
    registry::Registry& registry_;
    eth::PrivateKey wallet_;
    core::Logger log_;
    const core::Clock& clock_;
    http::Client client_;
    /// For pushes and still-alive calls, which may outlive a request: shared with the coroutines that use it.
    std::shared_ptr<http::Client> background_client_;
    NodeContext context_;
    std::unique_ptr<Signing> signing_;
    std::unique_ptr<ProxyUrls> proxies_;
    std::unique_ptr<Forwarder> forwarder_;
    std::unique_ptr<Hub> hub_;
    std::unique_ptr<Routing> routing_;
    std::unique_ptr<console::Console> console_;  ///< null when `console_buffer` is 0
    std::unique_ptr<http::Server> server_;
    /// Cleared by stop(); the periodic tasks hold a copy and end when it is cleared.
    std::shared_ptr<bool> running_ = std::make_shared<bool>(false);
    std::map<std::string, scpi::ClientInfo> remote_clients_;  ///< learned from other nodes, by "CC/PID/ROLE"
    std::map<std::string, scpi::ClientInfo> planned_;         ///< found by the planned-party search, by "CC/PID/ROLE"
};

}  // namespace scn::node
