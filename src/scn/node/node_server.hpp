#pragma once

#include <scn/config/config.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/node/node_store.hpp>
#include <scn/registry/registry.hpp>
#include <scn/scpi/hubclientinfo.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace scn::node {

/// A local SCN node: the admin API, registry look-ups, versions and the credentials handshake, and the routing of
/// SCPI module requests between the parties connected to it, with the reference node's header checks, error texts,
/// and proxied pagination links, CDR locations and command response URLs.
/// The token an SCN node reads from a request: what follows `Token ` in Authorization, never Base64-decoded (as
/// the reference node does); empty for a missing header or another scheme.
[[nodiscard]] std::string token_of(const http::Request& request);

class NodeServer {
public:
    NodeServer(boost::asio::io_context& ioc, config::NodeConfig config, NodeStore& store, registry::Registry& registry,
               eth::PrivateKey wallet, core::Logger log, const core::Clock& clock = core::system_clock());
    ~NodeServer();

    std::uint16_t start();
    /// An error envelope of the node itself, signed with its wallet (`scn_signature`, §6.1).
    [[nodiscard]] http::Response error(int status_code, unsigned http_status, std::string_view message) const;
    void stop();
    [[nodiscard]] std::string url() const;
    [[nodiscard]] eth::Address address() const { return wallet_.address(); }

private:
    void add_admin_routes(http::Router& router);
    void add_credentials_routes(http::Router& router);
    void add_rules_routes(http::Router& router);
    void add_hubclientinfo_routes(http::Router& router);
    /// Tells the other connected parties with a hubclientinfo receiver that `platform`'s roles are now `status`.
    void broadcast(std::int64_t platform, const std::string& status);
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
    std::unique_ptr<http::Server> server_;
    /// Cleared by stop(); the periodic tasks hold a copy and end when it is cleared.
    std::shared_ptr<bool> running_ = std::make_shared<bool>(false);
    std::map<std::string, scpi::ClientInfo> remote_clients_;  ///< learned from other nodes, by "CC/PID/ROLE"
    std::map<std::string, scpi::ClientInfo> planned_;         ///< found by the planned-party search, by "CC/PID/ROLE"

    struct Routing;  // the module routes (node_routing.cpp)
    std::unique_ptr<Routing> routing_;
};

}  // namespace scn::node
