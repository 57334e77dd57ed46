// The credentials module of the mock CPO for a peer connecting bilaterally (OCPI 2.2 §7): the checklist's C-02 ..
// C-13 (the party as the initiator, against the mock MSP) and the rest against the CPO offline, with a scripted
// eMSP-like peer on 127.0.0.1 that serves its versions and details and records every call, and the registered peer as
// the target of the CPO's session pushes.
#include <scn/core/base64.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using Awaitable = boost::asio::awaitable<http::Response>;

/// An eMSP-like peer: versions (as `mode` says), 2.2 details with sessions, CDRs and locations receivers, and 1000 to
/// everything else. Records each request with its Authorization header.
struct ScriptedPeer {
    enum class Mode { ok, server_error, invalid_json, only_211 };
    std::atomic<Mode> mode{Mode::ok};
    std::mutex mutex;
    std::vector<json::object> seen;
    std::unique_ptr<http::Server> server;
    std::string base;

    static http::Response envelope(const std::string& data) {
        return http::Response::json(
            200, R"({"status_code":1000,"data":)" + data + R"(,"timestamp":"2024-01-01T00:00:00Z"})");
    }

    http::Response versions() const {
        switch (mode.load()) {
            case Mode::server_error:
                return http::Response::json(500, R"({"status_code":3000,"timestamp":"2024-01-01T00:00:00Z"})");
            case Mode::invalid_json:
                return http::Response::json(200, R"({"status_code":1000,"data":[{"version":)");
            case Mode::only_211:
                return envelope(R"([{"version":"2.1.1","url":")" + base + R"(/2.1.1"}])");
            case Mode::ok:
                break;
        }
        return envelope(R"([{"version":"2.1.1","url":")" + base + R"(/2.1.1"},{"version":"2.2","url":")" + base +
                        R"(/2.2"}])");
    }

    http::Response details() const {
        std::string endpoints = R"({"identifier":"credentials","role":"SENDER","url":")" + base + R"(/credentials"})";
        for (const auto* m : {"sessions", "cdrs", "locations", "commands"}) {
            endpoints +=
                R"(,{"identifier":")" + std::string(m) + R"(","role":"RECEIVER","url":")" + base + "/" + m + R"("})";
        }
        return envelope(R"({"version":"2.2","endpoints":[)" + endpoints + "]}");
    }

    void start(test::IoThread& io) {
        http::Router r;
        r.add(http::Method::get, "/versions", [this](http::Request& req) -> Awaitable {
            record(req);
            co_return versions();
        });
        r.add(http::Method::get, "/2.2", [this](http::Request& req) -> Awaitable {
            record(req);
            co_return details();
        });
        for (const auto m : {http::Method::get, http::Method::post, http::Method::put, http::Method::patch}) {
            r.add(m, "/{rest...}", [this](http::Request& req) -> Awaitable {
                record(req);
                co_return envelope("null");
            });
        }
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
    }

    void record(const http::Request& req) {
        json::object o{{"method", req.method_name}, {"path", req.path}};
        o["authorization"] = std::string(req.header("Authorization").value_or(""));
        const std::lock_guard lock(mutex);
        seen.push_back(std::move(o));
    }

    /// The requests so far whose method is `method` and whose path starts with `prefix`.
    std::vector<json::object> requests(std::string_view method, std::string_view prefix) {
        const std::lock_guard lock(mutex);
        std::vector<json::object> out;
        for (const auto& o : seen) {
            if (o.at("method").as_string() == method &&
                std::string_view(o.at("path").as_string()).starts_with(prefix)) {
                out.push_back(o);
            }
        }
        return out;
    }
    std::size_t count() {
        const std::lock_guard lock(mutex);
        return seen.size();
    }

    /// Waits (bounded) until a request matching method and prefix has arrived; returns the first.
    std::optional<json::object> wait_for(std::string_view method, std::string_view prefix,
                                         std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto r = requests(method, prefix); !r.empty()) {
                return r.front();
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(20ms);
        }
    }
};

/// Whether an Authorization header carries `token`, raw or Base64-encoded.
bool carries(const json::object& request, const std::string& token) {
    const std::string_view auth = request.at("authorization").as_string();
    return auth == "Token " + token || auth == "Token " + core::base64_encode(token);
}

std::string credentials_json(const std::string& token, const std::string& url) {
    return R"({"token":")" + token + R"(","url":")" + url +
           R"(","roles":[{"role":"EMSP","business_details":{"name":"Peer eMSP"},"party_id":"MSP",
           "country_code":"CH"}]})";
}

std::string token_json(const std::string& uid) {
    return R"({"country_code":"CH","party_id":"MSP","uid":")" + uid +
           R"(","type":"APP_USER","contract_id":"C1","issuer":"peer","valid":true,"whitelist":"NEVER",
           "last_updated":"2024-01-01T00:00:00Z"})";
}

/// The mock CPO offline, with its store in a directory of its own, and the scripted peer.
struct Fixture {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    ScriptedPeer peer;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<http::Client> client;
    std::string token_a;
    std::vector<std::string> required_modules;  ///< the CPO's `required_modules` at its next start

    explicit Fixture(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / ("scn-party-creds-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        peer.start(io);
        io.run([&] {
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
        start_cpo();
        token_a = cpo->offline_token();
    }
    ~Fixture() {
        io.run([&] {
            if (cpo) {
                cpo->stop_all();
            }
            peer.server->stop();
            return 0;
        });
        io.stop();
    }

    void start_cpo() {
        store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        io.run([&] {
            auto c = config::defaults().cpo;
            c.port = 0;
            c.public_url.clear();
            c.warm_data = false;
            c.session_update_interval = 1s;
            c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo";
            c.required_modules = required_modules;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo", log));
            cpo->start_all();
            return 0;
        });
    }
    /// Stops the CPO and starts it again on the same store.
    void restart() {
        io.run([&] {
            cpo->stop_all();
            cpo.reset();
            return 0;
        });
        store.reset();
        start_cpo();
    }

    service::Reply call(http::Method m, const std::string& path, const std::string& token,
                        std::optional<std::string> body = std::nullopt, bool routing = false) {
        service::Call c;
        c.method = m;
        c.url = cpo->public_url() + path;
        c.token = token;
        c.body = std::move(body);
        if (routing) {
            c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        }
        return io.await(service::call(*client, c));
    }
    service::Reply credentials(http::Method m, const std::string& token, std::optional<std::string> body = {}) {
        return call(m, "/scpi/2.2/credentials", token, std::move(body));
    }
    service::Reply locations(const std::string& token) {
        return call(http::Method::get, "/scpi/sender/2.2/locations?limit=1", token, std::nullopt, true);
    }
    /// Registers the peer with TOKEN_B `token_b`; returns TOKEN_C.
    std::string register_peer(const std::string& token_b) {
        const auto r = credentials(http::Method::post, token_a, credentials_json(token_b, peer.base + "/versions"));
        EXPECT_TRUE(r.ok()) << r.describe();
        return r.ok() ? std::string(r.data.at("token").as_string()) : std::string();
    }
    service::Reply start_session(const std::string& token, const std::string& uid) {
        return call(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", token,
                    R"({"response_url":")" + peer.base + "/results/" + uid +
                        R"(","location_id":"Loc1","evse_uid":"CH-CPO-S1E100001","token":)" + token_json(uid) + "}",
                    true);
    }
};

}  // namespace

TEST(PartyCredentials, C02_PostWithTokenAReadsPeerWithTokenBAndAnswersNewTokenC) {
    Fixture t("c02");
    const auto r =
        t.credentials(http::Method::post, t.token_a, credentials_json("peer-token-b", t.peer.base + "/versions"));
    ASSERT_TRUE(r.ok()) << r.describe();
    const std::string token_c(r.data.at("token").as_string());
    EXPECT_FALSE(token_c.empty());
    EXPECT_LE(token_c.size(), 64u);
    EXPECT_NE(token_c, t.token_a);
    EXPECT_NE(token_c, "peer-token-b");
    EXPECT_EQ(r.data.at("url").as_string(), t.cpo->versions_url());
    ASSERT_FALSE(r.data.at("roles").as_array().empty());
    EXPECT_EQ(r.data.at("roles").as_array()[0].at("role"), "CPO");
    const auto versions = t.peer.requests("GET", "/versions");
    const auto details = t.peer.requests("GET", "/2.2");
    ASSERT_EQ(versions.size(), 1u);
    ASSERT_EQ(details.size(), 1u);
    EXPECT_TRUE(carries(versions[0], "peer-token-b")) << versions[0].at("authorization");
    EXPECT_TRUE(carries(details[0], "peer-token-b")) << details[0].at("authorization");
    ASSERT_TRUE(t.cpo->bilateral());
    EXPECT_EQ(t.cpo->bilateral()->token_b, "peer-token-b");
    EXPECT_EQ(t.cpo->bilateral()->versions_url, t.peer.base + "/versions");
    EXPECT_EQ(t.cpo->bilateral()->endpoints.size(), 5u);
    EXPECT_EQ(t.cpo->bilateral()->roles.at(0).party_id, "MSP");
    for (const auto& line : t.log->lines()) {
        EXPECT_EQ(line.find("peer-token-b"), std::string::npos) << "tokens are never logged: " << line;
        EXPECT_EQ(line.find(token_c), std::string::npos) << "tokens are never logged: " << line;
    }
}

TEST(PartyCredentials, C03_TokenAIsRefusedEverywhereAfterRegistration) {
    Fixture t("c03");
    ASSERT_FALSE(t.register_peer("b-03").empty());
    EXPECT_EQ(t.call(http::Method::get, "/scpi/versions", t.token_a).http_status, 401u);
    EXPECT_EQ(t.locations(t.token_a).http_status, 401u);
    const auto get = t.credentials(http::Method::get, t.token_a);
    EXPECT_EQ(get.http_status, 401u);
    EXPECT_NE(get.status_message.value_or("").find("registration only"), std::string::npos) << get.describe();
    EXPECT_EQ(
        t.credentials(http::Method::post, t.token_a, credentials_json("b-x", t.peer.base + "/versions")).http_status,
        401u);
    t.restart();
    EXPECT_EQ(t.locations(t.token_a).http_status, 401u) << "still refused after a restart";
}

TEST(PartyCredentials, C04_TokenCIsAcceptedOnEveryModuleAndAfterARestart) {
    Fixture t("c04");
    const auto token_c = t.register_peer("b-04");
    ASSERT_FALSE(token_c.empty());
    const auto page = t.locations(token_c);
    ASSERT_TRUE(page.ok()) << page.describe();
    EXPECT_EQ(page.data.as_array().size(), 1u);
    EXPECT_TRUE(t.call(http::Method::get, "/scpi/versions", token_c).ok());
    const auto own = t.credentials(http::Method::get, token_c);
    ASSERT_TRUE(own.ok()) << own.describe();
    EXPECT_EQ(own.data.at("token").as_string(), token_c);
    // Base64-encoded as OCPI 2.2 sends it.
    EXPECT_TRUE(t.locations(core::base64_encode(token_c)).ok());
    t.restart();
    EXPECT_TRUE(t.locations(token_c).ok()) << "the connection is kept in the store";
    ASSERT_TRUE(t.cpo->bilateral());
    EXPECT_EQ(t.cpo->bilateral()->token_b, "b-04");
}

TEST(PartyCredentials, C05_SecondPostWithTokenCIs405) {
    Fixture t("c05");
    const auto token_c = t.register_peer("b-05");
    ASSERT_FALSE(token_c.empty());
    const auto r = t.credentials(http::Method::post, token_c, credentials_json("b-05x", t.peer.base + "/versions"));
    EXPECT_EQ(r.http_status, 405u) << r.describe();
    EXPECT_EQ(r.status_code, 2000);
    EXPECT_TRUE(t.locations(token_c).ok()) << "the registration stands";
    EXPECT_EQ(t.cpo->bilateral()->token_b, "b-05");
}

TEST(PartyCredentials, C06_UnusablePeerVersionsGive3001AndTokenAStaysUsable) {
    Fixture t("c06");
    const auto body = credentials_json("b-06", t.peer.base + "/versions");
    t.peer.mode = ScriptedPeer::Mode::server_error;
    auto r = t.credentials(http::Method::post, t.token_a, body);
    EXPECT_EQ(r.status_code, 3001) << r.describe();
    EXPECT_NE(r.status_message.value_or("").find("/versions"), std::string::npos) << r.describe();
    t.peer.mode = ScriptedPeer::Mode::invalid_json;
    r = t.credentials(http::Method::post, t.token_a, body);
    EXPECT_EQ(r.status_code, 3001) << r.describe();
    // Nobody listens on port 9 of 127.0.0.1.
    r = t.credentials(http::Method::post, t.token_a, credentials_json("b-06", "http://127.0.0.1:9/versions"));
    EXPECT_EQ(r.status_code, 3001) << r.describe();
    EXPECT_FALSE(t.cpo->bilateral());
    EXPECT_TRUE(t.locations(t.token_a).ok()) << "TOKEN_A remains usable";
    t.peer.mode = ScriptedPeer::Mode::ok;
    EXPECT_FALSE(t.register_peer("b-06").empty()) << "and registers once the peer answers";
}

TEST(PartyCredentials, C07_PeerWithoutVersion22Gives3002) {
    Fixture t("c07");
    t.peer.mode = ScriptedPeer::Mode::only_211;
    const auto r = t.credentials(http::Method::post, t.token_a, credentials_json("b-07", t.peer.base + "/versions"));
    EXPECT_EQ(r.status_code, 3002) << r.describe();
    EXPECT_NE(r.status_message.value_or("").find("2.1.1"), std::string::npos) << r.describe();
    EXPECT_FALSE(t.cpo->bilateral());
    EXPECT_TRUE(t.locations(t.token_a).ok());
}

TEST(PartyCredentials, C08_PeerLackingARequiredModuleGives3003) {
    Fixture t("c08");
    t.required_modules = {"sessions", "tariffs", "tokens"};  // the scripted peer offers sessions but neither other
    t.restart();
    auto r = t.credentials(http::Method::post, t.token_a, credentials_json("b-08", t.peer.base + "/versions"));
    EXPECT_EQ(r.status_code, 3003) << r.describe();
    EXPECT_TRUE(r.status_message.value_or("").ends_with("lack modules this party requires: tariffs, tokens"))
        << r.describe();
    EXPECT_FALSE(t.cpo->bilateral());
    EXPECT_TRUE(t.locations(t.token_a).ok()) << "TOKEN_A stays usable";
    // Requiring only what the peer offers: registered.
    t.required_modules = {"sessions", "cdrs"};
    t.restart();
    r = t.credentials(http::Method::post, t.token_a, credentials_json("b-08", t.peer.base + "/versions"));
    EXPECT_TRUE(r.ok()) << r.describe();
    EXPECT_TRUE(t.cpo->bilateral());
}

TEST(PartyCredentials, C09_InvalidCredentialsGive2001WithoutCallingThePeer) {
    Fixture t("c09");
    const std::string url = t.peer.base + "/versions";
    const std::string roles =
        R"([{"role":"EMSP","business_details":{"name":"P"},"party_id":"MSP","country_code":"CH"}])";
    const std::vector<std::pair<std::string, std::string>> bad{
        {"empty roles", R"({"token":"b-09","url":")" + url + R"(","roles":[]})"},
        {"missing url", R"({"token":"b-09","roles":)" + roles + "}"},
        {"65-character token", credentials_json(std::string(65, 'x'), url)},
        {"token with a space", credentials_json("b 09", url)},
        {"empty token", credentials_json("", url)},
        {"relative url", credentials_json("b-09", "/versions")},
        {"not JSON", "{"},
    };
    for (const auto& [what, body] : bad) {
        const auto r = t.credentials(http::Method::post, t.token_a, body);
        EXPECT_EQ(r.status_code, 2001) << what << ": " << r.describe();
        EXPECT_TRUE(r.status_message && !r.status_message->empty()) << what;
    }
    EXPECT_EQ(t.peer.count(), 0u) << "nothing is fetched for invalid credentials";
    EXPECT_FALSE(t.cpo->bilateral());
    EXPECT_TRUE(t.locations(t.token_a).ok());
    EXPECT_FALSE(t.register_peer(std::string(64, 'y')).empty()) << "64 characters are fine";
}

TEST(PartyCredentials, C10_PutRotatesBothTokensAndLaterPushesUseTheNewTokenB) {
    Fixture t("c10");
    const auto token_c = t.register_peer("b-10");
    ASSERT_FALSE(token_c.empty());
    const auto r = t.credentials(http::Method::put, token_c, credentials_json("b-10-new", t.peer.base + "/versions"));
    ASSERT_TRUE(r.ok()) << r.describe();
    const std::string token_c2(r.data.at("token").as_string());
    EXPECT_NE(token_c2, token_c);
    EXPECT_NE(token_c2, "b-10-new");
    EXPECT_NE(token_c2, t.token_a);
    const auto versions = t.peer.requests("GET", "/versions");
    const auto details = t.peer.requests("GET", "/2.2");
    ASSERT_EQ(versions.size(), 2u);
    ASSERT_EQ(details.size(), 2u);
    EXPECT_TRUE(carries(versions[1], "b-10-new")) << "re-fetched with TOKEN_B'";
    EXPECT_TRUE(carries(details[1], "b-10-new"));
    EXPECT_EQ(t.locations(token_c).http_status, 401u) << "the old TOKEN_C";
    EXPECT_EQ(t.locations(t.token_a).http_status, 401u);
    EXPECT_TRUE(t.locations(token_c2).ok());
    // The CPO's pushes now carry TOKEN_B'.
    const auto start = t.start_session(token_c2, "U10");
    ASSERT_TRUE(start.ok()) << start.describe();
    const auto push = t.peer.wait_for("PUT", "/sessions/CH/CPO/");
    ASSERT_TRUE(push) << "a session push within 10 s";
    EXPECT_TRUE(carries(*push, "b-10-new")) << push->at("authorization");
}

TEST(PartyCredentials, C11_PutOrDeleteWithTokenABeforeRegistrationIs405) {
    Fixture t("c11");
    const auto put = t.credentials(http::Method::put, t.token_a, credentials_json("b-11", t.peer.base + "/versions"));
    EXPECT_EQ(put.http_status, 405u) << put.describe();
    EXPECT_EQ(put.status_code, 2000);
    const auto del = t.credentials(http::Method::del, t.token_a);
    EXPECT_EQ(del.http_status, 405u) << del.describe();
    EXPECT_EQ(t.peer.count(), 0u);
    EXPECT_TRUE(t.locations(t.token_a).ok());
    EXPECT_EQ(t.credentials(http::Method::del, "not-a-token").http_status, 401u);
}

TEST(PartyCredentials, C12_DeleteWithTokenCUnregistersAndStopsPushes) {
    Fixture t("c12");
    const auto token_c = t.register_peer("b-12");
    ASSERT_FALSE(token_c.empty());
    const auto del = t.credentials(http::Method::del, token_c);
    ASSERT_TRUE(del.ok()) << del.describe();
    EXPECT_FALSE(t.cpo->bilateral());
    EXPECT_EQ(t.locations(token_c).http_status, 401u);
    EXPECT_EQ(t.credentials(http::Method::del, token_c).http_status, 401u) << "a second DELETE";
    // No more pushes: a session started now stays with the CPO.
    ASSERT_TRUE(t.locations(t.token_a).ok()) << "the offline token registers again";
    const auto start = t.start_session(t.token_a, "U12");
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_FALSE(t.peer.wait_for("PUT", "/sessions/", 2500ms)) << "nothing is pushed to the unregistered peer";
    EXPECT_FALSE(t.peer.wait_for("POST", "/results/", 10ms));
    t.restart();
    EXPECT_FALSE(t.cpo->bilateral()) << "removed from the store as well";
    EXPECT_EQ(t.locations(token_c).http_status, 401u);
}

TEST(PartyCredentials, RegisteredPeerReceivesTheSessionPushAfterStartSession) {
    Fixture t("push");
    const auto token_c = t.register_peer("b-push");
    ASSERT_FALSE(token_c.empty());
    const auto start = t.start_session(token_c, "UPUSH");
    ASSERT_TRUE(start.ok()) << start.describe();
    EXPECT_EQ(start.data.at("result"), "ACCEPTED");
    const auto result = t.peer.wait_for("POST", "/results/UPUSH");
    ASSERT_TRUE(result) << "the command result within 10 s";
    const auto push = t.peer.wait_for("PUT", "/sessions/CH/CPO/");
    ASSERT_TRUE(push) << "a session push within 10 s";
    EXPECT_TRUE(carries(*push, "b-push")) << push->at("authorization");
}

TEST(PartyCredentials, C13_AsInitiatorThePartyRegistersWithTokenAAndUsesTokenCAfterwards) {
    Fixture t("c13");
    // The receiver of the registration: the mock MSP offline, whose printed token is TOKEN_A.
    party::PartyStore msp_store(t.dir / "msp.db", core::system_clock());
    std::unique_ptr<party::Msp> msp;
    t.io.run([&] {
        msp = std::make_unique<party::Msp>(t.io.ioc(), test::local_party_config(false), msp_store,
                                           core::Logger("msp", t.log));
        msp->start_all();
        return 0;
    });
    const std::shared_ptr<void> stop_msp(nullptr, [&](void*) {  // on the I/O thread, however the test ends
        t.io.run([&] {
            msp->stop_all();
            msp.reset();
            return 0;
        });
    });
    const auto token_a = t.io.run([&] { return msp->offline_token(); });
    const auto peer = t.io.await(party::register_with_peer(*t.cpo, *t.store, *t.client, msp->versions_url(), token_a));
    EXPECT_NE(peer.token, token_a);
    EXPECT_EQ(peer.versions_url, msp->versions_url());
    const auto connection = t.io.run([&] { return msp->bilateral(); });
    ASSERT_TRUE(connection) << "the MSP registered the CPO";
    EXPECT_EQ(connection->token_c, peer.token);
    EXPECT_EQ(connection->versions_url, t.cpo->versions_url()) << "and read its versions with TOKEN_B";
    EXPECT_TRUE(t.log->contains("Peer registered by the credentials module")) << "the MSP's log";

    // Afterwards: the CPO calls with TOKEN_C (TOKEN_A is refused now), and the MSP's tokens reach the CPO with TOKEN_B.
    service::Call versions;
    versions.url = msp->versions_url();
    versions.token = token_a;
    EXPECT_EQ(t.io.await(service::call(*t.client, versions)).http_status, 401u);
    versions.token = peer.token;
    EXPECT_TRUE(t.io.await(service::call(*t.client, versions)).ok());
    t.io.run([&] {
        t.cpo->set_peer(peer);
        return 0;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (t.io.run([&] { return t.cpo->tokens().count(); }) < 7 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(t.io.run([&] { return t.cpo->tokens().count(); }), 7u);
    const auto started = t.io.await(t.cpo->start_at_charger("Loc1", "CH-CPO-S1E100001", "CH-MSP-RFID-0002"));
    ASSERT_TRUE(started.session_id);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (msp_store.count_sessions({}) == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(msp_store.count_sessions({}), 1u) << "the session push, sent with TOKEN_C";

    // A later start reuses the stored registration.
    const auto stored =
        t.io.run([&] { return party::stored_peer_registration(*t.cpo, *t.store, msp->versions_url()); });
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->token, peer.token);
    EXPECT_FALSE(
        t.io.run([&] { return party::stored_peer_registration(*t.cpo, *t.store, "http://elsewhere/versions"); }));
}
