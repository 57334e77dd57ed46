// The route handlers on their own, without sockets: what each kind adds to a forwarded request and to an answer.
#include <scn/eth/notary.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/route_handlers.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "node_fixture.hpp"

using namespace scn;
using namespace scn::node;
namespace json = boost::json;

namespace {

class RouteHandlersTest : public test::NodeFixture {
protected:
    ProxyUrls proxies{node};
    RouteHandlers handlers{proxies, signing};
    const PartyRef msp{"CH", "MSP"};
    const PartyRef cpo{"CH", "CPO"};

    /// An exchange from the MSP to the CPO, connected here as platform 1.
    Exchange exchange(RouteKind kind, http::Method method, std::string target = {}, std::string body = {}) {
        Exchange x;
        x.request.route = {kind, "locations", scpi::InterfaceRole::SENDER};
        x.request.method = method;
        x.request.from = msp;
        x.request.to = cpo;
        x.request.correlation_id = "c-1";
        x.request.target = std::move(target);
        x.request.raw_body = std::move(body);
        if (!x.request.raw_body.empty()) {
            x.request.body = json::parse(x.request.raw_body);
        }
        x.local = 1;
        return x;
    }
    const RouteHandler& of(RouteKind kind) { return handlers.of(kind); }
};

int status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const scpi::Error& e) {
        return e.status_code();
    }
    return 0;
}

}  // namespace

TEST_F(RouteHandlersTest, PlainForwardKeepsPathQueryAndBodyButDropsTheQueryOfDelete) {
    auto x = exchange(RouteKind::forward, http::Method::put, "CH/CPO/Loc1", R"({"id":"Loc1"})");
    x.request.query = {{"type", "RFID"}};
    of(RouteKind::forward).prepare(x);
    EXPECT_EQ(x.forward.url_path, "CH/CPO/Loc1");
    EXPECT_EQ(x.forward.query.size(), 1u);
    EXPECT_EQ(x.forward.body, R"({"id":"Loc1"})") << "bytes as sent, not re-serialised";

    auto del = exchange(RouteKind::forward, http::Method::del, "CH/CPO/T1");
    del.request.query = {{"type", "RFID"}};
    of(RouteKind::forward).prepare(del);
    EXPECT_TRUE(del.forward.query.empty()) << "the reference node drops the query of DELETE";
    EXPECT_FALSE(del.forward.body);
}

TEST_F(RouteHandlersTest, PageProxiesTheNextLinkAndRelaysTheCounts) {
    auto x = exchange(RouteKind::page, http::Method::get);
    http::Headers reply;
    reply.add("Link", "<http://cpo.test/scpi/sender/2.2/locations?offset=4&limit=4>; rel=\"next\"");
    reply.add("X-Total-Count", "10");
    reply.add("X-Limit", "4");
    http::Response answer;
    json::object rewritten;
    of(RouteKind::page).finish(x, reply, answer, rewritten);
    EXPECT_EQ(answer.headers.get("X-Total-Count"), "10");
    EXPECT_EQ(answer.headers.get("X-Limit"), "4");
    const auto link = answer.headers.get("Link");
    ASSERT_TRUE(link);
    const std::string prefix = "<http://node.test/scpi/sender/2.2/locations/page/";
    ASSERT_TRUE(link->starts_with(prefix)) << *link;
    const std::string id(link->substr(prefix.size(), link->find('>') - prefix.size()));
    EXPECT_EQ(proxies.resolve(id, msp, cpo), "http://cpo.test/scpi/sender/2.2/locations?offset=4&limit=4");
    EXPECT_EQ(status_of([&] { (void)proxies.resolve(id, cpo, msp); }), 2003) << "bound to the two parties";
    EXPECT_EQ(rewritten.at("$['headers']['link']").as_string(), *reply.get("Link"));
}

TEST_F(RouteHandlersTest, FollowPageCallsTheStoredUrlOnce) {
    const auto id = store.add_proxy("http://cpo.test/next", msp, cpo);
    auto x = exchange(RouteKind::follow_page, http::Method::get);
    x.request.proxy_id = std::to_string(id);
    of(RouteKind::follow_page).prepare(x);
    EXPECT_EQ(x.forward.resource, "http://cpo.test/next");
    http::Response answer;
    json::object rewritten;
    of(RouteKind::follow_page).finish(x, {}, answer, rewritten);
    auto again = exchange(RouteKind::follow_page, http::Method::get);
    again.request.proxy_id = std::to_string(id);
    EXPECT_EQ(status_of([&] { of(RouteKind::follow_page).prepare(again); }), 2003) << "page links are single-use";
}

TEST_F(RouteHandlersTest, ProxiedRoutesRefuseUnknownIdsAndOtherParties) {
    const auto id = store.add_proxy("http://cpo.test/cdrs/1", msp, cpo);
    for (const auto kind : {RouteKind::get_cdr, RouteKind::command_result, RouteKind::charging_result}) {
        auto x = exchange(kind, http::Method::get);
        x.request.proxy_id = "999";
        EXPECT_EQ(status_of([&] { of(kind).prepare(x); }), 2003);
        auto other = exchange(kind, http::Method::get);
        other.request.from = PartyRef{"DE", "XYZ"};
        other.request.proxy_id = std::to_string(id);
        EXPECT_EQ(status_of([&] { of(kind).prepare(other); }), 2003);
        auto mine = exchange(kind, http::Method::post, {}, R"({"result":"ACCEPTED"})");
        mine.request.proxy_id = std::to_string(id);
        of(kind).prepare(mine);
        EXPECT_EQ(mine.forward.resource, "http://cpo.test/cdrs/1");
        EXPECT_EQ(mine.forward.body, R"({"result":"ACCEPTED"})");
    }
}

TEST_F(RouteHandlersTest, PostCdrProxiesTheLocation) {
    auto x = exchange(RouteKind::post_cdr, http::Method::post);
    http::Headers reply;
    reply.add("Location", "http://msp.test/cdrs/CDR1");
    http::Response answer;
    json::object rewritten;
    of(RouteKind::post_cdr).finish(x, reply, answer, rewritten);
    const auto location = answer.headers.get("Location");
    ASSERT_TRUE(location);
    const std::string prefix = "http://node.test/scpi/receiver/2.2/cdrs/";
    ASSERT_TRUE(location->starts_with(prefix)) << *location;
    EXPECT_EQ(proxies.resolve(location->substr(prefix.size()), msp, cpo), "http://msp.test/cdrs/CDR1");
    EXPECT_EQ(rewritten.at("$['headers']['location']").as_string(), "http://msp.test/cdrs/CDR1");
}

TEST_F(RouteHandlersTest, CommandResponseUrlPointsAtTheNodeForALocalRecipient) {
    auto x = exchange(RouteKind::command, http::Method::post, "START_SESSION",
                      R"({"response_url":"http://msp.test/results/1","location_id":"Loc1"})");
    of(RouteKind::command).prepare(x);
    ASSERT_TRUE(x.forward.body);
    const auto sent = json::parse(*x.forward.body);
    const std::string url(sent.at("response_url").as_string());
    const std::string prefix = "http://node.test/scpi/sender/2.2/commands/START_SESSION/";
    ASSERT_TRUE(url.starts_with(prefix)) << url;
    EXPECT_EQ(proxies.resolve(url.substr(prefix.size()), cpo, msp), "http://msp.test/results/1")
        << "the recipient posts the result";
    EXPECT_EQ(sent.at("location_id"), "Loc1");
    EXPECT_EQ(x.forward.url_path, "START_SESSION");

    auto missing = exchange(RouteKind::command, http::Method::post, "START_SESSION", R"({"location_id":"Loc1"})");
    EXPECT_EQ(status_of([&] { of(RouteKind::command).prepare(missing); }), 2001);
}

TEST_F(RouteHandlersTest, CommandToARemoteRecipientCarriesAnAliasForItsNode) {
    auto x = exchange(RouteKind::command, http::Method::post, "STOP_SESSION",
                      R"({"response_url":"http://msp.test/results/2","session_id":"s"})");
    x.local.reset();
    x.remote_node = "http://other-node.test";
    of(RouteKind::command).prepare(x);
    ASSERT_TRUE(x.forward.proxy_uid);
    EXPECT_EQ(x.forward.resource, "http://msp.test/results/2");
    const auto sent = json::parse(*x.forward.body);
    EXPECT_EQ(sent.at("response_url").as_string(),
              "http://other-node.test/scpi/sender/2.2/commands/STOP_SESSION/" + *x.forward.proxy_uid);
}

TEST_F(RouteHandlersTest, ChargingProfileResponseUrlInTheQueryIsProxiedAndDeleteKeepsIt) {
    auto x = exchange(RouteKind::charging_async, http::Method::del, "session-1");
    x.request.route.module = "chargingprofiles";
    x.request.query = {{"response_url", "http://msp.test/profiles/1"}};
    of(RouteKind::charging_async).prepare(x);
    ASSERT_EQ(x.forward.query.size(), 1u);
    const std::string prefix = "http://node.test/scpi/2.2/sender/chargingprofiles/result/";
    ASSERT_TRUE(x.forward.query[0].second.starts_with(prefix)) << x.forward.query[0].second;
    EXPECT_EQ(proxies.resolve(x.forward.query[0].second.substr(prefix.size()), cpo, msp), "http://msp.test/profiles/1");
}

TEST_F(RouteHandlersTest, ASignedCommandKeepsTheSendersSignatureAsARewrite) {
    const auto sender_key = eth::PrivateKey::generate();
    auto x = exchange(RouteKind::command, http::Method::post, "START_SESSION",
                      R"({"response_url":"http://msp.test/results/3","location_id":"Loc1"})");
    x.signature = eth::notary::sign(x.request.notary_values(), sender_key);
    of(RouteKind::command).prepare(x);
    ASSERT_TRUE(x.forward.signature);
    const auto signature = eth::notary::deserialize(*x.forward.signature);
    const auto sent = json::parse(*x.forward.body);
    http::Headers headers;
    headers.add("X-Correlation-ID", "c-1");
    headers.add("SCPI-From-Country-Code", "CH");
    headers.add("SCPI-From-Party-Id", "MSP");
    headers.add("SCPI-To-Country-Code", "CH");
    headers.add("SCPI-To-Party-Id", "CPO");
    const auto verified = eth::notary::verify(signature, service::request_values(headers, {}, sent));
    ASSERT_TRUE(verified.valid()) << verified.error;
    EXPECT_EQ(verified.signer->lower(), wallet.address().lower()) << "signed by the node";
    ASSERT_EQ(signature.rewrites.size(), 1u);
    EXPECT_EQ(json::value(signature.rewrites[0].rewritten_fields.at("$['body']['response_url']")),
              "http://msp.test/results/3");
}

TEST_F(RouteHandlersTest, CustomModulesPassPagingAndLocationHeadersThroughUnchanged) {
    auto x = exchange(RouteKind::custom, http::Method::get, "things");
    http::Headers reply;
    reply.add("Location", "http://cpo.test/things/1");
    reply.add("Link", "<http://cpo.test/things?offset=1>; rel=\"next\"");
    http::Response answer;
    json::object rewritten;
    of(RouteKind::custom).finish(x, reply, answer, rewritten);
    EXPECT_EQ(answer.headers.get("Location"), "http://cpo.test/things/1");
    EXPECT_EQ(answer.headers.get("Link"), *reply.get("Link"));
    EXPECT_TRUE(rewritten.empty());
}
