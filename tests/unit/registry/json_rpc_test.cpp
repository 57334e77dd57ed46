#include <scn/http/server.hpp>
#include <scn/registry/json_rpc.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace scn::registry;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A stand-in chain: eth_chainId answers 0x9, eth_call reverts the way ganache does, anything else is not JSON.
scn::http::Router fake_chain() {
    scn::http::Router r;
    r.add(scn::http::Method::post, "/", [](scn::http::Request& req) -> asio::awaitable<scn::http::Response> {
        const auto call = json::parse(req.body).as_object();
        const auto method = call.at("method").as_string();
        json::object reply{{"jsonrpc", "2.0"}, {"id", call.at("id")}};
        if (method == "eth_chainId") {
            reply["result"] = "0x9";
        } else if (method == "eth_call") {
            reply["error"] = {{"code", -32000},
                              {"message", "VM Exception while processing transaction: revert No roles provided."},
                              {"data", "0x08c379a0"}};
        } else {
            co_return scn::http::Response::text(502, "<html>bad gateway</html>");
        }
        co_return scn::http::Response::json(200, json::serialize(reply));
    });
    return r;
}

}  // namespace

TEST(JsonRpc, ReturnsResultsAndMapsErrors) {
    scn::test::IoThread io;
    scn::http::Server server(io.ioc(), {}, fake_chain());
    const auto port = server.start();
    scn::http::Client http(io.ioc().get_executor());
    JsonRpcClient rpc(http, "http://127.0.0.1:" + std::to_string(port) + "/");

    EXPECT_EQ(parse_quantity(io.await(rpc.call("eth_chainId", {}))), 9u);

    try {
        io.await(rpc.call("eth_call", {}));
        FAIL();
    } catch (const JsonRpcError& e) {
        EXPECT_EQ(e.code(), -32000);
        EXPECT_NE(std::string(e.what()).find("No roles provided."), std::string::npos);
        EXPECT_EQ(e.data().as_string(), "0x08c379a0");
    }

    EXPECT_THROW(io.await(rpc.call("eth_gasPrice", {})), JsonRpcUnavailable);
    server.stop();
}

TEST(JsonRpc, UnreachableChainIsReportedWithinTheTimeout) {
    scn::test::IoThread io;
    scn::http::Client http(io.ioc().get_executor());
    asio::ip::tcp::acceptor probe(io.ioc(), {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = probe.local_endpoint().port();
    probe.close();
    JsonRpcClient rpc(http, "http://127.0.0.1:" + std::to_string(port), 2s);
    try {
        io.await(rpc.call("eth_chainId", {}));
        FAIL();
    } catch (const JsonRpcUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("not reachable"), std::string::npos) << e.what();
    }
}

TEST(JsonRpc, Quantities) {
    EXPECT_EQ(to_quantity(0), "0x0");
    EXPECT_EQ(to_quantity(28), "0x1c");
    EXPECT_EQ(parse_quantity(json::value("0x77359400")), 2000000000u);
    EXPECT_THROW((void)parse_quantity(json::value("12")), std::invalid_argument);
    EXPECT_THROW((void)parse_quantity(json::value("0x")), std::invalid_argument);
    EXPECT_THROW((void)parse_quantity(json::value("0xzz")), std::invalid_argument);
    EXPECT_THROW((void)parse_quantity(json::value(12)), std::invalid_argument);
}
