#include <scn/core/log.hpp>

#include <gtest/gtest.h>

#include <thread>

using namespace scn::core;
using namespace std::chrono_literals;

TEST(Log, CaptureSinkKeepsSourceAndLevelFilter) {
    auto sink = std::make_shared<CaptureSink>();
    const Logger log("cpo", sink);
    log.debug("hidden at the default level");
    log.info("CPO server listening for SCPI requests");
    ASSERT_EQ(sink->lines().size(), 1u);
    EXPECT_EQ(sink->lines()[0], "cpo | CPO server listening for SCPI requests");
    sink->set_min_level(LogLevel::debug);
    log.debug("now visible");
    EXPECT_EQ(sink->count("visible"), 1u);
}

TEST(Log, WaitForIsBoundedAndWakesOnWrite) {
    auto sink = std::make_shared<CaptureSink>();
    const Logger log("msp", sink);
    EXPECT_FALSE(sink->wait_for("never", 20ms));
    std::thread writer([&] {
        std::this_thread::sleep_for(10ms);
        log.info("async command result [START_SESSION 0]: ACCEPTED");
    });
    EXPECT_TRUE(sink->wait_for("START_SESSION 0", 5s));
    writer.join();
}
