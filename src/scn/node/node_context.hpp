#pragma once

// What the parts of a node share: its configuration, store, registry, wallet, clients, log and public URL.

#include <scn/config/config.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/node/node_store.hpp>
#include <scn/registry/registry.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace scn::node {

/// The node's own identity as a hub: the role it reports in its credentials (OCPI 2.2 §7, role HUB). Requests
/// addressed to it are the hub's to answer (broadcast pushes, lists of every party).
inline const PartyRef kHubParty{"CH", "SCN"};

struct NodeContext {
    boost::asio::io_context& ioc;
    const config::NodeConfig& config;
    NodeStore& store;
    registry::Registry& registry;
    const eth::PrivateKey& wallet;
    core::Logger log;
    const core::Clock& clock;
    /// Forwarded requests: many pooled connections per party.
    http::Client& client;
    /// Pushes and probes that may outlive a request: shared with the coroutines that use it.
    std::shared_ptr<http::Client> background_client;
    /// The URL the node hands out (its public URL, or the address it listens on); set once it listens.
    std::string url;
};

}  // namespace scn::node
