#include <scn/http/wire.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

using scn::http::Headers;
namespace wire = scn::http::wire;
namespace bhttp = boost::beast::http;

namespace {

std::string response_head(unsigned status, const Headers& headers, std::size_t body_bytes, bool keep_alive) {
    std::string out = "left over from an earlier response";
    wire::write_response_head(out, status, headers, body_bytes, keep_alive);
    return out;
}

// Parses a head plus body with Beast's parser, as a peer would.
template <bool IsRequest>
bhttp::message<IsRequest, bhttp::string_body> parse(const std::string& bytes) {
    bhttp::parser<IsRequest, bhttp::string_body> parser;
    parser.eager(true);
    boost::system::error_code ec;
    const auto used = parser.put(boost::asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(used, bytes.size());
    EXPECT_TRUE(parser.is_done());
    return parser.release();
}

}  // namespace

TEST(Wire, ResponseHeadFramesTheBodyAndKeepsHeadersInOrder) {
    Headers h;
    h.add("Content-Type", "application/json");
    h.add("X-Total-Count", "10");
    h.add("Link", "<http://127.0.0.1:8080/page/1>; rel=\"next\"");
    const std::string body = R"({"status_code":1000})";
    const auto head = response_head(200, h, body.size(), true);
    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Total-Count: 10\r\n"
              "Link: <http://127.0.0.1:8080/page/1>; rel=\"next\"\r\nContent-Length: 20\r\n\r\n");
    const auto msg = parse<false>(head + body);
    EXPECT_EQ(msg.result_int(), 200u);
    EXPECT_EQ(msg.body(), body);
    EXPECT_TRUE(msg.keep_alive());
}

TEST(Wire, ResponseHeadClosesAndOmitsLengthWhereThereIsNoBody) {
    const auto closing = response_head(404, Headers{}, 9, false);
    EXPECT_EQ(closing, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n");
    EXPECT_FALSE(parse<false>(closing + "Not Found").keep_alive());
    EXPECT_EQ(response_head(204, Headers{}, 0, true), "HTTP/1.1 204 No Content\r\n\r\n");
    EXPECT_TRUE(wire::status_without_body(304));
    EXPECT_TRUE(wire::status_without_body(100));
    EXPECT_FALSE(wire::status_without_body(200));
}

TEST(Wire, FramingHeadersOfTheCallerAreIgnoredAndLineBreaksNeutralised) {
    Headers h;
    h.add("Content-Length", "999");
    h.add("Transfer-Encoding", "chunked");
    h.add("connection", "close");
    h.add("X-Note", "one\r\nX-Injected: yes");
    h.add("X-Lf", "a\nb");
    h.add("X-Cr", "c\rd");
    const auto head = response_head(200, h, 2, true);
    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nX-Note: one  X-Injected: yes\r\nX-Lf: a b\r\nX-Cr: c d\r\nContent-Length: 2\r\n\r\n");
    const auto msg = parse<false>(head + "{}");
    EXPECT_EQ(msg.body(), "{}");
    EXPECT_EQ(msg.count("X-Injected"), 0u);
}

TEST(Wire, RequestHeadCarriesHostAgentAndLength) {
    Headers h;
    h.add("Authorization", "Token abc");
    h.add("Host", "evil.example");
    const auto get = wire::request_head("GET", "/scpi/sender/2.2/locations?offset=0&limit=10", "127.0.0.1:3000", h, 0);
    EXPECT_EQ(get,
              "GET /scpi/sender/2.2/locations?offset=0&limit=10 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n"
              "User-Agent: scn-tools\r\nAuthorization: Token abc\r\n\r\n");
    const auto msg = parse<true>(get);
    EXPECT_EQ(msg.target(), "/scpi/sender/2.2/locations?offset=0&limit=10");
    EXPECT_EQ(msg[bhttp::field::host], "127.0.0.1:3000");

    // A POST always states its length, even when empty; a caller's User-Agent replaces ours.
    Headers agent;
    agent.add("User-Agent", "driver-app/1.0");
    const auto post = wire::request_head("POST", "/x", "node", agent, 0);
    EXPECT_EQ(post, "POST /x HTTP/1.1\r\nHost: node\r\nUser-Agent: driver-app/1.0\r\nContent-Length: 0\r\n\r\n");
    const auto put = wire::request_head("PUT", "/y", "node", Headers{}, 5);
    EXPECT_EQ(parse<true>(put + "hello").body(), "hello");
}
