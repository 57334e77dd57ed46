// A whole network on 127.0.0.1: the embedded registry, the local node, and the mock CPO and MSP registered with it
// through the credentials handshake; every request between them goes through the node.
#include <scn/eth/notary.hpp>
#include <scn/node/node_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <unistd.h>

#include "local_network.hpp"
#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;
using test::LocalNetwork;

TEST(LocalNode, PartiesRegisterAndTalkThroughTheNode) {
    LocalNetwork net;
    EXPECT_EQ(net.cpo_connection.token_c.size(), 36u);
    EXPECT_TRUE(net.node_log->contains("Connected CH/CPO (CPO)"));
    EXPECT_TRUE(net.node_log->contains("Connected CH/MSP (EMSP)"));
    const auto kept = party::stored_signer(*net.cpo_store);
    ASSERT_TRUE(kept) << "the listing key is kept to sign answers later";
    EXPECT_EQ(kept->address(), net.signers.at("CPO").address());

    // Pagination through the node: a single-use proxied Link.
    auto page = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations?limit=4");
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.data.as_array().size(), 4u);
    EXPECT_EQ(page.headers.get("X-Total-Count"), "10");
    const auto link = page.headers.get("Link");
    ASSERT_TRUE(link);
    const std::string prefix = "<" + net.node->url() + "/scpi/sender/2.2/locations/page/";
    ASSERT_TRUE(link->starts_with(prefix)) << *link;
    const std::string next(link->substr(1, link->find('>') - 1));
    auto second = net.msp_to_cpo(http::Method::get, next);
    ASSERT_TRUE(second.ok()) << second.describe();
    EXPECT_EQ(second.data.as_array()[0].at("id"), "Loc5");
    const auto again = net.msp_to_cpo(http::Method::get, next);
    EXPECT_EQ(again.http_status, 404u);
    EXPECT_EQ(again.status_code, 2003);

    // A command: the CPO answers through the node, the result reaches the MSP's original response_url.
    const auto start = net.msp_to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION",
                                      R"({"response_url":")" + net.msp->public_url() +
                                          R"(/scpi/sender/2.2/commands/START_SESSION/0","location_id":"Loc1",
                                          "evse_uid":"CH-CPO-S1E100001","token":)" +
                                          test::token_json("0") + "}");
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_EQ(start.data.at("result"), "ACCEPTED");
    ASSERT_TRUE(net.msp_log->wait_for("async command result [START_SESSION 0]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s)) << "session pushes are routed by the node";
    std::string session_id;
    for (const auto& line : net.msp_log->lines()) {
        if (const auto p = line.find("Session "); p != std::string::npos && line.find(" ACTIVE") != std::string::npos) {
            session_id = line.substr(p + 8, 36);
        }
    }
    const auto stop =
        net.msp_to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/STOP_SESSION",
                       R"({"response_url":")" + net.msp->public_url() +
                           R"(/scpi/sender/2.2/commands/STOP_SESSION/1","session_id":")" + session_id + "\"}");
    ASSERT_TRUE(stop.ok()) << stop.describe();
    ASSERT_TRUE(net.msp_log->wait_for(" COMPLETED - ", 10s));
    ASSERT_TRUE(net.msp_log->wait_for("CDR ", 10s));
    EXPECT_TRUE(net.node_log->wait_for("→ CH/MSP POST /scpi/receiver/2.2/cdrs 201 1000", 5s));
}

TEST(LocalNode, RoutingErrorsFollowTheReferenceNode) {
    LocalNetwork net;
    service::Call c;
    c.url = net.node->url() + "/scpi/sender/2.2/locations";
    c.token = net.msp_connection.token_c;
    c.routing = scpi::RoutingHeaders{"CH", "MSP", "DE", "XYZ"};
    auto r = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(r.status_code, 4001);
    EXPECT_EQ(r.http_status, 200u);
    // The node's own errors are signed by its wallet over the envelope.
    const auto error_envelope = json::parse(r.body).as_object();
    const auto node_signature = eth::notary::deserialize(error_envelope.at("scn_signature").as_string());
    EXPECT_EQ(node_signature.signatory, net.node_key.address().checksummed());
    EXPECT_TRUE(eth::notary::verify(node_signature, service::response_values(error_envelope, {})).valid());
    r = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations", std::nullopt, std::string("not-a-token"));
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "Invalid CREDENTIALS_TOKEN_C");
    c.routing = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};  // the MSP's token claiming to be the CPO
    r = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(*r.status_message, "Could not find role on sending platform using SCPI-from-* headers");
    c.routing.reset();
    r = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(r.http_status, 400u);
    EXPECT_EQ(*r.status_message, "Missing request header 'SCPI-From-Country-Code' for method parameter of type String");
    // The CPO offers no tokens sender: the MSP asking it for tokens is refused by the node.
    r = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/tokens");
    EXPECT_EQ(*r.status_message, "Receiver does not support the requested module");
    // A recipient that is down: 4003, quickly.
    net.io.run([&] {
        net.cpo->stop_all();
        return 0;
    });
    std::this_thread::sleep_for(100ms);
    const auto started = std::chrono::steady_clock::now();
    r = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations");
    EXPECT_EQ(r.status_code, 4003) << r.describe();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(LocalNode, AdminApiAndHandshakeChecks) {
    LocalNetwork net;
    http::ClientRequest req{http::Method::post, net.node->url() + "/admin/generate-registration-token", {}, "[]"};
    req.headers.add("Authorization", "Token wrong");
    auto r = http::send_blocking(req);
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.body, "Unauthorized");
    req.headers.set("Authorization", "Token randomkey");
    req.body = R"([{"country_code":"CH","party_id":"CPO"}])";
    r = http::send_blocking(req);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, "Role BasicRole(id=CPO, country=CH) already exists");
    req.body = R"([{"country_code":"DE","party_id":"NEW"}])";
    r = http::send_blocking(req);
    ASSERT_EQ(r.status, 200u);
    const auto token_a = std::string(json::parse(r.body).at("token").as_string());
    EXPECT_EQ(json::parse(r.body).at("versions").as_string(), net.node->url() + "/scpi/versions");
    const auto info =
        json::parse(http::send_blocking({http::Method::get, net.node->url() + "/scn/registry/node-info", {}, {}}).body);
    EXPECT_EQ(info.at("address").as_string(), net.node_key.address().lower());

    // A party that is not listed under this node is refused after the call-backs.
    service::Call c;
    c.method = http::Method::post;
    c.url = net.node->url() + "/scpi/2.2/credentials";
    c.token = token_a;
    c.body = R"({"token":"b-token","url":")" + net.msp->versions_url() +
             R"(","roles":[{"role":"CPO","business_details":{"name":"x"},"party_id":"NEW","country_code":"DE"}]})";
    net.io.run([&] {
        net.msp->accept_token("b-token");
        return 0;
    });
    auto reply = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(reply.status_code, 2001);
    EXPECT_EQ(*reply.status_message,
              "Role with party_id=NEW and country_code=DE not listed in SCN Registry with my node info!");
    // The used TOKEN_A of the CPO is refused.
    c.token = "0";
    reply = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(*reply.status_message, "Invalid CREDENTIALS_TOKEN_A");
    // Versions need a live token.
    service::Call v;
    v.url = net.node->url() + "/scpi/2.2";
    v.token = net.cpo_connection.token_c;
    const auto details = net.io.await(service::call(*net.client, v));
    ASSERT_TRUE(details.ok());
    EXPECT_EQ(details.data.at("endpoints").as_array().size(), 19u);
    EXPECT_EQ(details.data.at("endpoints").as_array()[0].at("url").as_string(),
              net.node->url() + "/scpi/sender/2.2/cdrs");
}

TEST(LocalNode, ScnRulesDecideWhoMayAskWhat) {
    LocalNetwork net;
    const auto rules = [&](http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = net.node->url() + "/scpi/receiver/2.2/scnrules" + path;
        c.token = net.cpo_connection.token_c;
        c.body = std::move(body);
        return net.io.await(service::call(*net.client, c));
    };
    // The CPO lets the MSP read its locations only.
    auto r =
        rules(http::Method::put, "/whitelist", R"([{"country_code":"ch","party_id":"msp","modules":["locations"]}])");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations").ok());
    r = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs");
    EXPECT_EQ(r.http_status, 400u);
    EXPECT_EQ(r.status_code, 2000);
    EXPECT_EQ(*r.status_message, "Sender not whitelisted to request tariffs from receiver.");
    r = rules(http::Method::get, "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.data.at("whitelist").at("active"), true);
    EXPECT_EQ(r.data.at("whitelist").at("list").at(0).at("party_id"), "MSP") << "entries are upper-cased";
    EXPECT_TRUE(r.data.at("blacklist").at("list").as_array().empty());
    // Both lists cannot be active.
    r = rules(http::Method::post, "/blacklist", R"({"country_code":"CH","party_id":"XYZ","modules":["cdrs"]})");
    EXPECT_EQ(*r.status_message, "SCN Rules whitelist and blacklist cannot be active at same time");
    r = rules(http::Method::put, "/whitelist", R"([{"country_code":"CH","party_id":"MSP","modules":[]}])");
    EXPECT_EQ(*r.status_message, "Module list of one the party is empty");
    // Removing the last entry turns the whitelist off.
    ASSERT_TRUE(rules(http::Method::del, "/whitelist/CH/MSP").ok());
    EXPECT_TRUE(net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs").ok());
    r = rules(http::Method::del, "/whitelist/CH/MSP");
    EXPECT_EQ(*r.status_message, "Cannot delete entry from SCN Rules whitelist");
    // A blacklist entry blocks every module of that sender.
    ASSERT_TRUE(
        rules(http::Method::post, "/blacklist", R"({"country_code":"CH","party_id":"MSP","modules":["sessions"]})")
            .ok());
    r = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations");
    EXPECT_EQ(*r.status_message, "Message receiver not in sender's whitelist.");
    r = rules(http::Method::post, "/blacklist", R"({"country_code":"CH","party_id":"MSP","modules":["cdrs"]})");
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(*r.status_message, "Party already on SCN Rules blacklist");
    ASSERT_TRUE(rules(http::Method::put, "/blacklist", "[]").ok());
    EXPECT_TRUE(net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations").ok());
    // Signatures toggle; the advertised path serves the same module.
    ASSERT_TRUE(rules(http::Method::put, "/signatures").ok());
    service::Call c;
    c.url = net.node->url() + "/scpi/2.2/receiver/scnrules";
    c.token = net.cpo_connection.token_c;
    r = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(r.data.at("signatures"), true);
    c.token = "not-a-token";
    r = net.io.await(service::call(*net.client, c));
    EXPECT_EQ(*r.status_message, "Invalid CREDENTIALS_TOKEN_C");
}

TEST(LocalNode, HubClientInfoListsAndPushesParties) {
    LocalNetwork net;
    const auto r = net.msp_to_cpo(http::Method::get, net.node->url() + "/scpi/2.2/hubclientinfo");
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_EQ(r.data.as_array().size(), 2u);
    EXPECT_EQ(r.headers.get("X-Total-Count"), "2");
    EXPECT_EQ(r.headers.get("X-Limit"), "2");
    std::vector<std::string> seen;
    for (const auto& info : r.data.as_array()) {
        seen.push_back(std::string(info.at("country_code").as_string()) + "/" +
                       std::string(info.at("party_id").as_string()) + " " + std::string(info.at("role").as_string()) +
                       " " + std::string(info.at("status").as_string()));
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::string>{"CH/CPO CPO CONNECTED", "CH/MSP EMSP CONNECTED"}));
    // A request between them renews both: their last_updated moves on.
    const auto stamps = [&] {
        std::map<std::string, std::string> out;
        const auto list = net.msp_to_cpo(http::Method::get, net.node->url() + "/scpi/2.2/hubclientinfo");
        for (const auto& info : list.data.as_array()) {
            out[std::string(info.at("party_id").as_string())] = std::string(info.at("last_updated").as_string());
        }
        return out;
    };
    const auto before = stamps();
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/tariffs").ok());
    const auto after = stamps();
    EXPECT_GT(after.at("CPO"), before.at("CPO"));
    EXPECT_GT(after.at("MSP"), before.at("MSP"));
    // The CPO leaves: the MSP, which has a hubclientinfo receiver, is told.
    service::Call c;
    c.method = http::Method::del;
    c.url = net.node->url() + "/scpi/2.2/credentials";
    c.token = net.cpo_connection.token_c;
    ASSERT_TRUE(net.io.await(service::call(*net.client, c)).ok());
    EXPECT_TRUE(net.msp_log->wait_for("Client info: CH/CPO (CPO) SUSPENDED", 5s));
}

TEST(LocalNode, CustomModulesAndChargingProfilesAreRouted) {
    LocalNetwork net;
    test::ScriptedParty ext;
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    ASSERT_FALSE(ext.token_c.empty());
    const auto call = [&](http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = net.node->url() + path;
        c.token = net.msp_connection.token_c;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
        c.body = std::move(body);
        return net.io.await(service::call(*net.client, c));
    };

    // A custom module: method, sub-path, query and raw body reach the party; Location comes back untouched.
    auto r = call(http::Method::post, "/scpi/custom/receiver/parking/spots?near=Loc1", R"({"plate":"ZH 1"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("spot"), "P1");
    EXPECT_EQ(r.headers.get("Location"), "http://parking.example/spots/P1");
    auto seen = ext.last();
    EXPECT_EQ(seen.at("method"), "POST");
    EXPECT_EQ(seen.at("path"), "/parking/spots");
    EXPECT_EQ(seen.at("query"), "near=Loc1");
    EXPECT_EQ(seen.at("body"), R"({"plate":"ZH 1"})");
    EXPECT_EQ(seen.at("authorization"), "Token token-b-ext");
    r = call(http::Method::get, "/scpi/custom/elsewhere/parking");
    EXPECT_EQ(*r.status_message, "No interface elsewhere found. Expected one of [SENDER, RECEIVER].");

    // SetChargingProfile: the response_url is proxied, and the result the party posts there reaches the original.
    r = call(http::Method::put, "/scpi/2.2/receiver/chargingprofiles/S1",
             R"({"charging_profile":{"charging_rate_unit":"W","charging_profile_period":[]},"response_url":")" +
                 ext.base + R"(/results/42"})");
    ASSERT_TRUE(r.ok()) << r.describe();
    seen = ext.last();
    EXPECT_EQ(seen.at("path"), "/cp/S1");
    const auto sent = json::parse(seen.at("body").as_string());
    const std::string proxied(sent.at("response_url").as_string());
    ASSERT_TRUE(proxied.starts_with(net.node->url() + "/scpi/2.2/sender/chargingprofiles/result/")) << proxied;
    service::Call result;
    result.method = http::Method::post;
    result.url = proxied;
    result.token = ext.token_c;
    result.routing = scpi::RoutingHeaders{"CH", "EXT", "CH", "MSP"};
    result.body = R"({"result":"ACCEPTED"})";
    ASSERT_TRUE(net.io.await(service::call(*net.client, result)).ok());
    seen = ext.last();
    EXPECT_EQ(seen.at("path"), "/results/42");
    EXPECT_EQ(seen.at("authorization").as_string(), "Token " + net.msp_connection.token_b) << "delivered as to the MSP";

    // GET and DELETE carry the response_url in the query; it is proxied there.
    r = call(http::Method::del, "/scpi/receiver/2.2/chargingprofiles/S1?response_url=" + ext.base + "/results/43");
    ASSERT_TRUE(r.ok()) << r.describe();
    seen = ext.last();
    EXPECT_EQ(seen.at("method"), "DELETE");
    EXPECT_NE(std::string(seen.at("query").as_string()).find("chargingprofiles%2Fresult%2F"), std::string::npos)
        << seen.at("query");
    ext.stop(net.io);
}

TEST(LocalNode, SignedRequestsAreVerifiedAndRewritesResigned) {
    LocalNetwork net;
    test::ScriptedParty ext;
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    const auto values = [](const std::string& to, const std::string& query_limit, const json::value& body) {
        json::object headers{{"x-correlation-id", "c-1"},
                             {"scpi-from-country-code", "CH"},
                             {"scpi-from-party-id", "MSP"},
                             {"scpi-to-country-code", "CH"},
                             {"scpi-to-party-id", to}};
        json::object params;
        if (!query_limit.empty()) {
            params["limit"] = std::stoi(query_limit);
        }
        return json::value{{"headers", headers}, {"params", params}, {"body", body}};
    };
    const auto& msp_key = net.signers.at("MSP");
    const auto send = [&](const std::string& to, const std::string& path, const std::string& signature,
                          std::optional<std::string> body = std::nullopt) {
        service::Call c;
        c.method = body ? http::Method::put : http::Method::get;
        c.url = net.node->url() + path;
        c.token = net.msp_connection.token_c;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", to};
        c.correlation_id = "c-1";
        if (!signature.empty()) {
            c.headers.add("SCN-Signature", signature);
        }
        c.body = std::move(body);
        return net.io.await(service::call(*net.client, c));
    };
    const auto good = eth::notary::serialize(eth::notary::sign(values("CPO", "3", nullptr), msp_key));
    auto r = send("CPO", "/scpi/sender/2.2/locations?limit=3", good);
    ASSERT_TRUE(r.ok()) << r.describe();
    // The answer is signed: by the node, which rewrote the Link, over the CPO's signature kept as a rewrite.
    const auto envelope = json::parse(r.body).as_object();
    const auto response_signature = eth::notary::deserialize(envelope.at("scn_signature").as_string());
    EXPECT_EQ(response_signature.signatory, net.node_key.address().checksummed());
    ASSERT_EQ(response_signature.rewrites.size(), 1u);
    EXPECT_EQ(response_signature.rewrites[0].signatory, net.signers.at("CPO").address().checksummed());
    EXPECT_TRUE(eth::notary::verify(response_signature, service::response_values(envelope, r.headers)).valid());
    // A single location: signed by the CPO itself, nothing rewritten.
    const auto one = eth::notary::serialize(eth::notary::sign(values("CPO", "", nullptr), msp_key));
    r = send("CPO", "/scpi/sender/2.2/locations/Loc1", one);
    ASSERT_TRUE(r.ok()) << r.describe();
    const auto single = eth::notary::deserialize(json::parse(r.body).at("scn_signature").as_string());
    EXPECT_EQ(single.signatory, net.signers.at("CPO").address().checksummed());
    EXPECT_TRUE(single.rewrites.empty());
    r = send("CPO", "/scpi/sender/2.2/locations?limit=4", good);
    EXPECT_EQ(*r.status_message, "Invalid signature: Request has been modified.");
    const auto stranger = eth::PrivateKey::generate();
    r = send("CPO", "/scpi/sender/2.2/locations?limit=3",
             eth::notary::serialize(eth::notary::sign(values("CPO", "3", nullptr), stranger)));
    EXPECT_TRUE(r.status_message->starts_with("Actual signatory " + stranger.address().lower())) << *r.status_message;

    // A signed command-style body whose response_url the node rewrites: the party receives the node's signature
    // with the MSP's as rewrite, and it verifies against what it received.
    const auto body = json::value{{"response_url", ext.base + "/results/9"}, {"charging_profile", {{"a", 1}}}};
    r = send("EXT", "/scpi/2.2/receiver/chargingprofiles/S9",
             eth::notary::serialize(eth::notary::sign(values("EXT", "", body), msp_key)), json::serialize(body));
    ASSERT_TRUE(r.ok()) << r.describe();
    const auto seen = ext.last();
    const auto forwarded = eth::notary::deserialize(seen.at("signature").as_string());
    EXPECT_EQ(forwarded.signatory, net.node_key.address().checksummed());
    ASSERT_EQ(forwarded.rewrites.size(), 1u);
    EXPECT_EQ(forwarded.rewrites[0].signatory, msp_key.address().checksummed());
    const auto received = values("EXT", "", json::parse(seen.at("body").as_string()));
    EXPECT_TRUE(eth::notary::verify(forwarded, received).valid()) << eth::notary::verify(forwarded, received).error;

    // A recipient that asks for signatures refuses unsigned requests.
    service::Call toggle;
    toggle.method = http::Method::put;
    toggle.url = net.node->url() + "/scpi/receiver/2.2/scnrules/signatures";
    toggle.token = net.cpo_connection.token_c;
    ASSERT_TRUE(net.io.await(service::call(*net.client, toggle)).ok());
    r = send("CPO", "/scpi/sender/2.2/locations?limit=3", "");
    EXPECT_EQ(*r.status_message, "Missing SCN Signature");
    EXPECT_TRUE(send("CPO", "/scpi/sender/2.2/locations?limit=3", good).ok());
    // A recipient that answers a signed request without signing: the node refuses to pass it on.
    net.io.run([&] {
        net.cpo->set_signer(std::nullopt);
        return 0;
    });
    r = send("CPO", "/scpi/sender/2.2/locations?limit=3", good);
    EXPECT_EQ(r.status_code, 3000);
    EXPECT_EQ(*r.status_message, "Unable to verify response signature: Missing SCN Signature");
    ext.stop(net.io);
}

TEST(LocalNode, StillAliveAndPlannedPartiesArePushed) {
    LocalNetwork net;
    // A party listed under this node but not connected is announced as PLANNED.
    net.registry->registry().set_party(eth::PrivateKey::generate(), "DE", "NEW", {registry::Role::cpo},
                                       net.node_key.address());
    EXPECT_TRUE(net.msp_log->wait_for("Client info: DE/NEW (CPO) PLANNED", 5s));
    const auto list = net.msp_to_cpo(http::Method::get, net.node->url() + "/scpi/2.2/hubclientinfo");
    ASSERT_TRUE(list.ok()) << list.describe();
    bool planned = false;
    for (const auto& info : list.data.as_array()) {
        planned = planned || (info.at("party_id") == "NEW" && info.at("status") == "PLANNED");
    }
    EXPECT_TRUE(planned) << "the list shows what the planned-party search found";
    // The CPO stops answering: after a still-alive period it is OFFLINE for everyone.
    net.io.run([&] {
        net.cpo->stop_all();
        return 0;
    });
    EXPECT_TRUE(net.msp_log->wait_for("Client info: CH/CPO (CPO) OFFLINE", 6s));
    EXPECT_TRUE(net.node_log->contains("CH/CPO is OFFLINE"));
}

TEST(LocalNode, ASlowPartyTimesOutWithoutHoldingUpOthers) {
    LocalNetwork net(700ms);
    test::ScriptedParty ext;
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    service::Call slow;
    slow.url = net.node->url() + "/scpi/custom/receiver/parking/slow";
    slow.token = net.msp_connection.token_c;
    slow.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
    const auto started = std::chrono::steady_clock::now();
    auto pending = boost::asio::co_spawn(net.io.ioc(), service::call(*net.client, slow), boost::asio::use_future);
    // Meanwhile the node answers other traffic at once.
    std::this_thread::sleep_for(100ms);
    const auto quick_start = std::chrono::steady_clock::now();
    EXPECT_TRUE(net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc1").ok());
    EXPECT_LT(std::chrono::steady_clock::now() - quick_start, 300ms);
    ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
    const auto r = pending.get();
    EXPECT_EQ(r.http_status, 200u);
    EXPECT_EQ(r.status_code, 4002) << r.describe();
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 650ms);
    EXPECT_LT(took, 1500ms) << "the configured forward timeout, not the party's 2 s";
    ext.stop(net.io);
}

namespace {

/// Calls to the scripted party EXT, through the node as the MSP and directly, on clients that keep their pools.
struct ExtCaller {
    LocalNetwork& net;
    test::ScriptedParty& ext;
    http::Client direct_client{net.io.ioc().get_executor()};

    service::Reply through_node(const std::string& path) {
        service::Call c;
        c.method = http::Method::post;
        c.url = net.node->url() + "/scpi/custom/receiver/parking" + path;
        c.token = net.msp_connection.token_c;
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
        c.body = R"({"plate":"ZG 1"})";
        return net.io.await(service::call(*net.client, c));
    }
    service::Reply direct(const std::string& path) {
        service::Call c;
        c.method = http::Method::post;
        c.url = ext.base + "/parking" + path;
        c.token = "token-c-ext";
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
        c.body = R"({"plate":"ZG 1"})";
        return net.io.await(service::call(direct_client, c));
    }
    /// Several requests at once, each held 200 ms by the party: both clients pool several connections to it.
    void fill_pools(int n) {
        std::vector<std::future<service::Reply>> replies;
        for (int i = 0; i < n; ++i) {
            for (auto* client : {net.client.get(), &direct_client}) {
                service::Call c;
                c.method = http::Method::post;
                c.url = client == &direct_client ? ext.base + "/parking/busy"
                                                 : net.node->url() + "/scpi/custom/receiver/parking/busy";
                c.token = client == &direct_client ? "token-c-ext" : net.msp_connection.token_c;
                c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
                c.body = "{}";
                replies.push_back(
                    boost::asio::co_spawn(net.io.ioc(), service::call(*client, c), boost::asio::use_future));
            }
        }
        for (auto& r : replies) {
            ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
            const auto reply = r.get();
            ASSERT_TRUE(reply.ok()) << reply.describe();
        }
    }
};

}  // namespace

TEST(LocalNode, APartyThatClosesIdleConnectionsIsAnsweredAcrossIdleGaps) {
    LocalNetwork net;
    test::ScriptedParty ext;
    ext.options.idle_timeout = 1s;  // Node.js servers close idle keep-alive connections after 5 s; this one after 1 s
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    ExtCaller call{net, ext};
    call.fill_pools(4);
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(1300ms);  // every pooled connection to the party has been closed by it
        for (int i = 0; i < 3; ++i) {
            const auto routed = call.through_node("/spots");
            EXPECT_EQ(routed.status_code, 1000) << "round " << round << ": " << routed.describe();
            const auto direct = call.direct("/spots");
            EXPECT_EQ(direct.status_code, 1000) << "round " << round << ": " << direct.describe();
        }
    }
    EXPECT_FALSE(net.node_log->contains("closed twice"));
    ext.stop(net.io);
}

TEST(LocalNode, APartyThatClosesAfterEveryAnswerIsAnsweredEveryTime) {
    LocalNetwork net;
    test::ScriptedParty ext;
    ext.drop_every_connection = true;
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    ExtCaller call{net, ext};
    for (int i = 0; i < 10; ++i) {
        const auto routed = call.through_node("/spots");
        EXPECT_EQ(routed.status_code, 1000) << "request " << i << ": " << routed.describe();
        const auto direct = call.direct("/spots");
        EXPECT_EQ(direct.status_code, 1000) << "request " << i << ": " << direct.describe();
        if (i % 3 == 0) {
            std::this_thread::sleep_for(50ms);  // sometimes the close has arrived before the next request
        }
    }
    ext.stop(net.io);
}

TEST(LocalNode, ASenderThatAsksForSignaturesGetsNoUnsignedAnswer) {
    LocalNetwork net;
    test::ScriptedParty ext;
    ext.start(net.io, *net.registry, *net.node_store, net.node->url(), net.node_key.address());
    ExtCaller call{net, ext};
    ASSERT_TRUE(call.through_node("/spots").ok()) << "unsigned answers pass while nobody asks for signatures";
    service::Call toggle;
    toggle.method = http::Method::put;
    toggle.url = net.node->url() + "/scpi/receiver/2.2/scnrules/signatures";
    toggle.token = net.msp_connection.token_c;  // the sender's own rules
    ASSERT_TRUE(net.io.await(service::call(*net.client, toggle)).ok());
    const auto refused = call.through_node("/spots");
    EXPECT_EQ(refused.http_status, 200u);
    EXPECT_EQ(refused.status_code, 3000) << refused.describe();
    EXPECT_EQ(refused.status_message.value_or(""), "Unable to verify response signature: Missing SCN Signature");
    EXPECT_EQ(ext.last().at("path"), "/parking/spots") << "the request was delivered; its answer was refused";
    // A signed request gets a signed answer from the party, which passes.
    json::object headers{{"x-correlation-id", "c-9"},
                         {"scpi-from-country-code", "CH"},
                         {"scpi-from-party-id", "MSP"},
                         {"scpi-to-country-code", "CH"},
                         {"scpi-to-party-id", "EXT"}};
    const json::value values{{"headers", headers}, {"params", json::object()}, {"body", nullptr}};
    service::Call signed_call;
    signed_call.url = net.node->url() + "/scpi/custom/receiver/parking/spots";
    signed_call.token = net.msp_connection.token_c;
    signed_call.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "EXT"};
    signed_call.correlation_id = "c-9";
    signed_call.headers.add("SCN-Signature", eth::notary::serialize(eth::notary::sign(values, net.signers.at("MSP"))));
    const auto accepted = net.io.await(service::call(*net.client, signed_call));
    EXPECT_TRUE(accepted.ok()) << accepted.describe();
    // The rule switched off again: unsigned answers pass again.
    ASSERT_TRUE(net.io.await(service::call(*net.client, toggle)).ok());
    EXPECT_TRUE(call.through_node("/spots").ok());
    ext.stop(net.io);
}

TEST(LocalNode, OnlyTheTokenSchemeCarriesATokenC) {
    LocalNetwork net;
    http::ClientRequest req{http::Method::get, net.node->url() + "/scpi/sender/2.2/locations/Loc1", {}, {}};
    for (const auto& [name, value] : {std::pair{"X-Request-ID", "1"},
                                      {"X-Correlation-ID", "1"},
                                      {"SCPI-From-Country-Code", "CH"},
                                      {"SCPI-From-Party-Id", "MSP"},
                                      {"SCPI-To-Country-Code", "CH"},
                                      {"SCPI-To-Party-Id", "CPO"}}) {
        req.headers.add(name, value);
    }
    auto bearer = req;
    bearer.headers.add("Authorization", "Bearer " + net.msp_connection.token_c);
    const auto refused = http::send_blocking(bearer);
    EXPECT_EQ(refused.status, 400u);
    EXPECT_EQ(json::parse(refused.body).at("status_code"), 2001) << refused.body;
    EXPECT_EQ(json::parse(refused.body).at("status_message"), "Invalid CREDENTIALS_TOKEN_C");
    auto token = req;
    token.headers.add("Authorization", "Token " + net.msp_connection.token_c);
    EXPECT_EQ(json::parse(http::send_blocking(token).body).at("status_code"), 1000);
}

TEST(LocalNode, TwoPartiesThroughTheNodeTokensAtTheChargerAndStatusPushes) {
    // Issue 13's two-party journey over the real node: the MSP's tokens reach the CPO, a whitelisted driver starts at
    // the charger without asking the MSP, a NEVER-whitelisted one is authorized in real time by the MSP through the
    // node, and the EVSE's status changes arrive at the MSP's locations receiver.
    LocalNetwork net;
    net.io.run([&] {
        net.msp->set_peer(net.msp_connection.peer());  // as the sandbox does: the MSP pushes through the node
        return 0;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (net.io.run([&] { return net.cpo->tokens().count(); }) < 7 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(net.io.run([&] { return net.cpo->tokens().count(); }), 7u) << "the MSP pushed its seven tokens";

    const auto session_of = [&](const std::string& id) {
        const auto text = net.io.run([&] { return net.cpo_store->session({"CH", "CPO", id}); });
        return text ? json::parse(*text) : json::value();
    };
    const auto whitelisted = net.io.await(net.cpo->start_at_charger("Loc1", "CH-CPO-S1E100001", "CH-MSP-RFID-0002"));
    ASSERT_TRUE(whitelisted.session_id) << "ALWAYS-whitelisted token";
    EXPECT_EQ(session_of(*whitelisted.session_id).at("auth_method"), "WHITELIST");

    const auto asked = net.io.await(net.cpo->start_at_charger("Loc2", "CH-CPO-S2E100001", "CH-MSP-APP-0003"));
    ASSERT_TRUE(asked.session_id) << "NEVER-whitelisted token, authorized by the MSP";
    const auto session = session_of(*asked.session_id);
    EXPECT_EQ(session.at("auth_method"), "AUTH_REQUEST");
    EXPECT_EQ(session.at("authorization_reference"), "AUTH-CH-MSP-APP-0003") << "the MSP's reference";
    EXPECT_TRUE(net.msp_log->contains("POST /scpi/sender/2.2/tokens/CH-MSP-APP-0003/authorize"));

    const auto blocked = net.io.await(net.cpo->start_at_charger("Loc3", "CH-CPO-S3E100001", "CH-MSP-RFID-0007"));
    EXPECT_FALSE(blocked.session_id) << "the MSP answers NOT_ALLOWED";

    // The EVSE of the first session is CHARGING in the MSP's copy of the CPO's location.
    const auto evse_status = [&] {
        service::Call c;
        c.url = net.msp->public_url() + "/scpi/receiver/2.2/locations/CH/CPO/Loc1/CH-CPO-S1E100001";
        c.token = net.msp_connection.token_b;
        const auto r = net.io.await(service::call(*net.client, c));
        return r.ok() ? std::string(r.data.at("status").as_string()) : r.describe();
    };
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (evse_status() != "CHARGING" && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(evse_status(), "CHARGING");
}
