#include <scn/core/log.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

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

namespace {

// What a ConsoleSink wrote to a temporary file, read back from the start.
std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    std::array<char, 4096> buf{};
    while (const auto n = std::fread(buf.data(), 1, buf.size(), f)) {
        out.append(buf.data(), n);
    }
    return out;
}

struct TempStreams {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    TempStreams() = default;
    TempStreams(const TempStreams&) = delete;
    TempStreams& operator=(const TempStreams&) = delete;
    ~TempStreams() {
        std::fclose(out);
        std::fclose(err);
    }
};

}  // namespace

TEST(Log, ConsoleSinkWritesInfoToOutAndProblemsToErr) {
    TempStreams files;
    {
        ConsoleSink sink(/*show_source=*/true, {files.out, files.err});
        sink.write(LogLevel::info, "node", "Node listening on 127.0.0.1:8080");
        sink.write(LogLevel::warn, "cpo", "push failed, retrying");
        sink.write(LogLevel::debug, "cpo", "hidden at the default level");
    }
    EXPECT_EQ(contents(files.out), "node | Node listening on 127.0.0.1:8080\n");
    EXPECT_EQ(contents(files.err), "cpo  | warning: push failed, retrying\n");
}

TEST(Log, BackgroundWriterKeepsEveryLineInOrderAndWritesTheRestAtTheEnd) {
    TempStreams files;
    {
        ConsoleSink sink(false, {files.out, files.out});  // one file: the order of info and warnings is visible
        sink.start_background_writer();
        std::vector<std::thread> writers;
        for (int t = 0; t < 4; ++t) {
            writers.emplace_back([&sink, t] {
                for (int i = 0; i < 500; ++i) {
                    sink.write(LogLevel::info, "", "t" + std::to_string(t) + " line " + std::to_string(i));
                }
            });
        }
        for (auto& w : writers) {
            w.join();
        }
        sink.write(LogLevel::error, "", "the last word");
        sink.write(LogLevel::info, "", "queued when the sink goes away");
    }
    const auto text = contents(files.out);
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto nl = text.find('\n', pos);
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    ASSERT_EQ(lines.size(), 2002u);
    // Each thread's lines in its own order, the error after all of them, the queued line written at destruction.
    std::array<int, 4> next{};
    for (std::size_t i = 0; i < 2000; ++i) {
        const int t = lines[i][1] - '0';
        ASSERT_EQ(lines[i], "t" + std::to_string(t) + " line " + std::to_string(next[static_cast<std::size_t>(t)]++));
    }
    EXPECT_EQ(lines[2000], "error: the last word");
    EXPECT_EQ(lines[2001], "queued when the sink goes away");
}

TEST(Log, FlushWritesQueuedLinesBeforeTheProgramPrintsItself) {
    TempStreams files;
    ConsoleSink sink(false, {files.out, files.err});
    sink.start_background_writer();
    sink.write(LogLevel::info, "", "Starting node...");
    sink.flush();
    EXPECT_EQ(contents(files.out), "Starting node...\n");
}
