#pragma once

// The mock parties as the integration tests run them: on free ports of 127.0.0.1, with the shipped data.
#include <scn/config/config.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/node/node_store.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace scn::test {

/// The CPO's or MSP's default configuration on a free port, reading the repository's data, with session pushes
/// every second.
inline config::PartyConfig local_party_config(bool cpo) {
    auto c = cpo ? config::defaults().cpo : config::defaults().msp;
    c.port = 0;
    c.public_url.clear();
    c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / (cpo ? "data/cpo" : "data/msp");
    if (cpo) {
        c.session_update_interval = std::chrono::seconds(1);
    }
    return c;
}

namespace json = boost::json;

/// A driver token of the mock MSP, as commands carry it.
inline std::string token_json(const std::string& uid) {
    return R"({"country_code":"CH","party_id":"MSP","uid":")" + uid +
           R"(","type":"APP_USER","contract_id":"C1","issuer":"test MSP","valid":true,"whitelist":"NEVER",
           "last_updated":"2019-10-14T15:45:11.353Z"})";
}

/// A party scripted in the test: it offers a custom module `parking` and a charging-profiles receiver, records what
/// reaches it, and is connected to the node by a hand-made credentials handshake.
struct ScriptedParty {
    std::mutex mutex;
    std::vector<json::object> seen;
    std::unique_ptr<http::Server> server;
    std::string base;
    std::string token_c;
    eth::PrivateKey key = eth::PrivateKey::generate();  ///< its registry listing; signs answers to signed requests
    http::ServerOptions options;                        ///< e.g. a short idle_timeout, as Node.js servers have
    bool drop_every_connection = false;  ///< closes the connection after each answer that offered keep-alive

    /// Signs `res` when the request was signed, as a real party must then do.
    http::Response signed_if_asked(const http::Request& req, http::Response res) const {
        if (req.header("SCN-Signature")) {
            res.body = service::with_signature(json::parse(res.body).as_object(), res.headers, key);
        }
        return res;
    }

    void record(http::Request& req) {
        json::object o{{"method", req.method_name}, {"path", req.path}, {"query", req.query}, {"body", req.body}};
        if (const auto a = req.header("Authorization")) {
            o["authorization"] = *a;
        }
        if (const auto sig = req.header("SCN-Signature")) {
            o["signature"] = *sig;
        }
        const std::lock_guard lock(mutex);
        seen.push_back(std::move(o));
    }
    json::object last() {
        const std::lock_guard lock(mutex);
        return seen.empty() ? json::object() : seen.back();
    }

    /// Starts its server and connects it to the node at `node_url` as CH/EXT (CPO), listed under `node_address`.
    void start(test::IoThread& io, registry::EmbeddedBackend& registry, node::NodeStore& node_store,
               const std::string& node_url, const eth::Address& node_address) {
        http::Router r;
        using Awaitable = boost::asio::awaitable<http::Response>;
        const auto ok = [](const std::string& data) {
            return http::Response::json(
                200, R"({"status_code":1000,"data":)" + data + R"(,"timestamp":"2024-01-01T00:00:00Z"})");
        };
        r.add(http::Method::get, "/versions", [this, ok](http::Request&) -> Awaitable {
            co_return ok(R"([{"version":"2.2","url":")" + base + R"(/2.2"}])");
        });
        r.add(http::Method::get, "/2.2", [this, ok](http::Request&) -> Awaitable {
            co_return ok(R"({"version":"2.2","endpoints":[
                {"identifier":"parking","role":"RECEIVER","url":")" +
                         base + R"(/parking"},
                {"identifier":"chargingprofiles","role":"RECEIVER","url":")" +
                         base + R"(/cp"}]})");
        });
        for (const auto m : {http::Method::get, http::Method::post, http::Method::put, http::Method::del}) {
            r.add(m, "/parking/{rest...}", [this, ok](http::Request& req) -> Awaitable {
                record(req);
                const bool slow = req.path.ends_with("/slow");  // a party that takes its time
                if (slow || req.path.ends_with("/busy")) {
                    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor);
                    wait.expires_after(slow ? std::chrono::milliseconds(2000) : std::chrono::milliseconds(200));
                    co_await wait.async_wait(boost::asio::use_awaitable);
                }
                auto res = ok(R"({"spot":"P1"})");
                res.headers.add("Location", "http://parking.example/spots/P1");
                res.drop_connection = drop_every_connection;
                co_return signed_if_asked(req, std::move(res));
            });
            r.add(m, "/cp/{rest...}", [this, ok](http::Request& req) -> Awaitable {
                record(req);
                co_return signed_if_asked(req, ok(R"({"result":"ACCEPTED","timeout":30})"));
            });
            r.add(m, "/results/{rest...}", [this, ok](http::Request& req) -> Awaitable {
                record(req);
                co_return ok("null");
            });
        }
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), options, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
        registry.registry().set_party(key, "CH", "EXT", {registry::Role::cpo}, node_address);
        http::ClientRequest req{http::Method::post,
                                node_url + "/scpi/2.2/credentials",
                                {},
                                R"({"token":"token-b-ext","url":")" + base + R"(/versions","roles":[{"role":"CPO",
                                "business_details":{"name":"Scripted"},"party_id":"EXT","country_code":"CH"}]})"};
        req.headers.add("Authorization", "Token " + node_store.create_planned_platform());
        req.headers.add("Content-Type", "application/json");
        const auto res = http::send_blocking(req);
        token_c = std::string(json::parse(res.body).at("data").at("token").as_string());
    }
    void stop(test::IoThread& io) {
        io.run([&] {
            server->stop();
            return 0;
        });
    }
};

}  // namespace scn::test
