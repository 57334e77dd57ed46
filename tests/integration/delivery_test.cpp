// A Delivery against a scripted recipient on 127.0.0.1: what it retries, what it gives up on, and that a message
// given up on does not hold back the next one of its key. Time is a ManualClock the test moves (and then wakes the
// Delivery), so backoff costs no real waiting.
#include <scn/core/log.hpp>
#include <scn/http/server.hpp>
#include <scn/party/delivery.hpp>
#include <scn/party/party_store.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace scn;
using namespace std::chrono_literals;

namespace {

namespace json = boost::json;

const core::TimePoint kStart{std::chrono::milliseconds{1'700'000'000'000LL}};

/// What the recipient answers: HTTP status and SCPI status code, chosen per request from the body and how many
/// requests came before.
using Script = std::function<std::pair<unsigned, int>(const std::string& body, std::size_t seen)>;

struct Recipient {
    std::unique_ptr<http::Server> server;
    std::string base;
    std::mutex mutex;
    std::vector<std::string> bodies;  // every PUT received, in order
    Script script;
    /// How long the recipient takes to answer the n-th request (none by default).
    std::function<std::chrono::milliseconds(std::size_t seen)> delay;
    std::size_t in_flight = 0;      // requests being answered now
    std::size_t max_in_flight = 0;  // the most at once

    void start(test::IoThread& io) {
        http::Router r;
        using Awaitable = boost::asio::awaitable<http::Response>;
        const auto envelope = [](unsigned http_status, int status, const std::string& data) {
            return http::Response::json(http_status, R"({"status_code":)" + std::to_string(status) + R"(,"data":)" +
                                                         data + R"(,"timestamp":"2024-01-01T00:00:00Z"})");
        };
        r.add(http::Method::get, "/versions", [this, envelope](http::Request&) -> Awaitable {
            co_return envelope(200, 1000, R"([{"version":"2.2","url":")" + base + R"(/2.2"}])");
        });
        r.add(http::Method::get, "/2.2", [this, envelope](http::Request&) -> Awaitable {
            co_return envelope(200, 1000,
                               R"({"version":"2.2","endpoints":[{"identifier":"sessions","role":"RECEIVER","url":")" +
                                   base + R"(/sessions"}]})");
        });
        r.add(http::Method::put, "/sessions/{rest...}", [this, envelope](http::Request& req) -> Awaitable {
            std::pair<unsigned, int> answer;
            std::chrono::milliseconds wait{0};
            {
                const std::lock_guard lock(mutex);
                answer = script(req.body, bodies.size());
                if (delay) {
                    wait = delay(bodies.size());
                }
                bodies.push_back(req.body);
                max_in_flight = std::max(max_in_flight, ++in_flight);
            }
            if (wait.count() > 0) {
                boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
                co_await timer.async_wait(boost::asio::use_awaitable);
            }
            {
                const std::lock_guard lock(mutex);
                --in_flight;
            }
            co_return envelope(answer.first, answer.second, "null");
        });
        io.run([&] {
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            return 0;
        });
    }
    std::vector<std::string> received() {
        const std::lock_guard lock(mutex);
        return bodies;
    }
};

struct DeliveryUnderTest {
    test::IoThread io;
    std::filesystem::path dir;
    core::ManualClock clock{kStart};
    std::shared_ptr<core::CaptureSink> logs = std::make_shared<core::CaptureSink>();
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<http::Client> client;
    std::unique_ptr<party::Delivery> delivery;
    Recipient recipient;

    DeliveryUnderTest(const std::string& name, Script script, config::PushPolicy policy = {}) {
        dir = std::filesystem::temp_directory_path() / ("scn-delivery-" + name + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        recipient.script = std::move(script);
        recipient.start(io);
        io.run([&] {
            store = std::make_unique<party::PartyStore>(dir / "cpo.db", clock);
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            const party::Peer peer{"token-c", recipient.base + "/versions"};
            delivery = std::make_unique<party::Delivery>(
                io.ioc(), *store, *client, core::Logger("delivery", logs), clock,
                [peer] { return std::optional<party::Peer>(peer); }, policy);
            delivery->start();
            return 0;
        });
    }
    ~DeliveryUnderTest() {
        io.run([&] {
            delivery->stop();
            recipient.server->stop();
            return 0;
        });
        io.stop();
        delivery.reset();
        client.reset();
        store.reset();
        std::filesystem::remove_all(dir);
    }

    void send(const std::string& key, const std::string& body) {
        io.run([&] {
            delivery->send(key, "PUT", "sessions/CH/CPO/" + key, body, std::nullopt);
            return 0;
        });
    }
    void send_state(const std::string& key, const std::string& body) {
        io.run([&] {
            delivery->send_state(key, "PUT", "sessions/CH/CPO/" + key, body, std::nullopt);
            return 0;
        });
    }
    /// Touched keys render as `states[key]` (a key not there renders nothing).
    void render_states() {
        io.run([&] {
            delivery->set_live_renderer([this](const std::string& key) -> std::optional<party::LiveMessage> {
                const auto it = states.find(key);
                if (it == states.end()) {
                    return std::nullopt;
                }
                return party::LiveMessage{"PUT", "sessions/CH/CPO/" + key, it->second, std::nullopt, {}};
            });
            return 0;
        });
    }
    void touch(const std::string& key, const std::string& state) {
        io.run([&] {
            states[key] = state;
            delivery->touch(key);
            return 0;
        });
    }
    std::size_t pending() {
        return io.run([&] { return store->outbox().pending(); });
    }
    std::size_t live_waiting() {
        return io.run([&] { return delivery->live_waiting(); });
    }
    std::map<std::string, std::string> states;  // touched keys' newest states (used on the io thread)
    std::vector<store::DeadLetter> dead() {
        return io.run([&] { return store->outbox().dead_letters(); });
    }
    /// Moves the clock on a second at a time (waking the Delivery each time) until `done` holds; at most 5 s.
    bool drive_until(const std::function<bool()>& done) {
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= until) {
                return false;
            }
            io.run([&] {
                clock.advance(1s);
                delivery->wake();
                return 0;
            });
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }
};

}  // namespace

TEST(Delivery, RefusedForGoodIsHttp4xxOrStatus2xxxButNotATransientHttpStatus) {
    const auto reply = [](unsigned http_status, int status) {
        service::Reply r;
        r.http_status = http_status;
        r.status_code = status;
        return r;
    };
    EXPECT_TRUE(party::refused_for_good(reply(400, 2001)));
    EXPECT_TRUE(party::refused_for_good(reply(404, 0)));
    EXPECT_TRUE(party::refused_for_good(reply(200, 2001)));
    EXPECT_FALSE(party::refused_for_good(reply(408, 0)));
    EXPECT_FALSE(party::refused_for_good(reply(429, 2000)));
    EXPECT_FALSE(party::refused_for_good(reply(503, 2001)));
    EXPECT_FALSE(party::refused_for_good(reply(500, 3000)));
    EXPECT_FALSE(party::refused_for_good(reply(200, 3001)));
    EXPECT_FALSE(party::refused_for_good(reply(200, 4001)));
    EXPECT_FALSE(party::refused_for_good(reply(200, 0))) << "not an envelope: may be a proxy's page";
}

TEST(Delivery, AMessageRefusedForGoodDiesAtOnceAndTheNextOfItsKeyFollows) {
    DeliveryUnderTest t("refused", [](const std::string& body, std::size_t) -> std::pair<unsigned, int> {
        if (body.find("http-400") != std::string::npos) {
            return {400, 2001};
        }
        if (body.find("status-2001") != std::string::npos) {
            return {200, 2001};
        }
        return {200, 1000};
    });
    t.send("s1", R"({"n":"http-400"})");
    t.send("s1", R"({"n":"status-2001"})");
    t.send("s1", R"({"n":"good"})");
    ASSERT_TRUE(t.drive_until([&] { return t.pending() == 0; })) << t.pending() << " still queued";
    const auto got = t.recipient.received();
    ASSERT_EQ(got.size(), 3u) << "each sent once, in order";
    EXPECT_EQ(got[0], R"({"n":"http-400"})");
    EXPECT_EQ(got[1], R"({"n":"status-2001"})");
    EXPECT_EQ(got[2], R"({"n":"good"})");
    const auto dead = t.dead();
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_EQ(dead[0].body, R"({"n":"http-400"})");
    EXPECT_EQ(dead[0].attempts, 1);
    EXPECT_EQ(dead[0].method, "PUT");
    EXPECT_EQ(dead[0].target, "sessions/CH/CPO/s1");
    EXPECT_NE(dead[0].last_error.find("HTTP 400, status 2001"), std::string::npos) << dead[0].last_error;
    EXPECT_EQ(dead[1].body, R"({"n":"status-2001"})");
    EXPECT_EQ(t.logs->count("moved to the dead letters"), 2u);
    EXPECT_FALSE(t.logs->contains("http-400")) << "no bodies in the log";
}

TEST(Delivery, ATransientFailureIsRetriedUntilDelivered) {
    DeliveryUnderTest t("transient", [](const std::string&, std::size_t seen) -> std::pair<unsigned, int> {
        return seen == 0 ? std::pair<unsigned, int>{503, 3000} : std::pair<unsigned, int>{200, 1000};
    });
    t.send("s1", R"({"n":1})");
    ASSERT_TRUE(t.drive_until([&] { return t.pending() == 0; }));
    EXPECT_EQ(t.recipient.received().size(), 2u);
    EXPECT_TRUE(t.dead().empty());
    EXPECT_EQ(t.logs->count("will retry"), 1u);
}

TEST(Delivery, AMessageDiesAfterMaxAttempts) {
    config::PushPolicy policy;
    policy.max_attempts = 3;
    DeliveryUnderTest t(
        "attempts",
        [](const std::string&, std::size_t) {
            return std::pair<unsigned, int>{503, 3000};
        },
        policy);
    t.send("s1", R"({"n":1})");
    ASSERT_TRUE(t.drive_until([&] { return !t.dead().empty(); }));
    const auto dead = t.dead();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].attempts, 3);
    EXPECT_EQ(t.recipient.received().size(), 3u);
    EXPECT_EQ(t.pending(), 0u);
    EXPECT_EQ(t.logs->count("gave up after 3 attempts"), 1u);
}

TEST(Delivery, AMessageDiesWhenItFailsPastMaxAge) {
    config::PushPolicy policy;
    policy.max_attempts = 1000;
    policy.max_age = 20s;
    DeliveryUnderTest t(
        "age",
        [](const std::string&, std::size_t) {
            return std::pair<unsigned, int>{503, 3000};
        },
        policy);
    t.send("s1", R"({"n":1})");
    ASSERT_TRUE(t.drive_until([&] { return !t.dead().empty(); }));
    const auto dead = t.dead();
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_GE(dead[0].died - dead[0].created, 20s);
    EXPECT_LT(dead[0].attempts, 10) << "backoff 1 s, 2 s, 4 s, 8 s …";
}

TEST(Delivery, AFullOutboxSendsTheNextMessageToTheDeadLettersAndSaysSo) {
    config::PushPolicy policy;
    policy.max_queued = 3;
    // A recipient that is down (HTTP 503): nothing leaves the queue.
    DeliveryUnderTest t(
        "full",
        [](const std::string&, std::size_t) {
            return std::pair{503u, 3000};
        },
        policy);
    for (int i = 0; i < 5; ++i) {
        t.send("s" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}");
    }
    EXPECT_EQ(t.pending(), 3u);
    const auto dead = t.dead();
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_EQ(dead[0].key, "s3");
    EXPECT_EQ(dead[0].last_error, "the outbox is full (3 messages waiting)");
    EXPECT_TRUE(t.logs->contains("moved to the dead letters: the outbox is full (3 messages waiting)"));
}

namespace {

/// A session's state after `n` updates, as the CPO pushes it: every charging period so far.
std::string session_state(int n) {
    json::array periods;
    for (int i = 0; i < n; ++i) {
        periods.push_back(json::object{{"start_date_time", "2024-01-01T00:00:" + std::to_string(10 + i) + "Z"},
                                       {"dimensions", json::array{json::object{{"type", "ENERGY"}, {"volume", i}}}}});
    }
    return json::serialize(json::object{{"n", n}, {"charging_periods", std::move(periods)}});
}

}  // namespace

TEST(Delivery, ManyStatesOfASessionWhileTheRecipientIsDownArriveAsTheLatestWithEveryPeriod) {
    std::atomic<bool> down{true};
    DeliveryUnderTest t("coalesce", [&](const std::string&, std::size_t) -> std::pair<unsigned, int> {
        return down ? std::pair<unsigned, int>{503, 3000} : std::pair<unsigned, int>{200, 1000};
    });
    t.send_state("s1", session_state(1));
    ASSERT_TRUE(t.drive_until([&] { return !t.recipient.received().empty(); })) << "a first attempt fails";
    for (int n = 2; n <= 40; ++n) {
        t.send_state("s1", session_state(n));
    }
    t.send("s1", R"({"cdr":"of s1"})");  // a CDR: never replaced, and it stays behind the session's last state
    t.send_state("s1", session_state(41));
    EXPECT_EQ(t.pending(), 3u) << "the latest state before the CDR, the CDR, the state after it";
    const auto failed = t.recipient.received().size();
    down = false;
    ASSERT_TRUE(t.drive_until([&] { return t.pending() == 0; })) << t.pending() << " still queued";
    const auto got = t.recipient.received();
    ASSERT_EQ(got.size(), failed + 3) << "one delivery each";
    EXPECT_EQ(got[failed], session_state(40)) << "the newest state, with all 40 charging periods";
    EXPECT_EQ(got[failed + 1], R"({"cdr":"of s1"})");
    EXPECT_EQ(got[failed + 2], session_state(41));
    const auto& stats = t.io.run([&] { return t.delivery->stats(); });
    EXPECT_EQ(stats.replaced, 39u);
    EXPECT_EQ(stats.delivered, 3u);
    EXPECT_TRUE(t.dead().empty());
}

TEST(Delivery, ParallelDeliveryKeepsTheOrderOfEachKey) {
    config::PushPolicy policy;
    policy.parallel = 6;
    // Every third answer fails at first (retried later), answers take 0 to 4 ms: requests overtake each other.
    DeliveryUnderTest t(
        "parallel",
        [](const std::string&, std::size_t seen) -> std::pair<unsigned, int> {
            return seen % 3 == 0 ? std::pair<unsigned, int>{503, 3000} : std::pair<unsigned, int>{200, 1000};
        },
        policy);
    t.recipient.delay = [](std::size_t seen) { return std::chrono::milliseconds(seen * 7 % 5); };
    constexpr int kKeys = 12;
    constexpr int kEach = 8;
    for (int i = 0; i < kEach; ++i) {
        for (int k = 0; k < kKeys; ++k) {
            t.send("s" + std::to_string(k), json::serialize(json::object{{"key", k}, {"i", i}}));
        }
    }
    ASSERT_TRUE(t.drive_until([&] { return t.pending() == 0; })) << t.pending() << " still queued";
    std::map<std::int64_t, std::vector<std::int64_t>> accepted;  // per key, the i of each accepted message
    std::size_t seen = 0;
    for (const auto& body : t.recipient.received()) {
        const auto o = json::parse(body).as_object();
        if (seen++ % 3 != 0) {
            accepted[o.at("key").as_int64()].push_back(o.at("i").as_int64());
        }
    }
    ASSERT_EQ(accepted.size(), static_cast<std::size_t>(kKeys));
    for (const auto& [key, order] : accepted) {
        EXPECT_EQ(order, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7})) << "key " << key;
    }
    EXPECT_GT(t.recipient.max_in_flight, 1u) << "several keys at once";
    EXPECT_LE(t.recipient.max_in_flight, 6u) << "never more than push.parallel";
    EXPECT_TRUE(t.dead().empty());
}

TEST(Delivery, ATouchedStateGoesOutAsItIsWhenSentOnceTheRecipientIsBack) {
    std::atomic<bool> down{true};
    DeliveryUnderTest t("live", [&](const std::string&, std::size_t) -> std::pair<unsigned, int> {
        return down ? std::pair<unsigned, int>{503, 3000} : std::pair<unsigned, int>{200, 1000};
    });
    t.render_states();
    t.touch("s1", session_state(1));
    // Its failure is taken in before the next states come: a state touched while its request is on its way follows it
    // rather than replacing it.
    ASSERT_TRUE(t.drive_until([&] {
        return !t.recipient.received().empty() && t.io.run([&] { return t.delivery->in_flight(); }) == 0;
    })) << "a first attempt fails";
    for (int n = 2; n <= 40; ++n) {
        t.touch("s1", session_state(n));
    }
    EXPECT_EQ(t.pending(), 0u) << "nothing written to the outbox";
    EXPECT_EQ(t.live_waiting(), 1u);
    const auto failed = t.recipient.received().size();
    down = false;
    ASSERT_TRUE(
        t.drive_until([&] { return t.live_waiting() == 0 && t.io.run([&] { return t.delivery->in_flight(); }) == 0; }));
    const auto got = t.recipient.received();
    ASSERT_EQ(got.size(), failed + 1) << "one delivery";
    EXPECT_EQ(got.back(), session_state(40)) << "the newest state, with all 40 charging periods";
    const auto stats = t.io.run([&] { return t.delivery->stats(); });
    EXPECT_EQ(stats.replaced, 39u);
    EXPECT_EQ(stats.delivered, 1u);
    EXPECT_GE(stats.failed, 1u);
    EXPECT_TRUE(t.dead().empty()) << "a touched state is never given up on";
}

TEST(Delivery, ATouchedKeyGoesAfterWhatIsQueuedForItAndAForgottenOneNotAtAll) {
    std::atomic<bool> down{true};
    std::mutex mutex;
    std::vector<std::string> accepted;
    DeliveryUnderTest t("live-order", [&](const std::string& body, std::size_t) -> std::pair<unsigned, int> {
        if (down) {
            return {503, 3000};
        }
        const std::lock_guard lock(mutex);
        accepted.push_back(body);
        return {200, 1000};
    });
    t.render_states();
    t.send("s1", R"({"status":"ACTIVE"})");  // queued first: a change of status
    ASSERT_TRUE(t.drive_until([&] { return !t.recipient.received().empty(); })) << "a first attempt fails";
    t.touch("s1", session_state(7));
    t.touch("s2", session_state(8));
    t.io.run([&] {
        t.states["s3"] = session_state(9);
        t.delivery->touch("s3");
        t.delivery->forget("s3");  // its session ended before a request was free for it
        return 0;
    });
    down = false;
    ASSERT_TRUE(t.drive_until([&] {
        return t.pending() == 0 && t.live_waiting() == 0 && t.io.run([&] { return t.delivery->in_flight(); }) == 0;
    }));
    const std::lock_guard lock(mutex);
    ASSERT_EQ(accepted.size(), 3u);
    const auto at = [&](const std::string& body) {
        return std::find(accepted.begin(), accepted.end(), body) - accepted.begin();
    };
    EXPECT_LT(at(R"({"status":"ACTIVE"})"), at(session_state(7))) << "s1's queued message before its touched state";
    EXPECT_LT(at(session_state(7)), 3) << "s1's state went";
    EXPECT_LT(at(session_state(8)), 3) << "s2's state went";
    EXPECT_EQ(at(session_state(9)), 3) << "s3 was forgotten";
}
