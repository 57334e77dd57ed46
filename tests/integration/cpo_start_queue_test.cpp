// START_SESSION answered at once and carried out when its burst ends: the EVSE is held meanwhile, every other request
// (and a stop of the CPO) sees what the STARTs before it did, and a burst begins without any other request, when it
// ends or at its limit.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <thread>

#include "cpo_fixture.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;
using test::Fixture;
using test::token_json;

namespace {

std::size_t running(Fixture& t) {
    return t.io.run([&] { return t.cpo->control_state().at("sessions").as_array().size(); });
}

std::string message_of(const service::Reply& r) {
    const auto& m = r.data.at("message").as_array();
    return m.empty() ? std::string() : std::string(m.at(0).at("text").as_string());
}

/// Whether the MSP received exactly one result at `name`, and that it is ACCEPTED.
bool accepted_result(Fixture& t, const std::string& name) {
    return t.msp.wait_for("POST", "/results/" + name, [](const auto& r) {
        return r.size() == 1 && r.front().at("body").at("result") == "ACCEPTED";
    });
}

}  // namespace

TEST(CpoStartQueue, StartsAreAnsweredFirstHoldTheirEvseAndAreCarriedOutBeforeTheNextOtherRequest) {
    Fixture t("queue-settle");
    t.io.run([&] {
        t.cpo->set_start_window(1h, 1h);  // only another request (or a stop) carries them out
        return 0;
    });
    const auto a = t.start("A1", "Loc1", "CH-CPO-S1E100001", "MSP", "a");
    ASSERT_TRUE(a.ok()) << a.describe();
    EXPECT_EQ(a.data.at("result"), "ACCEPTED");
    const auto b = t.start("B1", "Loc2", "CH-CPO-S2E100001", "MSP", "b");
    EXPECT_EQ(b.data.at("result"), "ACCEPTED");
    EXPECT_EQ(running(t), 0u) << "answered, not begun yet";

    // The held EVSE is refused to another START as a charging one is; a START that names no EVSE takes another one.
    const auto taken = t.start("C1", "Loc1", "CH-CPO-S1E100001", "MSP", "c");
    EXPECT_EQ(taken.data.at("result"), "REJECTED");
    EXPECT_EQ(message_of(taken), "EVSE CH-CPO-S1E100001 is CHARGING");
    const auto any =
        t.command("START_SESSION", R"({"response_url":")" + t.result_url("d") + R"(","location_id":"Loc1","token":)" +
                                       token_json("D1", "MSP", "NEVER", "APP_USER") + "}");
    EXPECT_EQ(any.data.at("result"), "ACCEPTED");
    EXPECT_EQ(running(t), 0u);

    // Another request sees every START answered before it carried out.
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100001"), "CHARGING");
    EXPECT_EQ(running(t), 3u);
    EXPECT_EQ(t.evse_status("Loc1", "CH-CPO-S1E100002"), "CHARGING");
    EXPECT_EQ(t.evse_status("Loc2", "CH-CPO-S2E100001"), "CHARGING");
    for (const auto* name : {"a", "b", "d"}) {
        EXPECT_TRUE(accepted_result(t, name)) << name;
    }
    EXPECT_FALSE(t.session_at("CH-CPO-S1E100002").empty()) << "pushed to the eMSP like any session";
    EXPECT_TRUE(t.msp.requests("POST", "/results/c").empty()) << "a refused START has no result";
}

TEST(CpoStartQueue, ABurstBeginsWhenItEndsOrAtItsLimitWithoutAnyOtherRequest) {
    Fixture t("queue-timer");
    // The default window: a burst of six begins once it ends.
    const std::vector<std::pair<std::string, std::string>> evses{
        {"Loc1", "CH-CPO-S1E100001"}, {"Loc1", "CH-CPO-S1E100002"}, {"Loc2", "CH-CPO-S2E100001"},
        {"Loc2", "CH-CPO-S2E100002"}, {"Loc3", "CH-CPO-S3E100001"}, {"Loc3", "CH-CPO-S3E100002"}};
    for (std::size_t i = 0; i < evses.size(); ++i) {
        const auto r =
            t.start("T" + std::to_string(i), evses[i].first, evses[i].second, "MSP", "t" + std::to_string(i));
        ASSERT_EQ(r.data.at("result"), "ACCEPTED") << r.describe();
    }
    for (std::size_t i = 0; i < evses.size(); ++i) {
        EXPECT_TRUE(accepted_result(t, "t" + std::to_string(i))) << i;
        EXPECT_FALSE(t.session_at(evses[i].second).empty()) << evses[i].second;
    }

    // A burst that would not end for an hour begins at its limit.
    t.io.run([&] {
        t.cpo->set_start_window(1h, 100ms);
        return 0;
    });
    ASSERT_EQ(t.start("L1", "Loc4", "CH-CPO-S4E100001", "MSP", "limit").data.at("result"), "ACCEPTED");
    EXPECT_TRUE(accepted_result(t, "limit"));
    EXPECT_FALSE(t.session_at("CH-CPO-S4E100001").empty());
    EXPECT_EQ(running(t), evses.size() + 1);
}

TEST(CpoStartQueue, AStopOfTheCpoCarriesOutTheStartsItAnswered) {
    Fixture t("queue-stop");
    t.io.run([&] {
        t.cpo->set_start_window(1h, 1h);
        return 0;
    });
    ASSERT_EQ(t.start("S1", "Loc5", "CH-CPO-S5E100001", "MSP", "s").data.at("result"), "ACCEPTED");
    EXPECT_TRUE(t.io.run([&] { return t.store->charging(); }).empty());
    t.io.run([&] {
        t.cpo->stop_all();
        return 0;
    });
    // Begun and kept for the next start of the CPO, which resumes it.
    const auto kept = t.io.run([&] { return t.store->charging(); });
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_NE(kept.front().second.find("CH-CPO-S5E100001"), std::string::npos);
}

TEST(CpoStartQueue, ARequestWaitsForTheStartsBeforeItWhileTheEventLoopServesOtherWork) {
    Fixture t("queue-slices");
    t.io.run([&] {
        t.cpo->set_start_window(1h, 1h, 0us);  // a slice is one START: the loop is given back after each
        return 0;
    });
    const std::vector<std::pair<std::string, std::string>> evses{
        {"Loc1", "CH-CPO-S1E100001"}, {"Loc2", "CH-CPO-S2E100001"}, {"Loc3", "CH-CPO-S3E100001"}};
    for (std::size_t i = 0; i < evses.size(); ++i) {
        ASSERT_EQ(t.start("W" + std::to_string(i), evses[i].first, evses[i].second, "MSP", "w" + std::to_string(i))
                      .data.at("result"),
                  "ACCEPTED");
    }
    ASSERT_EQ(running(t), 0u);

    // What a request awaits before it is served, with other work queued behind its first slice.
    struct Seen {
        std::optional<std::size_t> between;  ///< sessions running when the other work ran
        std::optional<std::size_t> after;    ///< when the catch-up ended
        std::string failed;
    };
    const auto seen = std::make_shared<Seen>();
    t.io.run([&] {
        auto& ioc = t.io.ioc();
        boost::asio::co_spawn(
            ioc,
            [cpo = t.cpo.get(), seen]() -> boost::asio::awaitable<void> {
                try {
                    co_await cpo->catch_up();
                    seen->after = cpo->control_state().at("sessions").as_array().size();
                } catch (const std::exception& e) {
                    seen->failed = e.what();
                    seen->after = 0;
                }
            },
            boost::asio::detached);
        boost::asio::post(
            ioc, [cpo = t.cpo.get(), seen] { seen->between = cpo->control_state().at("sessions").as_array().size(); });
        return 0;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!t.io.run([&] { return seen->after.has_value(); }) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(t.io.run([&] { return seen->after.has_value(); })) << "the catch-up did not end within 10 s";
    ASSERT_EQ(t.io.run([&] { return seen->failed; }), "");
    const auto between = t.io.run([&] { return seen->between; });
    ASSERT_TRUE(between.has_value());
    EXPECT_GT(*between, 0u) << "the first slice ran before the other work";
    EXPECT_LT(*between, evses.size()) << "the other work ran before the last START began";
    EXPECT_EQ(t.io.run([&] { return *seen->after; }), evses.size()) << "every START queued before it";
    for (std::size_t i = 0; i < evses.size(); ++i) {
        EXPECT_TRUE(accepted_result(t, "w" + std::to_string(i))) << i;
    }
}

TEST(CpoStartQueue, WorkThatFallsDueTogetherRunsInTheOrderAskedForASliceAtATime) {
    // Results and stopping chargers are timed work (Cpo::after): thousands due at once must not hold the loop.
    Fixture t("later-slices");
    const auto ran = std::make_shared<std::vector<std::string>>();
    t.io.run([&] {
        t.cpo->set_start_window(1h, 1h, 0us);  // a slice is one piece of work
        auto& ioc = t.io.ioc();
        for (int i = 1; i <= 3; ++i) {
            t.cpo->after(0ms, [ran, i, &ioc] {
                ran->push_back("work " + std::to_string(i));
                if (i == 1) {
                    boost::asio::post(ioc, [ran] { ran->push_back("other"); });
                }
            });
        }
        return 0;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (t.io.run([&] { return ran->size(); }) < 4 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    const auto seen = t.io.run([&] { return *ran; });
    EXPECT_EQ(seen, (std::vector<std::string>{"work 1", "other", "work 2", "work 3"}))
        << "what was posted by the first piece runs before the second";
}
