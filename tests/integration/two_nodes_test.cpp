// Two local nodes sharing one registry: the CPO is connected to node A, the MSP to node B, and every request between
// them travels MSP → B → A → CPO (and back) over `/scn/message`, signed with the sending node's wallet.
#include <scn/node/node_server.hpp>
#include <scn/node/scn_message.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct TwoNodes {
    test::IoThread io;
    std::filesystem::path dir;
    std::shared_ptr<core::CaptureSink> node_a_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> node_b_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> cpo_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> msp_log = std::make_shared<core::CaptureSink>();
    std::unique_ptr<registry::EmbeddedBackend> registry;
    std::unique_ptr<node::NodeStore> store_a, store_b;
    std::unique_ptr<node::NodeServer> node_a, node_b;
    std::unique_ptr<party::PartyStore> cpo_store, msp_store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<http::Client> client;
    eth::PrivateKey key_a = eth::PrivateKey::generate();
    eth::PrivateKey key_b = eth::PrivateKey::generate();
    party::NodeConnection cpo_connection, msp_connection;

    TwoNodes() : dir(std::filesystem::temp_directory_path() / ("scn-two-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        registry = std::make_unique<registry::EmbeddedBackend>(dir / "registry.db");
        store_a = std::make_unique<node::NodeStore>(dir / "a.db", core::system_clock());
        store_b = std::make_unique<node::NodeStore>(dir / "b.db", core::system_clock());
        cpo_store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        msp_store = std::make_unique<party::PartyStore>(dir / "msp.db", core::system_clock());
        io.run([&] {
            config::NodeConfig nc;
            nc.port = 0;
            nc.public_url.clear();
            nc.api_key = "randomkey";
            nc.forward_timeout = 10s;
            node_a = std::make_unique<node::NodeServer>(io.ioc(), nc, *store_a, *registry, key_a,
                                                        core::Logger("node-a", node_a_log));
            node_b = std::make_unique<node::NodeServer>(io.ioc(), nc, *store_b, *registry, key_b,
                                                        core::Logger("node-b", node_b_log));
            node_a->start();
            node_b->start();
            registry->registry().set_node(key_a, node_a->url());
            registry->registry().set_node(key_b, node_b->url());
            cpo = std::make_unique<party::Cpo>(io.ioc(), test::local_party_config(true), *cpo_store,
                                               core::Logger("cpo", cpo_log));
            cpo->start_all();
            msp = std::make_unique<party::Msp>(io.ioc(), test::local_party_config(false), *msp_store,
                                               core::Logger("msp", msp_log));
            msp->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
        cpo_connection = join(*cpo, *cpo_store, *node_a, *store_a);
        msp_connection = join(*msp, *msp_store, *node_b, *store_b);
        io.run([&] {
            cpo->set_peer(cpo_connection.peer());
            return 0;
        });
    }

    party::NodeConnection join(party::PartyServer& p, party::PartyStore& store, node::NodeServer& n,
                               node::NodeStore& ns) {
        party::ListingKeys keys{eth::PrivateKey::generate(), std::nullopt};
        return io.await(party::register_with_node(p, store, *client, n.url(), ns.create_planned_platform(), *registry,
                                                  keys, core::Logger("reg", node_a_log)));
    }

    ~TwoNodes() {
        io.run([&] {
            cpo->stop_all();
            msp->stop_all();
            node_a->stop();
            node_b->stop();
            return 0;
        });
        io.stop();  // nothing may run on the objects destroyed next
        std::filesystem::remove_all(dir);
    }

    /// The MSP calls its node (B), addressed to CH/CPO (on A).
    service::Reply msp_to_cpo(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = path.starts_with("http") ? path : node_b->url() + path;
        c.token = msp_connection.token_c;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
};

}  // namespace

TEST(TwoNodes, CpoOnOneNodeAndMspOnAnotherTalkEndToEnd) {
    TwoNodes net;
    EXPECT_NE(net.cpo_connection.node_url, net.msp_connection.node_url);

    // GET locations with a followed Link page: the Link points at the MSP's own node.
    auto page = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations?limit=4");
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.data.as_array().size(), 4u);
    EXPECT_EQ(page.headers.get("X-Total-Count"), "10");
    const auto link = page.headers.get("Link");
    ASSERT_TRUE(link);
    ASSERT_TRUE(link->starts_with("<" + net.node_b->url() + "/scpi/sender/2.2/locations/page/")) << *link;
    const std::string next(link->substr(1, link->find('>') - 1));
    const auto second = net.msp_to_cpo(http::Method::get, next);
    ASSERT_TRUE(second.ok()) << second.describe();
    EXPECT_EQ(second.data.as_array()[0].at("id"), "Loc5");
    EXPECT_TRUE(net.node_b_log->contains("via " + net.node_a->url()));
    EXPECT_TRUE(net.node_a_log->contains("→ CH/CPO GET /scn/message"));

    const auto one = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc3");
    ASSERT_TRUE(one.ok()) << one.describe();
    EXPECT_EQ(one.data.at("id"), "Loc3");

    // START_SESSION: the result comes back through both nodes to the MSP's original response_url.
    const auto start = net.msp_to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                                      R"({"response_url":")" + net.msp->public_url() +
                                          R"(/scpi/sender/2.2/commands/START_SESSION/7","location_id":"Loc1",
                                          "evse_uid":"CH-CPO-S1E100001","token":)" +
                                          test::token_json("0") + "}");
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_EQ(start.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(net.msp_log->wait_for("async command result [START_SESSION 7]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s)) << "session pushes cross both nodes";
    std::string session_id;
    for (const auto& line : net.msp_log->lines()) {
        if (const auto p = line.find("Session "); p != std::string::npos && line.find(" ACTIVE") != std::string::npos) {
            session_id = line.substr(p + 8, 36);
        }
    }
    ASSERT_EQ(session_id.size(), 36u);

    // STOP_SESSION, the COMPLETED push and the CDR, whose Location the CPO receives as a link on its own node.
    const auto stop =
        net.msp_to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                       R"({"response_url":")" + net.msp->public_url() +
                           R"(/scpi/sender/2.2/commands/STOP_SESSION/8","session_id":")" + session_id + "\"}");
    ASSERT_TRUE(stop.ok()) << stop.describe();
    ASSERT_TRUE(net.msp_log->wait_for("async command result [STOP_SESSION 8]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" COMPLETED - ", 10s));
    ASSERT_TRUE(net.msp_log->wait_for("CDR ", 10s));
    ASSERT_TRUE(
        net.node_a_log->wait_for("→ CH/MSP POST /scpi/receiver/2.2/cdrs via " + net.node_b->url() + " 201 1000", 5s));

    // A CDR posted by the CPO: the MSP's Location comes back as a link on the CPO's node, usable by the CPO.
    std::ifstream in(std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo/cdrs.json");
    std::stringstream text;
    text << in.rdbuf();
    auto cdr = json::parse(text.str()).as_array().at(0).as_object();
    cdr["id"] = "CDR-TWO-NODES-1";
    service::Call c;
    c.method = http::Method::post;
    c.url = net.node_a->url() + "/scpi/receiver/2.2/cdrs";
    c.token = net.cpo_connection.token_c;
    c.routing = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};
    c.body = json::serialize(cdr);
    const auto posted = net.io.await(service::call(*net.client, c));
    ASSERT_TRUE(posted.ok()) << posted.describe();
    const auto location = posted.headers.get("Location");
    ASSERT_TRUE(location);
    ASSERT_TRUE(location->starts_with(net.node_a->url() + "/scpi/receiver/2.2/cdrs/")) << *location;
    c.method = http::Method::get;
    c.url = std::string(*location);
    c.body.reset();
    const auto fetched = net.io.await(service::call(*net.client, c));
    ASSERT_TRUE(fetched.ok()) << fetched.describe();
    EXPECT_EQ(fetched.data.at("id"), "CDR-TWO-NODES-1");
}

TEST(TwoNodes, MessagesMustBeSignedByTheSendersOperator) {
    TwoNodes net;
    node::ScnMessage m;
    m.module = "LOCATIONS";
    m.interface_role = scpi::InterfaceRole::SENDER;
    m.method = "GET";
    m.request_id = "1";
    m.correlation_id = "2";
    m.sender = {"CH", "MSP"};
    m.receiver = {"CH", "CPO"};
    const auto body = node::serialize(m);
    const auto post = [&](const std::string& signature, const std::string& text) {
        http::ClientRequest req{http::Method::post, net.node_a->url() + "/scn/message", {}, text};
        req.headers.add("X-Request-ID", "3");
        req.headers.add("SCN-Signature", signature);
        const auto res = http::send_blocking(req);
        return std::pair{res.status, json::parse(res.body)};
    };
    // Signed by B's wallet, the MSP's operator: delivered.
    auto [status, reply] = post(node::sign_message(body, net.key_b), body);
    EXPECT_EQ(status, 200u);
    EXPECT_EQ(reply.at("status_code"), 1000);
    EXPECT_EQ(reply.at("data").as_array().size(), 10u);
    // Signed by some other key: refused.
    std::tie(status, reply) = post(node::sign_message(body, eth::PrivateKey::generate()), body);
    EXPECT_EQ(reply.at("status_code"), 4003);
    EXPECT_EQ(reply.at("status_message"), "Could not verify SCN-Signature of request");
    // A body changed after signing: refused.
    auto changed = m;
    changed.url_path = "Loc2";
    std::tie(status, reply) = post(node::sign_message(body, net.key_b), node::serialize(changed));
    EXPECT_EQ(reply.at("status_code"), 4003);
    // A sender that is not in the registry.
    auto stranger = m;
    stranger.sender = {"DE", "XYZ"};
    const auto stranger_body = node::serialize(stranger);
    std::tie(status, reply) = post(node::sign_message(stranger_body, net.key_b), stranger_body);
    EXPECT_EQ(reply.at("status_code"), 4001);
    EXPECT_EQ(reply.at("status_message"), "Sending party not registered on Smart Charging Network");
    // A recipient that is not connected to this node.
    auto elsewhere = m;
    elsewhere.receiver = {"CH", "MSP"};
    const auto elsewhere_body = node::serialize(elsewhere);
    std::tie(status, reply) = post(node::sign_message(elsewhere_body, net.key_b), elsewhere_body);
    EXPECT_EQ(reply.at("status_message"), "Recipient unknown to SCN Node entered in Registry");
    // A proxied resource elsewhere than at the recipient is never called with the recipient's token.
    auto elsewhere_resource = m;
    elsewhere_resource.proxy_resource = "http://127.0.0.1:9/steal";
    const auto resource_body = node::serialize(elsewhere_resource);
    std::tie(status, reply) = post(node::sign_message(resource_body, net.key_b), resource_body);
    EXPECT_EQ(status, 404u);
    EXPECT_EQ(reply.at("status_code"), 2003);
    // Missing signature header.
    http::ClientRequest req{http::Method::post, net.node_a->url() + "/scn/message", {}, body};
    req.headers.add("X-Request-ID", "3");
    const auto res = http::send_blocking(req);
    EXPECT_EQ(res.status, 400u);
}

TEST(TwoNodes, CustomModulesCrossNodesWithTheirBodiesUnchanged) {
    TwoNodes net;
    test::ScriptedParty ext;
    ext.start(net.io, *net.registry, *net.store_a, net.node_a->url(), net.key_a.address());
    const auto send = [&](const std::string& body) {
        service::Call c;
        c.method = http::Method::post;
        c.url = net.node_b->url() + "/scpi/custom/receiver/parking/spots?near=Loc1";
        c.token = net.msp_connection.token_c;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
        c.body = body;
        return net.io.await(service::call(*net.client, c));
    };
    for (const std::string body : {"plain text, not JSON", R"({"plate": "ZH 1",  "spaces": true})", R"("quoted")"}) {
        const auto r = send(body);
        ASSERT_TRUE(r.ok()) << r.describe();
        const auto seen = ext.last();
        EXPECT_EQ(seen.at("path"), "/parking/spots");
        EXPECT_EQ(seen.at("query"), "near=Loc1");
        EXPECT_EQ(seen.at("body").as_string(), body) << "the body crosses both nodes byte for byte";
    }
    EXPECT_TRUE(net.node_b_log->contains("via " + net.node_a->url()));
    ext.stop(net.io);
}

TEST(TwoNodes, PartyChangesReachThePartiesOfOtherNodes) {
    TwoNodes net;
    // The CPO on node A leaves; the MSP on node B hears of it through node B.
    service::Call c;
    c.method = http::Method::del;
    c.url = net.node_a->url() + "/scpi/2.2/credentials";
    c.token = net.cpo_connection.token_c;
    ASSERT_TRUE(net.io.await(service::call(*net.client, c)).ok());
    EXPECT_TRUE(net.node_b_log->wait_for("CH/CPO is SUSPENDED (from its node " + net.node_a->url() + ")", 5s));
    EXPECT_TRUE(net.msp_log->wait_for("Client info: CH/CPO (CPO) SUSPENDED", 5s));
    // Node B lists it (as PLANNED, as the reference node reports parties of other nodes).
    service::Call list;
    list.url = net.node_b->url() + "/scpi/2.2/hubclientinfo";
    list.token = net.msp_connection.token_c;
    list.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "MSP"};
    const auto r = net.io.await(service::call(*net.client, list));
    ASSERT_TRUE(r.ok()) << r.describe();
    bool cpo_listed = false;
    for (const auto& info : r.data.as_array()) {
        cpo_listed = cpo_listed || (info.at("party_id") == "CPO" && info.at("status") == "PLANNED");
    }
    EXPECT_TRUE(cpo_listed);
    // An update about CH/CPO signed by another node's wallet is refused.
    http::ClientRequest forged{http::Method::put,
                               net.node_b->url() + "/scn/client-info",
                               {},
                               R"({"party_id":"CPO","country_code":"CH","role":"CPO","status":"CONNECTED",
                                   "last_updated":"2024-01-01T00:00:00Z"})"};
    forged.headers.add("SCN-Signature", node::sign_message(forged.body, net.key_b));
    const auto res = http::send_blocking(forged);
    EXPECT_EQ(res.status, 400u);
    EXPECT_NE(res.body.find("Client registered with operator " + net.key_a.address().lower() +
                            " but update signed by " + net.key_b.address().lower()),
              std::string::npos)
        << res.body;
}
