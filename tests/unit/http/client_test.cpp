#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace scn::http;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

Router routes() {
    Router r;
    r.add(Method::get, "/ping", [](Request&) -> asio::awaitable<Response> { co_return Response::text(200, "pong"); });
    r.add(Method::post, "/echo", [](Request& req) -> asio::awaitable<Response> {
        auto res = Response::json(201, req.body);
        res.headers.add("X-Seen-Correlation", std::string(req.header("x-correlation-id").value_or("")));
        co_return res;
    });
    r.add(Method::get, "/target/{rest}", [](Request& req) -> asio::awaitable<Response> {
        co_return Response::text(200, req.target + " " + std::string(req.header("Host").value_or("")));
    });
    r.add(Method::get, "/", [](Request& req) -> asio::awaitable<Response> {
        co_return Response::text(200, req.target + " " + std::string(req.header("Host").value_or("")));
    });
    r.add(Method::get, "/big",
          [](Request&) -> asio::awaitable<Response> { co_return Response::text(200, std::string(100'000, 'z')); });
    r.add(Method::get, "/wait", [](Request&) -> asio::awaitable<Response> {
        asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
        co_await t.async_wait(asio::use_awaitable);
        co_return Response::text(200, "waited");
    });
    r.add(Method::post, "/once", [](Request& req) -> asio::awaitable<Response> {
        auto res = Response::text(200, req.body);
        res.drop_connection = true;  // offers keep-alive, then closes anyway
        co_return res;
    });
    r.add(Method::get, "/never", [](Request&) -> asio::awaitable<Response> {
        asio::steady_timer t(co_await asio::this_coro::executor, 10s);
        co_await t.async_wait(asio::use_awaitable);
        co_return Response::text(200, "late");
    });
    return r;
}

/// A port on which nothing listens: bind, read the port, close.
std::uint16_t closed_port() {
    asio::io_context ioc;
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace

TEST(Client, RoundTripsAgainstTheServer) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto port = server.start();
    ClientRequest req{Method::post, "http://127.0.0.1:" + std::to_string(port) + "/echo", {}, R"({"a":1})"};
    req.headers.add("X-Correlation-ID", "c-1");
    const auto r = send_blocking(req);
    EXPECT_EQ(r.status, 201u);
    EXPECT_EQ(r.body, R"({"a":1})");
    EXPECT_EQ(r.headers.get("x-seen-correlation"), "c-1");
    server.stop();
}

TEST(Client, SendsTheUrlsPathQueryAndHostAsGiven) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto port = std::to_string(server.start());
    const auto target_of = [&](const std::string& url) { return send_blocking({Method::get, url, {}, {}}).body; };
    // Plain URLs (split without a URL parser) and URLs with escapes or user info (through Boost.URL)
    // must reach the server the same way.
    EXPECT_EQ(target_of("http://127.0.0.1:" + port + "/target/a?offset=10&limit=5"),
              "/target/a?offset=10&limit=5 127.0.0.1:" + port);
    EXPECT_EQ(target_of("http://127.0.0.1:" + port), "/ 127.0.0.1:" + port);
    EXPECT_EQ(target_of("http://127.0.0.1:" + port + "/"), "/ 127.0.0.1:" + port);
    EXPECT_EQ(target_of("http://localhost:" + port + "/target/x"), "/target/x localhost:" + port);
    EXPECT_EQ(target_of("http://127.0.0.1:" + port + "/target/a%20b?q=%41"), "/target/a%20b?q=%41 127.0.0.1:" + port);
    EXPECT_EQ(target_of("http://user@127.0.0.1:" + port + "/target/u"), "/target/u 127.0.0.1:" + port);
    EXPECT_THROW(target_of("http://127.0.0.1:" + port + "/target/f#frag"), ClientError) << "no fragments";
    EXPECT_EQ(target_of("http://127.0.0.1:" + port + "?x=1"), "/?x=1 127.0.0.1:" + port);
    server.stop();
}

TEST(Client, ReusesPooledConnections) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto port = server.start();
    Client client(io.ioc().get_executor());
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/ping";
    for (int i = 0; i < 5; ++i) {
        auto f = asio::co_spawn(io.ioc(), client.send({Method::get, url, {}, {}}), asio::use_future);
        ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
        EXPECT_EQ(f.get().body, "pong");
    }
    EXPECT_EQ(io.run([&] { return client.connections_opened(); }), 1u);
    server.stop();
}

TEST(Client, ReconnectsWhenThePooledConnectionWasClosed) {
    scn::test::IoThread io;
    ServerOptions o;
    o.idle_timeout = 100ms;  // the server drops idle keep-alive connections quickly
    Server server(io.ioc(), o, routes());
    const auto port = server.start();
    Client client(io.ioc().get_executor());
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/ping";
    auto first = asio::co_spawn(io.ioc(), client.send({Method::get, url, {}, {}}), asio::use_future);
    ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
    first.get();
    std::this_thread::sleep_for(300ms);
    auto second = asio::co_spawn(io.ioc(), client.send({Method::get, url, {}, {}}), asio::use_future);
    ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(second.get().body, "pong");
    EXPECT_EQ(io.run([&] { return client.connections_opened(); }), 2u);
    server.stop();
}

namespace {

/// Sends `n` requests at once, so that the client opens `n` connections and pools them all.
void fill_pool(scn::test::IoThread& io, Client& client, const std::string& url, int n) {
    std::vector<std::future<ClientResponse>> replies;
    for (int i = 0; i < n; ++i) {
        replies.push_back(asio::co_spawn(io.ioc(), client.send({Method::get, url, {}, {}}), asio::use_future));
    }
    for (auto& r : replies) {
        ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
        ASSERT_EQ(r.get().body, "waited");
    }
}

}  // namespace

TEST(Client, NeverReusesPooledConnectionsThePeerClosed) {
    // Several pooled connections, all closed by the server's idle timeout (as Node.js does after 5 s): a request
    // must neither fail nor spend its retry on another dead connection of the same pool.
    scn::test::IoThread io;
    ServerOptions o;
    o.idle_timeout = 100ms;
    Server server(io.ioc(), o, routes());
    const auto base = "http://127.0.0.1:" + std::to_string(server.start());
    Client client(io.ioc().get_executor());
    fill_pool(io, client, base + "/wait", 4);
    ASSERT_EQ(io.run([&] { return client.connections_opened(); }), 4u);
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(300ms);  // every pooled connection has been closed by the server
        for (int i = 0; i < 3; ++i) {
            const auto reply = io.await(client.send({Method::post, base + "/echo", {}, "{}"}));
            EXPECT_EQ(reply.status, 201u) << "round " << round << ", request " << i;
        }
    }
    // One new connection per idle gap, reused for the requests that follow it.
    EXPECT_EQ(io.run([&] { return client.connections_opened(); }), 7u);
    server.stop();
}

TEST(Client, DropsConnectionsIdleForLongerThanAllowed) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());  // keeps idle connections for a minute
    const auto url = "http://127.0.0.1:" + std::to_string(server.start()) + "/ping";
    ClientOptions options;
    options.max_idle_time = 100ms;
    Client client(io.ioc().get_executor(), options);
    EXPECT_EQ(io.await(client.send({Method::get, url, {}, {}})).body, "pong");
    EXPECT_EQ(io.await(client.send({Method::get, url, {}, {}})).body, "pong");
    EXPECT_EQ(io.run([&] { return client.connections_opened(); }), 1u) << "reused while fresh";
    std::this_thread::sleep_for(250ms);
    EXPECT_EQ(io.await(client.send({Method::get, url, {}, {}})).body, "pong");
    EXPECT_EQ(io.run([&] { return client.connections_opened(); }), 2u) << "a new one after the idle limit";
    server.stop();
}

TEST(Client, AnswersFromAPeerThatClosesAfterEveryAnswer) {
    // The answer offers keep-alive, the server closes anyway: the next request must not fail, whether the client
    // sees the close before writing or only when the write meets the closed connection.
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto url = "http://127.0.0.1:" + std::to_string(server.start()) + "/once";
    Client client(io.ioc().get_executor());
    for (int i = 0; i < 20; ++i) {
        const auto body = "request " + std::to_string(i);
        EXPECT_EQ(io.await(client.send({Method::post, url, {}, body})).body, body);
    }
    const auto opened = io.run([&] { return client.connections_opened(); });
    EXPECT_GE(opened, 20u);
    EXPECT_LE(opened, 40u) << "at most one retry per request";
    server.stop();
}

TEST(Client, ConnectionRefusedIsReportedQuickly) {
    const auto started = std::chrono::steady_clock::now();
    try {
        send_blocking({Method::post, "http://127.0.0.1:" + std::to_string(closed_port()) + "/x", {}, "{}"});
        FAIL() << "expected an error";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ClientError::Kind::connect);
        EXPECT_NE(std::string(e.what()).find("POST http://127.0.0.1:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(Client, ASilentServerTimesOutWithinTheBound) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto port = server.start();
    ClientRequest req{Method::get, "http://127.0.0.1:" + std::to_string(port) + "/never", {}, {}};
    req.timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    try {
        send_blocking(req);
        FAIL() << "expected a timeout";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ClientError::Kind::timeout) << e.what();
    }
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    server.stop();
}

TEST(Client, RefusesOversizedResponses) {
    scn::test::IoThread io;
    Server server(io.ioc(), {}, routes());
    const auto port = server.start();
    ClientOptions o;
    o.max_response_body = 1000;
    try {
        send_blocking({Method::get, "http://127.0.0.1:" + std::to_string(port) + "/big", {}, {}}, o);
        FAIL();
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ClientError::Kind::too_large);
    }
    server.stop();
}

TEST(Client, RejectsWhatIsNotAnHttpUrl) {
    for (const char* url : {"ftp://x/y", "localhost:3000/x", "", "http://"}) {
        try {
            send_blocking({Method::get, url, {}, {}});
            FAIL() << url;
        } catch (const ClientError& e) {
            EXPECT_EQ(e.kind(), ClientError::Kind::invalid_url) << url;
        }
    }
}

// --- HTTPS against a TLS server with a certificate made in the test -------------------------------------------

namespace {

struct TestCertificate {
    std::string cert_pem;
    std::string key_pem;
};

/// A self-signed certificate for `name` (used as its own CA).
TestCertificate make_certificate(const std::string& name) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert, subject);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:" + name},
                                     std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(cert, key, EVP_sha256());
    BIO* cb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, cert);
    BIO* kb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
    auto read_all = [](BIO* b) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(b, &data);
        return std::string(data, static_cast<std::size_t>(n));
    };
    TestCertificate out{read_all(cb), read_all(kb)};
    BIO_free(cb);
    BIO_free(kb);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

/// Serves HTTPS on 127.0.0.1 and answers every request with "secure".
class TlsServer {
public:
    explicit TlsServer(const TestCertificate& c) : ssl_(asio::ssl::context::tls_server) {
        ssl_.use_certificate_chain(asio::buffer(c.cert_pem));
        ssl_.use_private_key(asio::buffer(c.key_pem), asio::ssl::context::pem);
        acceptor_.open(asio::ip::tcp::v4());
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(io_.ioc(), accept(), asio::detached);
    }
    ~TlsServer() {
        io_.run([this] {
            acceptor_.close();
            return 0;
        });
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                co_return;
            }
            asio::co_spawn(io_.ioc(), serve(std::move(socket)), asio::detached);
        }
    }
    asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
        boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(socket), ssl_);
        boost::beast::get_lowest_layer(stream).expires_after(5s);
        auto [hec] =
            co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (hec) {
            co_return;
        }
        boost::beast::flat_buffer buffer;
        boost::beast::http::request<boost::beast::http::string_body> req;
        auto [rec, rn] =
            co_await boost::beast::http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
        if (rec) {
            co_return;
        }
        boost::beast::http::response<boost::beast::http::string_body> res{boost::beast::http::status::ok, 11};
        res.body() = "secure";
        res.keep_alive(false);
        res.prepare_payload();
        co_await boost::beast::http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    }

    scn::test::IoThread io_;
    asio::ssl::context ssl_;
    asio::ip::tcp::acceptor acceptor_{io_.ioc()};
    std::uint16_t port_ = 0;
};

std::string write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".pem");
    std::ofstream(path) << text;
    return path.string();
}

}  // namespace

TEST(ClientTls, VerifiesTheCertificateChainAndTheHostName) {
    const auto cert = make_certificate("localhost");
    TlsServer server(cert);
    const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
    ClientOptions trusted;
    trusted.ca_file = write_temp("scn-test-ca", cert.cert_pem);

    EXPECT_EQ(send_blocking({Method::get, url, {}, {}}, trusted).body, "secure");

    try {
        send_blocking({Method::get, url, {}, {}});  // system trust store: our test CA is unknown
        FAIL() << "an untrusted certificate was accepted";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ClientError::Kind::tls) << e.what();
    }

    const auto other = make_certificate("not-localhost.example");
    TlsServer wrong_name(other);
    ClientOptions trusts_other;
    trusts_other.ca_file = write_temp("scn-test-ca-other", other.cert_pem);
    try {
        send_blocking({Method::get, "https://localhost:" + std::to_string(wrong_name.port()) + "/", {}, {}},
                      trusts_other);
        FAIL() << "a certificate for another host name was accepted";
    } catch (const ClientError& e) {
        EXPECT_EQ(e.kind(), ClientError::Kind::tls) << e.what();
    }
}
