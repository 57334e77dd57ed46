// The node as a hub and its admin API: requests addressed to the node itself (broadcast pushes, lists of every
// party), the node-wide signature requirement, and the connection status of a party.
#include <scn/eth/notary.hpp>
#include <scn/node/node_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include "local_network.hpp"
#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;
using test::LocalNetwork;

namespace {

/// A call through the node from `from` (CPO or MSP) to `to`.
service::Reply call(LocalNetwork& net, const std::string& from, const std::string& to, http::Method method,
                    const std::string& path, std::optional<std::string> body = std::nullopt,
                    std::optional<std::string> signature = std::nullopt) {
    service::Call c;
    c.method = method;
    c.url = path.starts_with("http") ? path : net.node->url() + path;
    c.token = from == "CPO" ? net.cpo_connection.token_c : net.msp_connection.token_c;
    c.routing = scpi::RoutingHeaders{"CH", from, "CH", to};
    c.correlation_id = "c-hub";
    c.body = std::move(body);
    if (signature) {
        c.headers.add("SCN-Signature", *signature);
    }
    return net.io.await(service::call(*net.client, c));
}

/// GET on the node's admin API with `key` (none: no Authorization header).
http::ClientResponse admin_get(LocalNetwork& net, const std::string& path, std::optional<std::string> key) {
    http::ClientRequest req;
    req.url = net.node->url() + path;
    if (key) {
        req.headers.add("Authorization", "Token " + *key);
    }
    return net.io.await(net.client->send(std::move(req)));
}

}  // namespace

TEST(NodeAdmin, ConnectionStatusOfAParty) {
    LocalNetwork net;
    auto res = admin_get(net, "/admin/connection-status/CH/CPO", "randomkey");
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, "CONNECTED");
    EXPECT_EQ(admin_get(net, "/admin/connection-status/ch/msp", "randomkey").body, "CONNECTED")
        << "roles are looked up case-insensitively";
    res = admin_get(net, "/admin/connection-status/DE/XYZ", "randomkey");
    EXPECT_EQ(res.status, 404u);
    EXPECT_EQ(res.body, "Role not found");
    res = admin_get(net, "/admin/connection-status/CH/CPO", "wrong");
    EXPECT_EQ(res.status, 401u);
    EXPECT_EQ(res.body, "Unauthorized");
    res = admin_get(net, "/admin/connection-status/CH/CPO", std::nullopt);
    EXPECT_EQ(res.status, 400u);
    const auto envelope = json::parse(res.body);
    EXPECT_EQ(envelope.at("status_code"), 2001);
    EXPECT_TRUE(envelope.as_object().contains("scn_signature")) << "the node signs its own errors";
}

TEST(NodeHub, AListAddressedToTheHubMergesEveryPartysObjects) {
    LocalNetwork net;
    auto page = call(net, "MSP", "SCN", http::Method::get, "/scpi/sender/2.2/locations?limit=4");
    ASSERT_TRUE(page.ok()) << page.describe();
    ASSERT_EQ(page.data.as_array().size(), 4u);
    EXPECT_EQ(page.data.as_array()[0].at("id"), "Loc1");
    EXPECT_EQ(page.headers.get("X-Total-Count"), "10") << "the CPO's ten locations";
    EXPECT_EQ(page.headers.get("SCPI-From-Party-Id"), "SCN") << "the hub answers itself";
    EXPECT_EQ(page.headers.get("SCPI-To-Party-Id"), "MSP");
    const auto link = page.headers.get("Link");
    ASSERT_TRUE(link);
    const std::string next(link->substr(1, link->find('>') - 1));
    EXPECT_TRUE(next.starts_with(net.node->url() + "/scpi/sender/2.2/locations?")) << next;
    const auto second = call(net, "MSP", "SCN", http::Method::get, next);
    ASSERT_TRUE(second.ok()) << second.describe();
    EXPECT_EQ(second.data.as_array()[0].at("id"), "Loc5");
    // Anything else addressed to the hub is answered as the reference node answers an unknown recipient.
    const auto single = call(net, "MSP", "SCN", http::Method::get, "/scpi/sender/2.2/locations/Loc1");
    EXPECT_EQ(single.status_code, 4001);
    EXPECT_EQ(single.status_message, "Receiver not registered on Smart Charging Network");
}

TEST(NodeHub, ABroadcastPushReachesEveryPartyOfTheRolesItIsFor) {
    LocalNetwork net;
    // The CPO's own location, pushed to the hub instead of to one eMSP.
    const auto own = call(net, "MSP", "CPO", http::Method::get, "/scpi/sender/2.2/locations/Loc2");
    ASSERT_TRUE(own.ok()) << own.describe();
    auto location = own.data.as_object();
    location["name"] = "Broadcast to every eMSP";
    const auto pushed = call(net, "CPO", "SCN", http::Method::put, "/scpi/receiver/2.2/locations/CH/CPO/Loc2",
                             json::serialize(location));
    ASSERT_TRUE(pushed.ok()) << pushed.describe();
    EXPECT_EQ(pushed.headers.get("SCPI-From-Party-Id"), "SCN");
    EXPECT_TRUE(net.msp_log->wait_for("Location CH/CPO/Loc2", 10s)) << "the eMSP received it";
    EXPECT_TRUE(
        net.node_log->wait_for("broadcast PUT /scpi/receiver/2.2/locations/CH/CPO/Loc2 from CH/CPO to 1 parties", 5s));
    // Sessions are not for broadcasting (OCPI 2.2, "Message Routing"): unknown recipient.
    const auto session = call(net, "CPO", "SCN", http::Method::put, "/scpi/receiver/2.2/sessions/CH/CPO/S1", "{}");
    EXPECT_EQ(session.status_code, 4001);
}

TEST(NodeSignatures, TheNodeWideSettingRequiresSignedRequests) {
    LocalNetwork net(10s, {}, [](config::NodeConfig& nc) { nc.signatures = true; });
    const auto unsigned_request = call(net, "MSP", "CPO", http::Method::get, "/scpi/sender/2.2/locations/Loc1");
    EXPECT_EQ(unsigned_request.http_status, 400u);
    EXPECT_EQ(unsigned_request.status_message, "Missing SCN Signature");
    json::object headers{{"x-correlation-id", "c-hub"},
                         {"scpi-from-country-code", "CH"},
                         {"scpi-from-party-id", "MSP"},
                         {"scpi-to-country-code", "CH"},
                         {"scpi-to-party-id", "CPO"}};
    const json::value values{{"headers", headers}, {"params", json::object()}, {"body", nullptr}};
    const auto signature = eth::notary::serialize(eth::notary::sign(values, net.signers.at("MSP")));
    const auto signed_request =
        call(net, "MSP", "CPO", http::Method::get, "/scpi/sender/2.2/locations/Loc1", std::nullopt, signature);
    ASSERT_TRUE(signed_request.ok()) << signed_request.describe();
    EXPECT_EQ(service::answer_signature_problem(signed_request.body, signed_request.headers), std::nullopt);
    // New platforms start with the node's requirement as their own rule.
    service::Call rules;
    rules.url = net.node->url() + "/scpi/receiver/2.2/scnrules";
    rules.token = net.cpo_connection.token_c;
    const auto r = net.io.await(service::call(*net.client, rules));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("signatures"), true);
}
