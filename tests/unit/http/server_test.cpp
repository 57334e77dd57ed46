#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace scn::http;
using namespace std::chrono_literals;

namespace {

/// A plain socket to 127.0.0.1 with a receive timeout, for speaking raw HTTP at the server.
class RawClient {
public:
    explicit RawClient(std::uint16_t port, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (receive_buffer > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    [[nodiscard]] bool connected() const { return connected_; }
    void send(std::string_view data) { (void)::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
    /// Reads until `needle` has arrived, the peer closed, or 5 s passed.
    std::string read_until(std::string_view needle) {
        std::string out;
        char buf[4096];
        while (out.find(needle) == std::string::npos) {
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }
    /// True if the server closed the connection (recv returns 0) within the socket timeout.
    bool closed_by_peer() {
        char buf[256];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        return n == 0;
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

/// A 16 MB file of known bytes, made once per test process and shared by the file-body routes.
struct TestFile {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("scn-server-test-" + std::to_string(::getpid()) + ".bin");
    std::shared_ptr<const int> fd;
    std::string bytes;
    TestFile() {
        bytes.resize(16 * 1024 * 1024);
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
        }
        std::ofstream(path, std::ios::binary) << bytes;
        fd = std::shared_ptr<const int>(new int(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), [](const int* f) {
            ::close(*f);
            delete f;
        });
        std::filesystem::remove(path);  // the open descriptor keeps the data
    }
};

const TestFile& test_file() {
    static const TestFile file;
    return file;
}

Router test_routes() {
    Router r;
    // GET /file?length=N: "head:" + N bytes of the test file from offset 10 + ":end".
    r.add(Method::get, "/file", [](Request& req) -> boost::asio::awaitable<Response> {
        const auto& f = test_file();
        auto res = Response::text(200, "head:");
        res.file = FileSlice{f.fd, *f.fd, 10, std::stoull(req.query_param("length").value_or("100"))};
        res.tail = ":end";
        co_return res;
    });
    // GET /shared?length=N: "<" + N bytes held in memory elsewhere, written from there + ">".
    r.add(Method::get, "/shared", [](Request& req) -> boost::asio::awaitable<Response> {
        const auto& f = test_file();
        auto res = Response::text(200, "<");
        const auto length = std::stoull(req.query_param("length").value_or("100"));
        res.shared = SharedBytes{f.fd, std::string_view(f.bytes).substr(20, length)};
        res.tail = ">";
        co_return res;
    });
    // GET /path/...: the decoded path and the raw query, as the handler sees them.
    r.add(Method::get, "/path/{rest}", [](Request& req) -> boost::asio::awaitable<Response> {
        co_return Response::text(200, req.path + "|" + req.query + "|" + std::string(req.param("rest")));
    });
    r.add(Method::get, "/hello", [](Request& req) -> boost::asio::awaitable<Response> {
        co_return Response::text(200, "hello" + std::string(req.query_param("name").value_or("")));
    });
    r.add(Method::post, "/echo",
          [](Request& req) -> boost::asio::awaitable<Response> { co_return Response::json(200, req.body); });
    r.add(Method::get, "/boom", [](Request&) -> boost::asio::awaitable<Response> {
        throw std::runtime_error("kaboom");
        co_return Response{};
    });
    // GET /stream: a streamed body, "tick N\n" every wake or 50 ms, until the peer or the server ends it.
    r.add(Method::get, "/stream", [](Request&) -> boost::asio::awaitable<Response> {
        Response res;
        res.headers.set("Content-Type", "text/event-stream");
        res.stream = std::make_shared<StreamBody>([](StreamWriter& out) -> boost::asio::awaitable<void> {
            for (int i = 0;; ++i) {
                if (!co_await out.write("tick " + std::to_string(i) + "\n")) {
                    co_return;
                }
                if (!co_await out.wait(50ms)) {
                    co_return;
                }
            }
        });
        co_return res;
    });
    r.add(Method::get, "/slow", [](Request&) -> boost::asio::awaitable<Response> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 300ms);
        co_await t.async_wait(boost::asio::use_awaitable);
        co_return Response::text(200, "done");
    });
    return r;
}

struct Harness {
    scn::test::IoThread io;
    std::shared_ptr<scn::core::CaptureSink> log = std::make_shared<scn::core::CaptureSink>();
    std::unique_ptr<Server> server;
    std::uint16_t port = 0;

    explicit Harness(ServerOptions options = {}) {
        options.access_log = scn::core::Logger("test", log);
        if (!options.hooks.error_response) {
            options.hooks.error_response = [](const Request&, std::exception_ptr e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    return Response::json(500, std::string("{\"error\":\"") + ex.what() + "\"}");
                }
            };
        }
        options.hooks.protocol_error = [](unsigned status, std::string_view reason) {
            return Response::json(status, "{\"protocol_error\":\"" + std::string(reason) + "\"}");
        };
        server = std::make_unique<Server>(io.ioc(), std::move(options), test_routes());
        port = server->start();
    }
    ~Harness() {
        server->stop();
        io.run([] { return 0; });
    }
    [[nodiscard]] std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

/// A reader that asks for 16 MB and reads none of it: the server's socket buffer fills up and the write timeout
/// (300 ms) must close the connection, while others are served meanwhile.
void expect_stalled_reader_cut_off(const std::string& target) {
    ServerOptions o;
    o.write_timeout = 300ms;
    Harness h(std::move(o));
    RawClient stalled(h.port, 4096);  // a small receive window
    ASSERT_TRUE(stalled.connected());
    stalled.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(send_blocking({Method::get, h.url("/hello"), {}, {}}).status, 200u);
    while (h.server->connections() > 0 && std::chrono::steady_clock::now() - started < 5s) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(h.server->connections(), 0u) << "the stalled connection must be closed after the write timeout";
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 4s);
}

}  // namespace

TEST(Server, AnswersAndLogsOneLinePerRequest) {
    Harness h;
    const auto r = send_blocking({Method::get, h.url("/hello?name=%20you"), {}, {}});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "hello you");
    ASSERT_TRUE(h.log->wait_for("GET /hello", 2s));
    const auto line = h.log->lines().back();
    // "test | GET /hello?name=%20you 200 0.123 ms - 9"
    const std::string prefix = "test | GET /hello?name=%20you 200 ";
    const std::string suffix = " ms - 9";
    ASSERT_TRUE(line.starts_with(prefix)) << line;
    ASSERT_TRUE(line.ends_with(suffix)) << line;
    const auto ms = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
    const auto dot = ms.find('.');
    ASSERT_NE(dot, std::string::npos) << line;
    EXPECT_EQ(ms.size() - dot - 1, 3u) << "three decimals: " << line;
    EXPECT_TRUE(std::all_of(ms.begin(), ms.end(), [](char c) { return c == '.' || std::isdigit(c) != 0; })) << line;
}

TEST(Server, AccessLogLineFormat) {
    EXPECT_EQ(access_log_line("GET", "/scpi/versions", 200, std::chrono::microseconds(4932), 147),
              "GET /scpi/versions 200 4.932 ms - 147");
    EXPECT_EQ(access_log_line("POST", "/x", 404, std::chrono::nanoseconds(696'400), 59), "POST /x 404 0.696 ms - 59");
}

TEST(Server, KeepsConnectionsAliveAcrossRequests) {
    Harness h;
    RawClient c(h.port);
    ASSERT_TRUE(c.connected());
    for (int i = 0; i < 3; ++i) {
        c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto reply = c.read_until("hello");
        EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
    }
    EXPECT_EQ(h.server->connections(), 1u);
}

TEST(Server, HandlerExceptionsReachTheErrorHookAndTheConnectionSurvives) {
    Harness h;
    RawClient c(h.port);
    c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto reply = c.read_until("}");
    EXPECT_NE(reply.find("HTTP/1.1 500"), std::string::npos) << reply;
    EXPECT_NE(reply.find("kaboom"), std::string::npos);
    c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(c.read_until("hello").find("HTTP/1.1 200"), std::string::npos);
}

TEST(Server, NotFoundAndMethodNotAllowedUseTheirHooks) {
    ServerOptions o;
    o.hooks.not_found = [](const Request& r) { return Response::json(404, "{\"no\":\"" + r.path + "\"}"); };
    o.hooks.method_not_allowed = [](const Request&, const std::vector<Method>& allowed) {
        return Response::json(405, "{\"allowed\":" + std::to_string(allowed.size()) + "}");
    };
    Harness h(std::move(o));
    const auto missing = send_blocking({Method::get, h.url("/nothing"), {}, {}});
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(missing.body, "{\"no\":\"/nothing\"}");
    const auto wrong = send_blocking({Method::put, h.url("/hello"), {}, {}});
    EXPECT_EQ(wrong.status, 405u);
    EXPECT_EQ(wrong.body, "{\"allowed\":1}");
}

TEST(Server, EnforcesBodyAndHeaderLimits) {
    ServerOptions o;
    o.body_limit = 1024;
    o.header_limit = 2048;
    Harness h(std::move(o));
    const auto big = send_blocking({Method::post, h.url("/echo"), {}, std::string(4096, 'x')});
    EXPECT_EQ(big.status, 413u);
    EXPECT_NE(big.body.find("protocol_error"), std::string::npos);
    ClientRequest fat{Method::get, h.url("/hello"), {}, {}};
    fat.headers.add("X-Padding", std::string(4096, 'y'));
    EXPECT_EQ(send_blocking(fat).status, 431u);
    EXPECT_EQ(send_blocking({Method::post, h.url("/echo"), {}, "{}"}).status, 200u);
}

TEST(Server, MalformedRequestsGet400) {
    Harness h;
    RawClient c(h.port);
    c.send("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_NE(c.read_until("}").find("HTTP/1.1 400"), std::string::npos);
}

TEST(Server, SlowHeadersAreCutOffWhileOthersAreServed) {
    ServerOptions o;
    o.read_timeout = 300ms;
    Harness h(std::move(o));
    RawClient slow(h.port);
    slow.send("GET /hello HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(send_blocking({Method::get, h.url("/hello"), {}, {}}).status, 200u);
    }
    EXPECT_TRUE(slow.closed_by_peer());
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 3s);
}

TEST(Server, ExpectContinueIsAnswered) {
    Harness h;
    RawClient c(h.port);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_NE(c.read_until("\r\n\r\n").find("100 Continue"), std::string::npos);
    c.send("{}");
    EXPECT_NE(c.read_until("{}").find("HTTP/1.1 200"), std::string::npos);
}

TEST(Server, StopFinishesRequestsInProgressAndClosesIdleConnections) {
    Harness h;
    RawClient idle(h.port);
    idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_NE(idle.read_until("hello").find("200"), std::string::npos);
    RawClient busy(h.port);
    busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(100ms);
    h.server->stop();
    const auto reply = busy.read_until("done");
    EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << "the request in progress is answered";
    EXPECT_NE(reply.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(idle.closed_by_peer());
    RawClient late(h.port);
    EXPECT_FALSE(late.connected()) << "no new connections after stop";
}

TEST(Server, FileBodiesGoOutBetweenBodyAndTail) {
    Harness h;
    for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{180'000}, std::size_t{9'000'000}}) {
        const auto r = send_blocking({Method::get, h.url("/file?length=" + std::to_string(length)), {}, {}});
        ASSERT_EQ(r.status, 200u);
        ASSERT_EQ(r.body.size(), length + 9);
        EXPECT_EQ(r.body, "head:" + test_file().bytes.substr(10, length) + ":end") << length;
        EXPECT_EQ(r.headers.get("Content-Length"), std::to_string(length + 9));
    }
    ASSERT_TRUE(h.log->wait_for("GET /file?length=9000000 200", 2s));
    EXPECT_TRUE(h.log->contains(" ms - 9000009"));
    // Signing code needs the whole body in memory: inline_file() reads it back.
    Response res = Response::text(200, "<");
    res.file = FileSlice{test_file().fd, *test_file().fd, 100, 5000};
    res.tail = ">";
    res.inline_file();
    EXPECT_FALSE(res.file.has_value());
    EXPECT_EQ(res.body, "<" + test_file().bytes.substr(100, 5000) + ">");
}

TEST(Server, SharedBodiesGoOutBetweenBodyAndTail) {
    Harness h;
    for (const std::size_t length : {std::size_t{0}, std::size_t{3000}, std::size_t{5'000'000}}) {
        const auto r = send_blocking({Method::get, h.url("/shared?length=" + std::to_string(length)), {}, {}});
        ASSERT_EQ(r.status, 200u);
        EXPECT_EQ(r.body, "<" + test_file().bytes.substr(20, length) + ">") << length;
        EXPECT_EQ(r.headers.get("Content-Length"), std::to_string(length + 2));
    }
    ASSERT_TRUE(h.log->wait_for(" ms - 5000002", 2s));
    // Code that must see the whole body (signing) gets it in `body`.
    Response res = Response::text(200, "[");
    res.shared = SharedBytes{nullptr, "middle"};
    res.tail = "]";
    EXPECT_EQ(res.body_size(), 8u);
    res.inline_file();
    EXPECT_FALSE(res.shared.has_value());
    EXPECT_EQ(res.body, "[middle]");
    EXPECT_EQ(res.body_size(), 8u);
}

TEST(Server, TargetsAreSplitIntoADecodedPathAndARawQuery) {
    Harness h;
    const auto get = [&](const std::string& target) {
        RawClient c(h.port);
        c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const auto reply = c.read_until("\r\n\r\n");
        const auto status = reply.substr(0, reply.find("\r\n"));
        const auto rest = c.read_until("\n\n");  // the peer closes: everything that is left
        return status + " " + (reply + rest).substr((reply + rest).find("\r\n\r\n") + 4);
    };
    EXPECT_EQ(get("/path/Loc1"), "HTTP/1.1 200 OK /path/Loc1||Loc1");
    EXPECT_EQ(get("/path/Loc1?offset=10&date_from=2019-01-01T00:00:00Z"),
              "HTTP/1.1 200 OK /path/Loc1|offset=10&date_from=2019-01-01T00:00:00Z|Loc1");
    EXPECT_EQ(get("/path/a%20b?q=%41"), "HTTP/1.1 200 OK /path/a b|q=%41|a b") << "escapes decoded in the path only";
    EXPECT_EQ(get("/path/x?y=1?z=/2"), "HTTP/1.1 200 OK /path/x|y=1?z=/2|x");
    EXPECT_EQ(get("/path/%zz").substr(0, 12), "HTTP/1.1 400") << "a malformed escape";
    EXPECT_EQ(get("/path/a\"b").substr(0, 12), "HTTP/1.1 400") << "a character no target may hold";
}

TEST(Server, AReaderThatStopsReadingAnInMemoryBodyIsCutOff) {
    expect_stalled_reader_cut_off("/shared?length=16000000");
}

TEST(Server, IdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout) {
    ServerOptions o;
    o.idle_timeout = 200ms;
    Harness h(std::move(o));
    RawClient c(h.port);
    c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_NE(c.read_until("hello").find("200"), std::string::npos);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(c.closed_by_peer());
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 150ms);
    EXPECT_LT(waited, 2s);
}

TEST(Server, ConnectionsBeyondTheLimitAreClosedAndTheOthersServed) {
    ServerOptions o;
    o.max_connections = 2;
    Harness h(std::move(o));
    RawClient first(h.port);
    auto second = std::make_unique<RawClient>(h.port);
    first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    second->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_NE(first.read_until("hello").find("200"), std::string::npos);
    ASSERT_NE(second->read_until("hello").find("200"), std::string::npos);
    RawClient third(h.port);  // the kernel completes the handshake; the server closes it at once
    EXPECT_TRUE(third.closed_by_peer());
    EXPECT_TRUE(h.log->contains("connection limit reached (2 open)"));
    first.send("GET /hello?name=again HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(first.read_until("helloagain").find("200"), std::string::npos) << "the open ones are still served";
    second.reset();
    const auto started = std::chrono::steady_clock::now();
    while (h.server->connections() > 1 && std::chrono::steady_clock::now() - started < 5s) {
        std::this_thread::sleep_for(20ms);
    }
    RawClient fourth(h.port);
    fourth.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(fourth.read_until("hello").find("200"), std::string::npos) << "room again after one ended";
    EXPECT_TRUE(h.log->contains("connections accepted again"));
}

TEST(Server, AReaderThatStopsReadingAFileBodyIsCutOff) {
    expect_stalled_reader_cut_off("/file?length=16000000");
}

TEST(Server, AReaderThatHangsUpInTheMiddleOfAFileBodyDoesNotStopTheServer) {
    Harness h;
    for (int i = 0; i < 3; ++i) {
        {
            RawClient gone(h.port, 4096);
            ASSERT_TRUE(gone.connected());
            gone.send("GET /file?length=16000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            ASSERT_NE(gone.read_until("head:").find("head:"), std::string::npos);
            // Closing with unread data resets the connection: the server's next sendfile meets a dead peer (EPIPE),
            // which must be an error for that connection and not a signal that ends the process.
        }
        const auto started = std::chrono::steady_clock::now();
        while (h.server->connections() > 0 && std::chrono::steady_clock::now() - started < 5s) {
            std::this_thread::sleep_for(10ms);
        }
        EXPECT_EQ(h.server->connections(), 0u);
        EXPECT_EQ(send_blocking({Method::get, h.url("/hello"), {}, {}}).status, 200u);
    }
}

TEST(Server, StreamedBodiesGoOutAsWrittenAndEndWithTheConnection) {
    Harness h;
    RawClient c(h.port);
    c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto reply = c.read_until("tick 3\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
    EXPECT_NE(reply.find("Content-Type: text/event-stream\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
    EXPECT_EQ(reply.find("Content-Length"), std::string::npos) << reply;
    EXPECT_NE(reply.find("\r\n\r\ntick 0\ntick 1\n"), std::string::npos) << reply;
    EXPECT_EQ(h.server->connections(), 1u);
}

TEST(Server, AStreamEndsWhenThePeerHangsUp) {
    Harness h;
    {
        RawClient c(h.port);
        c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
        ASSERT_NE(c.read_until("tick 1\n").find("tick 1"), std::string::npos);
    }
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (h.server->connections() > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(h.server->connections(), 0u);
    EXPECT_TRUE(h.log->wait_for("GET /stream 200", 2s)) << "one access-log line when the stream ends";
}

TEST(Server, StopEndsStreams) {
    Harness h;
    RawClient c(h.port);
    c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_NE(c.read_until("tick 0\n").find("tick 0"), std::string::npos);
    h.server->stop();
    (void)c.read_until("never sent");  // reads what is left until the server closes
    EXPECT_TRUE(c.closed_by_peer());
}
