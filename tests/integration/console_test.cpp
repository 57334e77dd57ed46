// The live console of the local node: the event stream carries a request as the node routes it, and the snapshot
// has it, with the token masked.
#include <scn/http/client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

#include "local_network.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace asio = boost::asio;
using test::LocalNetwork;

namespace {

bool has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

/// A blocking reader of an event stream, on its own socket (reads time out after 200 ms each).
struct EventReader {
    asio::io_context ioc;
    asio::ip::tcp::socket socket{ioc};
    std::string received;

    EventReader(const std::string& port, const std::string& target) {
        asio::ip::tcp::resolver resolver(ioc);
        asio::connect(socket, resolver.resolve("127.0.0.1", port));
        timeval tv{0, 200'000};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const std::string request =
            "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
        asio::write(socket, asio::buffer(request));
    }
    /// Reads until `text` arrived or `timeout` passed.
    bool wait_for(std::string_view text, std::chrono::milliseconds timeout = 10s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        char buffer[4096];
        while (!has(received, text) && std::chrono::steady_clock::now() < until) {
            boost::system::error_code ec;
            const auto n = socket.read_some(asio::buffer(buffer), ec);
            if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                break;
            }
            received.append(buffer, n);
        }
        return has(received, text);
    }
};

http::ClientResponse get(const std::string& url) {
    http::ClientRequest request;
    request.url = url;
    return http::send_blocking(std::move(request));
}

std::string port_of(const std::string& url) {
    return url.substr(url.rfind(':') + 1);
}

}  // namespace

TEST(Console, NodeStreamsARoutedRequestAndKeepsItInTheSnapshot) {
    LocalNetwork net;
    const auto url = net.node->url();

    const auto page = get(url + "/console");
    EXPECT_EQ(page.status, 200u);
    EXPECT_TRUE(has(page.body, "<title>SCN console</title>"));
    EXPECT_EQ(get(url + "/console/console.js").status, 200u);

    EventReader events(port_of(url), "/console/api/events");
    ASSERT_TRUE(events.wait_for("retry:")) << events.received;
    EXPECT_TRUE(events.received.starts_with("HTTP/1.1 200 OK\r\n")) << events.received;
    EXPECT_TRUE(has(events.received, "Content-Type: text/event-stream")) << events.received;

    const auto reply = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc1");
    ASSERT_TRUE(reply.ok()) << reply.describe();
    ASSERT_TRUE(events.wait_for(R"("path":"/scpi/sender/2.2/locations/Loc1")")) << events.received;
    EXPECT_TRUE(has(events.received, "event: message\n")) << events.received;
    EXPECT_FALSE(has(events.received, net.msp_connection.token_c)) << "the token is masked";

    const auto snapshot = json::parse(get(url + "/console/api/snapshot").body);
    EXPECT_EQ(snapshot.at("kind"), "node");
    const json::object* found = nullptr;
    for (const auto& m : snapshot.at("messages").as_array()) {
        if (m.at("path") == "/scpi/sender/2.2/locations/Loc1") {
            found = &m.as_object();
        }
    }
    ASSERT_NE(found, nullptr) << json::serialize(snapshot);
    EXPECT_EQ(found->at("direction"), "routed");
    EXPECT_EQ(found->at("from"), "CH/MSP");
    EXPECT_EQ(found->at("to"), "CH/CPO");
    EXPECT_EQ(found->at("module"), "locations");
    EXPECT_EQ(found->at("status"), 200);
    EXPECT_EQ(found->at("scpi_status"), 1000);
    EXPECT_EQ(found->at("response_body").at("data").at("id"), "Loc1");
    EXPECT_FALSE(has(json::serialize(snapshot), net.msp_connection.token_c));

    // The parties: both connected and listed in the registry.
    std::size_t listed = 0;
    for (const auto& p : snapshot.at("parties").at("parties").as_array()) {
        if ((p.at("id") == "CH/CPO" || p.at("id") == "CH/MSP") && p.at("status") == "CONNECTED" &&
            p.at("registry").at("listed").as_bool()) {
            ++listed;
        }
    }
    EXPECT_EQ(listed, 2u) << json::serialize(snapshot.at("parties"));
    // The stream stays open until the node stops (the fixture's destructor).
}

TEST(Console, ErrorsAreRecordedWithTheirEnvelope) {
    LocalNetwork net;
    const auto reply = net.msp_to_cpo(http::Method::get, "/scpi/sender/2.2/locations/Loc1", std::nullopt, "wrong");
    EXPECT_EQ(reply.status_code, 2001);
    const auto snapshot = json::parse(get(net.node->url() + "/console/api/snapshot").body);
    const auto& messages = snapshot.at("messages").as_array();
    ASSERT_FALSE(messages.empty());
    const auto& last = messages.back();
    EXPECT_EQ(last.at("path"), "/scpi/sender/2.2/locations/Loc1");
    EXPECT_EQ(last.at("scpi_status"), 2001);
    EXPECT_EQ(last.at("request_headers").at("Authorization"), "Token \xE2\x80\xA6(5)");
}
