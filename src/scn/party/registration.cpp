#include <scn/core/random.hpp>
#include <scn/party/registration.hpp>
#include <scn/scpi/credentials.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::party {
namespace json = boost::json;

std::optional<eth::PrivateKey> stored_signer(PartyStore& store) {
    const auto key = store.setting("signer_key");
    if (!key) {
        return std::nullopt;
    }
    try {
        return eth::PrivateKey::parse(*key);
    } catch (const eth::EthError&) {
        return std::nullopt;
    }
}

std::optional<NodeConnection> stored_connection(PartyStore& store) {
    auto url = store.setting("node_url");
    auto c = store.setting("token_c");
    auto b = store.setting("token_b");
    if (!url || !c || !b) {
        return std::nullopt;
    }
    return NodeConnection{*url, *c, *b};
}

namespace {

service::Reply checked(const service::Reply& reply, const std::string& what) {
    if (!reply.ok()) {
        throw std::runtime_error("refused " + what + ": " + reply.describe());
    }
    return reply;
}

struct Identity {
    std::string country_code;
    std::string party_id;
    std::vector<registry::Role> roles;
};

/// The party's roles grouped by country code / party id (the registry lists an identity with all its roles).
std::vector<Identity> identities(const std::vector<config::RoleConfig>& roles) {
    std::vector<Identity> out;
    for (const auto& r : roles) {
        const auto role = registry::role_from_string(r.role);
        if (!role) {
            throw std::runtime_error("unknown role " + r.role + " for " + r.country_code + "/" + r.party_id);
        }
        auto it = std::find_if(out.begin(), out.end(), [&](const Identity& i) {
            return i.country_code == r.country_code && i.party_id == r.party_id;
        });
        if (it == out.end()) {
            out.push_back({r.country_code, r.party_id, {}});
            it = out.end() - 1;
        }
        it->roles.push_back(*role);
    }
    return out;
}

}  // namespace

boost::asio::awaitable<ConnectionState> check_connection(http::Client& client, NodeConnection connection) {
    service::Call call;
    call.url = connection.node_url + "/scpi/versions";
    call.token = connection.token_c;
    try {
        const auto reply = co_await service::call(client, call);
        co_return reply.ok() ? ConnectionState::accepted : ConnectionState::refused;
    } catch (const std::exception&) {
        co_return ConnectionState::unreachable;
    }
}

boost::asio::awaitable<Handshake> credentials_handshake(PartyServer& party, http::Client& client,
                                                        std::string versions_url, std::string token_a) {
    service::Call call;
    call.url = versions_url;
    call.token = token_a;
    call.dialect = &party.dialect();
    const auto wanted = party.dialect().version;
    const auto versions = checked(co_await service::call(client, call), "TOKEN_A at " + call.url);
    std::string details_url;
    if (versions.data.is_array()) {
        for (const auto& v : versions.data.get_array()) {
            const auto version = scpi::from_json<scpi::Version>(v);
            if (version.version == wanted) {
                details_url = version.url;
            }
        }
    }
    if (details_url.empty()) {
        throw std::runtime_error(versions_url + " offers no version " + std::string(wanted));
    }
    call.url = details_url;
    const auto details = scpi::from_json<scpi::VersionDetails>(
        checked(co_await service::call(client, call), "the version details").data);
    std::string credentials_url;
    for (const auto& e : details.endpoints) {
        if (e.identifier == "credentials") {
            credentials_url = e.url;
        }
    }
    if (credentials_url.empty()) {
        throw std::runtime_error("the version details at " + details_url + " have no credentials module");
    }
    const std::string token_b = core::random_uuid();
    party.accept_token(token_b);  // the peer calls back with it during the POST
    scpi::Credentials mine;
    mine.token = token_b;
    mine.url = party.versions_url();
    mine.roles = party.credentials_roles();
    call.method = http::Method::post;
    call.url = credentials_url;
    call.body = scpi::to_text(mine);
    const auto reply = checked(co_await service::call(client, call), "the credentials");
    const auto theirs = scpi::from_json<scpi::Credentials>(reply.data);
    co_return Handshake{theirs.token, token_b};
}

std::optional<Peer> stored_direct_peer(PartyStore& store) {
    const auto url = store.setting("peer_versions_url");
    const auto c = store.setting("peer_token_c");
    if (url && c) {
        return Peer{*c, *url};
    }
    if (const auto bilateral = PartyServer::stored_bilateral(store)) {
        return bilateral->peer();
    }
    return std::nullopt;
}

std::optional<Peer> stored_peer_registration(PartyServer& party, PartyStore& store, const std::string& versions_url) {
    const auto url = store.setting("peer_versions_url");
    const auto c = store.setting("peer_token_c");
    const auto b = store.setting("peer_token_b");
    if (!url || *url != versions_url || !c || !b) {
        return std::nullopt;
    }
    party.accept_token(*b);
    return Peer{*c, *url};
}

boost::asio::awaitable<Peer> register_with_peer(PartyServer& party, PartyStore& store, http::Client& client,
                                                std::string versions_url, std::string token_a) {
    const auto done = co_await credentials_handshake(party, client, versions_url, token_a);
    store.set_setting("peer_versions_url", versions_url);
    store.set_setting("peer_token_c", done.token_c);
    store.set_setting("peer_token_b", done.token_b);
    co_return Peer{done.token_c, versions_url};
}

boost::asio::awaitable<NodeConnection> register_with_node(PartyServer& party, PartyStore& store, http::Client& client,
                                                          std::string node_url, std::string token_a,
                                                          registry::Registry& registry, ListingKeys keys,
                                                          core::Logger log) {
    // 1. Who the node is.
    http::ClientResponse info;
    // A named request: GCC 12 mishandles non-trivial temporaries inside co_await expressions.
    http::ClientRequest info_request{http::Method::get, node_url + "/scn/registry/node-info", {}, {}};
    try {
        info = co_await client.send(std::move(info_request));
    } catch (const http::ClientError& e) {
        throw std::runtime_error("the node at " + node_url + " is not reachable (" + e.what() +
                                 "); check scn.node in the configuration");
    }
    const auto node = json::parse(info.body).as_object();
    const std::string operator_address(node.at("address").as_string());
    const std::string node_public_url(node.at("url").as_string());

    // 2. Which listings are missing: one per country code / party id, with every role it plays.
    std::vector<Identity> missing;
    for (const auto& id : identities(party.config().roles)) {
        const auto listing = co_await registry.party(id.country_code, id.party_id);
        if (listing && listing->operator_address == operator_address && listing->node_url == node_public_url &&
            std::is_permutation(listing->roles.begin(), listing->roles.end(), id.roles.begin(), id.roles.end())) {
            continue;
        }
        missing.push_back(id);
    }
    // Everything a run needs is checked before a transaction is sent.
    if (token_a.empty()) {
        throw std::runtime_error(
            "not connected to the node yet: set TOKEN_A (ask the node operator, or with the admin key: curl -XPOST " +
            node_url + "/admin/generate-registration-token -H 'Authorization: Token <api key>' -d '[]')");
    }
    if (!missing.empty() && !keys.signer) {
        const auto& id = missing.front();
        throw std::runtime_error(id.country_code + "/" + id.party_id + " is not listed in the SCN Registry (" +
                                 registry.describe() + ") under the node " + node_public_url +
                                 ": set SIGNER_KEY to the private key that signs the listing (and SPENDER_KEY to "
                                 "a funded key that pays for it, if the signer has no funds)");
    }
    if (missing.size() > 1) {
        throw std::runtime_error("one SIGNER_KEY lists one country code / party id, but this party has " +
                                 std::to_string(missing.size()) + " to list: register them one at a time");
    }
    if (keys.signer) {
        // Kept (in the party's own database, never logged) to sign answers to signed requests later.
        store.set_setting("signer_key", keys.signer->to_hex_secret());
    }
    const eth::Address operator_checked = eth::Address::parse(operator_address);
    for (const auto& id : missing) {
        log.info("Listing " + id.country_code + "/" + id.party_id + " in the " + registry.describe() + " under " +
                 node_public_url + "...");
        const registry::Signers who{*keys.signer, keys.spender ? &*keys.spender : nullptr};
        co_await registry.set_party(who, id.country_code, id.party_id, id.roles, operator_checked);
        log.info("Listed " + id.country_code + "/" + id.party_id + " as " + keys.signer->address().checksummed());
    }

    // 3. The credentials handshake.
    const auto done = co_await credentials_handshake(party, client, node_url + "/scpi/versions", token_a);
    NodeConnection connection{node_url, done.token_c, done.token_b};
    store.set_setting("node_url", connection.node_url);
    store.set_setting("token_c", connection.token_c);
    store.set_setting("token_b", connection.token_b);
    co_return connection;
}

}  // namespace scn::party
