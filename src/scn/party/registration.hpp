#pragma once

#include <scn/http/client.hpp>
#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/registry/types.hpp>

#include <functional>
#include <optional>
#include <string>

namespace scn::party {

/// A party's connection to its node, as kept in its store after the credentials handshake.
struct NodeConnection {
    std::string node_url;
    std::string token_c;  ///< the party calls the node with it
    std::string token_b;  ///< the node calls the party with it
    [[nodiscard]] Peer peer() const { return {token_c, node_url + "/scpi/versions"}; }
};

/// The stored connection, if the party has registered with a node before.
[[nodiscard]] std::optional<NodeConnection> stored_connection(PartyStore& store);

/// How registration lists the party in the registry when it is not listed under the node yet.
struct RegistryAccess {
    /// The party's current listing (nullopt: not listed).
    std::function<std::optional<registry::PartyListing>(const std::string& cc, const std::string& pid)> lookup;
    /// Lists the party (signed with SIGNER_KEY); throws with a message saying what is missing or wrong.
    std::function<void(const config::RoleConfig& role, const std::string& operator_address)> list;
};

/// Registers `party` with the node at `node_url`: reads the node's identity (`/scn/registry/node-info`), lists every
/// role that is not yet listed under that node, then runs the credentials handshake with `token_a` while the party's
/// own versions endpoints are served (the node calls back during the POST). Stores and returns the connection.
/// Throws std::runtime_error saying what failed and what to do.
boost::asio::awaitable<NodeConnection> register_with_node(PartyServer& party, PartyStore& store, http::Client& client,
                                                          std::string node_url, std::string token_a,
                                                          RegistryAccess registry, core::Logger log);

}  // namespace scn::party
