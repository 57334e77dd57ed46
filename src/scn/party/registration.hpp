#pragma once

#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/registry/registry.hpp>

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

/// The key the party was listed with (kept at registration), to sign answers to signed requests.
[[nodiscard]] std::optional<eth::PrivateKey> stored_signer(PartyStore& store);

/// The stored connection, if the party has registered with a node before.
[[nodiscard]] std::optional<NodeConnection> stored_connection(PartyStore& store);

/// Whether the node still accepts a stored connection.
enum class ConnectionState { accepted, refused, unreachable };

/// Asks the node for its versions with the stored TOKEN_C.
boost::asio::awaitable<ConnectionState> check_connection(http::Client& client, NodeConnection connection);

/// The keys that list the party when it is not listed under the node yet: the signer is the party's own address
/// (SIGNER_KEY); a spender (SPENDER_KEY) pays for the signed listing so that the signer needs no funds.
struct ListingKeys {
    std::optional<eth::PrivateKey> signer;
    std::optional<eth::PrivateKey> spender;
};

/// The tokens of a credentials handshake the party initiated.
struct Handshake {
    std::string token_c;  ///< the party calls the peer with it
    std::string token_b;  ///< the peer calls the party with it
};

/// The credentials handshake of OCPI 2.2 §7.4.1 as its initiator: reads the versions at `versions_url` and the 2.2
/// version details with TOKEN_A, accepts a fresh TOKEN_B on `party` (the peer calls back with it during the POST),
/// POSTs the party's credentials and returns the peer's TOKEN_C. Throws std::runtime_error saying what was refused.
boost::asio::awaitable<Handshake> credentials_handshake(PartyServer& party, http::Client& client,
                                                        std::string versions_url, std::string token_a);

/// A bilateral registration with the peer at `versions_url` (config `peer.token_a`): the handshake, its tokens kept in
/// the store. Returns where the party's requests go from now on (TOKEN_C).
boost::asio::awaitable<Peer> register_with_peer(PartyServer& party, PartyStore& store, http::Client& client,
                                                std::string versions_url, std::string token_a);
/// The peer a party calls directly, without a node, as kept in its store: the one it registered with (config
/// `peer.token_a`), else the one that registered with it by the credentials module.
[[nodiscard]] std::optional<Peer> stored_direct_peer(PartyStore& store);
/// The stored bilateral registration with the peer at `versions_url`, if there is one; its TOKEN_B is accepted again.
[[nodiscard]] std::optional<Peer> stored_peer_registration(PartyServer& party, PartyStore& store,
                                                           const std::string& versions_url);

/// Registers `party` with the node at `node_url`: reads the node's identity (`/scn/registry/node-info`), checks
/// that TOKEN_A is there before anything is sent, lists the party's roles in the registry if they are not listed
/// under that node (one listing per country code / party id, with all its roles), then runs the credentials
/// handshake with `token_a` while the party's own versions endpoints are served (the node calls back during the
/// POST). Stores and returns the connection. Throws std::runtime_error saying what failed and what to do.
boost::asio::awaitable<NodeConnection> register_with_node(PartyServer& party, PartyStore& store, http::Client& client,
                                                          std::string node_url, std::string token_a,
                                                          registry::Registry& registry, ListingKeys keys,
                                                          core::Logger log);

}  // namespace scn::party
