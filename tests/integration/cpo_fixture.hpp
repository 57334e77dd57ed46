// A mock CPO pushing to a recording eMSP on 127.0.0.1, for the CPO's conformance and command tests.
#pragma once

#include <scn/party/cpo.hpp>
#include <scn/scpi/model.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace scn::test {

namespace json = boost::json;
using namespace std::chrono_literals;
using Awaitable = boost::asio::awaitable<http::Response>;

/// An eMSP that records every request the CPO makes and answers 1000. Real-time authorization of uid `ok-…` is
/// ALLOWED (authorization_reference `REF-<uid>`), `blocked-…` BLOCKED, anything else unknown (404 / 2004).
struct RecordingMsp {
    std::mutex mutex;
    std::vector<json::object> seen;
    std::unique_ptr<http::Server> server;
    std::string base;

    static http::Response envelope(unsigned http_status, int status_code, const std::string& data = {}) {
        std::string body = R"({"status_code":)" + std::to_string(status_code);
        if (!data.empty()) {
            body += R"(,"data":)" + data;
        }
        body += R"(,"timestamp":"2024-01-01T00:00:00Z"})";
        return http::Response::json(http_status, body);
    }

    void start(test::IoThread& io) {
        http::Router r;
        r.add(http::Method::get, "/versions", [this](http::Request&) -> Awaitable {
            co_return envelope(200, 1000, R"([{"version":"2.2","url":")" + base + R"(/2.2"}])");
        });
        r.add(http::Method::get, "/2.2", [this](http::Request&) -> Awaitable {
            std::string endpoints;
            for (const auto* m : {"sessions", "cdrs", "locations"}) {
                endpoints += R"({"identifier":")" + std::string(m) + R"(","role":"RECEIVER","url":")" + base + "/" + m +
                             R"("},)";
            }
            endpoints += R"({"identifier":"tokens","role":"SENDER","url":")" + base + R"(/tokens"},)";
            endpoints += R"({"identifier":"chargingprofiles","role":"SENDER","url":")" + base + R"(/cps"})";
            co_return envelope(200, 1000, R"({"version":"2.2","endpoints":[)" + endpoints + "]}");
        });
        for (const auto m : {http::Method::get, http::Method::post, http::Method::put, http::Method::patch}) {
            r.add(m, "/{rest...}", [this](http::Request& req) -> Awaitable {
                record(req);
                if (req.path.starts_with("/tokens/") && req.path.ends_with("/authorize")) {
                    const auto uid = req.path.substr(8, req.path.size() - 8 - 10);
                    const std::string token = R"({"country_code":"CH","party_id":"MSP","uid":")" + uid +
                                              R"(","type":"RFID","contract_id":"C1","issuer":"test","valid":true,)"
                                              R"("whitelist":"NEVER","last_updated":"2024-01-01T00:00:00Z"})";
                    if (uid.starts_with("ok-")) {
                        co_return envelope(200, 1000,
                                           R"({"allowed":"ALLOWED","authorization_reference":"REF-)" + uid +
                                               R"(","token":)" + token + "}");
                    }
                    if (uid.starts_with("blocked-")) {
                        co_return envelope(200, 1000, R"({"allowed":"BLOCKED","token":)" + token + "}");
                    }
                    co_return envelope(404, 2004);
                }
                co_return envelope(200, 1000);
            });
        }
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
    }

    void record(const http::Request& req) {
        json::object o{{"method", req.method_name}, {"path", req.path}, {"query", req.query}};
        boost::system::error_code ec;
        o["body"] = req.body.empty() ? json::value() : json::parse(req.body, ec);
        for (const auto* h :
             {"SCPI-From-Country-Code", "SCPI-From-Party-Id", "SCPI-To-Country-Code", "SCPI-To-Party-Id"}) {
            o[h] = std::string(req.header(h).value_or(""));
        }
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

    /// Waits (bounded) until `pred` holds for the requests matching method and prefix.
    bool wait_for(std::string_view method, std::string_view prefix,
                  const std::function<bool(const std::vector<json::object>&)>& pred,
                  std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred(requests(method, prefix))) {
                return true;
            }
            std::this_thread::sleep_for(20ms);
        }
        return pred(requests(method, prefix));
    }
};

/// The session pushes (PUT bodies) for one session id, in order.
inline std::vector<json::object> pushes_of(RecordingMsp& msp, const std::string& session_id) {
    std::vector<json::object> out;
    for (const auto& r : msp.requests("PUT", "/sessions/CH/CPO/" + session_id)) {
        out.push_back(r.at("body").as_object());
    }
    return out;
}

inline std::string status_of(const json::object& session) {
    return std::string(session.at("status").as_string());
}

inline std::string token_json(const std::string& uid, const std::string& party = "MSP",
                              const std::string& whitelist = "ALWAYS", const std::string& type = "RFID") {
    return R"({"country_code":"CH","party_id":")" + party + R"(","uid":")" + uid + R"(","type":")" + type +
           R"(","contract_id":"C-)" + uid + R"(","issuer":"test MSP","valid":true,"whitelist":")" + whitelist +
           R"(","last_updated":"2024-01-01T10:00:00Z"})";
}

/// A CPO pushing to a RecordingMsp, with the shipped data (or `data`).
struct Fixture {
    test::IoThread io;
    std::shared_ptr<core::CaptureSink> log = std::make_shared<core::CaptureSink>();
    std::filesystem::path dir;
    RecordingMsp msp;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<http::Client> client;

    explicit Fixture(const std::string& name, std::filesystem::path data = {})
        : dir(std::filesystem::temp_directory_path() / ("scn-cpo-conf-" + std::to_string(::getpid())) / name) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        msp.start(io);
        store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        io.run([&] {
            auto c = config::defaults().cpo;
            c.port = 0;
            c.public_url.clear();
            c.warm_data = false;
            c.session_update_interval = 1s;
            c.strict = true;  // refuses what OCPI 2.2 forbids, sessions without date_from included
            c.data_dir = data.empty() ? std::filesystem::path(SCN_SOURCE_DIR) / "data/cpo" : data;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo", log));
            cpo->start_all();
            cpo->set_peer(party::Peer{"msp-token", msp.base + "/versions"});
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~Fixture() {
        io.run([&] {
            cpo->stop_all();
            msp.server->stop();
            return 0;
        });
        io.stop();
    }

    /// A call to the CPO from CH/`from` (no routing headers when `from` is empty).
    service::Reply call(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt,
                        const std::string& from = "MSP") {
        service::Call c;
        c.method = m;
        c.url = cpo->public_url() + path;
        c.token = cpo->offline_token();
        if (!from.empty()) {
            c.routing = scpi::RoutingHeaders{"CH", from, "CH", "CPO"};
        }
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
    service::Reply command(const std::string& type, const std::string& body, const std::string& from = "MSP") {
        return call(http::Method::post, "/scpi/receiver/2.2/commands/" + type, body, from);
    }
    [[nodiscard]] std::string result_url(const std::string& name) const { return msp.base + "/results/" + name; }

    service::Reply start(const std::string& uid, const std::string& location, const std::string& evse,
                         const std::string& from = "MSP", const std::string& result = "start") {
        return command("START_SESSION",
                       R"({"response_url":")" + result_url(result) + R"(","location_id":")" + location +
                           R"(","evse_uid":")" + evse + R"(","token":)" + token_json(uid, from, "NEVER", "APP_USER") +
                           "}",
                       from);
    }

    /// The id of the session that started at `evse` (from its first push), waiting for it.
    std::string session_at(const std::string& evse) {
        std::string id;
        msp.wait_for("PUT", "/sessions/", [&](const auto& puts) {
            for (const auto& p : puts) {
                if (p.at("body").at("evse_uid").as_string() == evse) {
                    id = std::string(p.at("body").at("id").as_string());
                    return true;
                }
            }
            return false;
        });
        return id;
    }

    /// The CPO's own view of an EVSE's status.
    std::string evse_status(const std::string& location, const std::string& evse) {
        const auto r = call(http::Method::get, "/scpi/sender/2.2/locations/" + location + "/" + evse);
        return r.ok() ? std::string(r.data.at("status").as_string()) : "?";
    }

    /// A driver presents `uid` at the charger.
    party::Cpo::StartAtCharger at_charger(const std::string& location, const std::string& evse,
                                          const std::string& uid) {
        return io.await(cpo->start_at_charger(location, evse, uid));
    }

    service::Reply put_token(const std::string& uid, const std::string& whitelist, const std::string& query = {},
                             const std::string& type = "RFID") {
        return call(http::Method::put, "/scpi/receiver/2.2/tokens/CH/MSP/" + uid + query,
                    token_json(uid, "MSP", whitelist, type));
    }
};

}  // namespace scn::test
