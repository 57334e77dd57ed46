#include <scn/core/random.hpp>
#include <scn/party/registration.hpp>
#include <scn/scpi/credentials.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

namespace scn::party {
namespace json = boost::json;

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
        throw std::runtime_error("the node refused " + what + ": " + reply.describe());
    }
    return reply;
}

}  // namespace

boost::asio::awaitable<NodeConnection> register_with_node(PartyServer& party, PartyStore& store, http::Client& client,
                                                          std::string node_url, std::string token_a,
                                                          RegistryAccess registry, core::Logger log) {
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

    // 2. The registry listing of every role, under this node.
    for (const auto& role : party.config().roles) {
        const auto listing = registry.lookup(role.country_code, role.party_id);
        if (listing && listing->operator_address == operator_address && listing->node_url == node_public_url) {
            continue;
        }
        log.info("Listing " + role.country_code + "/" + role.party_id + " in the SCN Registry under " +
                 node_public_url + "...");
        registry.list(role, operator_address);
    }

    // 3. The credentials handshake.
    if (token_a.empty()) {
        throw std::runtime_error(
            "not connected to the node yet: set TOKEN_A (ask the node operator, or with the admin key: curl -XPOST " +
            node_url + "/admin/generate-registration-token -H 'Authorization: Token <api key>' -d '[]')");
    }
    service::Call call;
    call.url = node_url + "/scpi/versions";
    call.token = token_a;
    const auto versions = checked(co_await service::call(client, call), "TOKEN_A at " + call.url);
    std::string details_url;
    for (const auto& v : versions.data.as_array()) {
        const auto version = scpi::from_json<scpi::Version>(v);
        if (version.version == scpi::kVersion) {
            details_url = version.url;
        }
    }
    if (details_url.empty()) {
        throw std::runtime_error("the node offers no SCPI version 2.2");
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
    const std::string token_b = core::random_uuid();
    party.accept_token(token_b);  // the node calls back with it during the POST
    scpi::Credentials mine;
    mine.token = token_b;
    mine.url = party.versions_url();
    mine.roles = party.credentials_roles();
    call.method = http::Method::post;
    call.url = credentials_url;
    call.body = scpi::to_text(mine);
    const auto reply = checked(co_await service::call(client, call), "the credentials");
    const auto theirs = scpi::from_json<scpi::Credentials>(reply.data);
    NodeConnection connection{node_url, theirs.token, token_b};
    store.set_setting("node_url", connection.node_url);
    store.set_setting("token_c", connection.token_c);
    store.set_setting("token_b", connection.token_b);
    co_return connection;
}

}  // namespace scn::party
