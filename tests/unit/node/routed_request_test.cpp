// Reading a routed request: the reference node's checks, in its order, each with its own error.
#include <scn/node/errors.hpp>
#include <scn/node/routed_request.hpp>

#include <gtest/gtest.h>

using namespace scn;
using namespace scn::node;

namespace {

http::Request routed(std::string body = {}) {
    http::Request req;
    req.method = http::Method::post;
    req.method_name = "POST";
    req.path = "/scpi/receiver/2.2/commands/START_SESSION";
    req.headers.add("Authorization", "Token abc");
    req.headers.add("X-Request-ID", "r-1");
    req.headers.add("X-Correlation-ID", "c-1");
    req.headers.add("SCPI-From-Country-Code", "CH");
    req.headers.add("SCPI-From-Party-Id", "MSP");
    req.headers.add("SCPI-To-Country-Code", "CH");
    req.headers.add("SCPI-To-Party-Id", "CPO");
    req.body = std::move(body);
    req.path_params = {{"command", "START_SESSION"}};
    return req;
}

/// The error a parse throws: status code, HTTP status and message.
std::tuple<int, unsigned, std::string> failure(http::Request req, RouteSpec spec = {}) {
    try {
        (void)parse_routed(req, spec);
    } catch (const scpi::Error& e) {
        return {e.status_code(), e.http_status(), e.what()};
    }
    return {0, 0, ""};
}

}  // namespace

TEST(RoutedRequest, ReadsEveryFieldOnce) {
    auto req = routed(R"({"response_url":"http://x"})");
    req.headers.add("SCN-Signature", "sig");
    req.query = "a=1";
    const auto r = parse_routed(req, {RouteKind::command, "commands", scpi::InterfaceRole::RECEIVER});
    EXPECT_EQ(r.token, "abc");
    EXPECT_EQ(r.from, (PartyRef{"CH", "MSP"}));
    EXPECT_EQ(r.to, (PartyRef{"CH", "CPO"}));
    EXPECT_EQ(r.request_id, "r-1");
    EXPECT_EQ(r.correlation_id, "c-1");
    EXPECT_EQ(r.signature, "sig");
    EXPECT_EQ(r.target, "START_SESSION");
    EXPECT_EQ(r.body.at("response_url"), "http://x");
    ASSERT_EQ(r.query.size(), 1u);
    EXPECT_EQ(r.route.module, "commands");
}

TEST(RoutedRequest, NamesTheFirstMissingHeader) {
    for (const std::string name : {"Authorization", "X-Request-ID", "SCPI-To-Party-Id"}) {
        auto req = routed();
        req.headers.remove(name);
        const auto [code, status, message] = failure(req);
        EXPECT_EQ(code, 2001);
        EXPECT_EQ(status, 400u);
        EXPECT_EQ(message, "Missing request header '" + name + "' for method parameter of type String");
    }
}

TEST(RoutedRequest, RefusesMalformedIdentifiersAndBodies) {
    auto req = routed();
    req.headers.set("SCPI-To-Country-Code", "CHE");
    EXPECT_EQ(std::get<2>(failure(req)), "Given country_code \"CHE\" not 2 characters");
    req = routed();
    req.headers.set("SCPI-From-Party-Id", "MS");
    EXPECT_EQ(std::get<2>(failure(req)), "Given party-id \"MS\" not 3 characters");
    const auto [code, status, message] = failure(routed("{not json"));
    EXPECT_EQ(code, 2001);
    EXPECT_EQ(status, 400u);
    EXPECT_FALSE(message.empty());
}

TEST(RoutedRequest, CustomRoutesTakeModuleAndInterfaceFromThePath) {
    auto req = routed("raw bytes, not JSON");
    req.path_params = {{"interface", "receiver"}, {"module", "parking"}, {"rest", "CH/CPO/1"}};
    const auto r = parse_routed(req, {RouteKind::custom, "", scpi::InterfaceRole::SENDER});
    EXPECT_EQ(r.route.module, "parking");
    EXPECT_EQ(r.route.interface, scpi::InterfaceRole::RECEIVER);
    EXPECT_EQ(r.raw_body, "raw bytes, not JSON") << "custom bodies are not parsed";
    EXPECT_EQ(r.target, "CH/CPO/1");

    auto wrong = routed();
    wrong.path_params = {{"interface", "both"}, {"module", "parking"}};
    EXPECT_EQ(std::get<2>(failure(wrong, {RouteKind::custom, "", scpi::InterfaceRole::SENDER})),
              "No interface both found. Expected one of [SENDER, RECEIVER].");
}

TEST(RoutedRequest, TokenIsWhatFollowsTheTokenScheme) {
    auto req = routed();
    EXPECT_EQ(token_of(req), "abc");
    req.headers.set("Authorization", "Bearer abc");
    EXPECT_EQ(token_of(req), "");
}

TEST(NodeErrors, CarryTheReferenceCodesAndStatuses) {
    EXPECT_EQ(errors::receiver_not_registered().status_code(), 4001);
    EXPECT_EQ(errors::receiver_not_registered().http_status(), 200u);
    EXPECT_EQ(errors::timeout("t").status_code(), 4002);
    EXPECT_EQ(errors::unreachable("u").status_code(), 4003);
    EXPECT_EQ(errors::proxied_resource_not_found().http_status(), 404u);
    EXPECT_EQ(errors::proxied_resource_not_found().status_code(), 2003);
    EXPECT_EQ(errors::refused("r").status_code(), 2000);
    EXPECT_EQ(errors::bad_answer("b").status_code(), 3000);
    EXPECT_EQ(errors::bad_answer("b").http_status(), 200u);
    EXPECT_STREQ(errors::invalid_token_c().what(), "Invalid CREDENTIALS_TOKEN_C");
}
