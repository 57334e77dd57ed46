#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace scn::core {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

/// Where log lines go. Implementations must be thread-safe.
class LogSink {
public:
    virtual ~LogSink() = default;
    virtual void write(LogLevel level, std::string_view source, std::string_view message) = 0;
    /// Writes out anything the sink holds back (before a program prints on its own).
    virtual void flush() {}

    void set_min_level(LogLevel level) { min_level_ = level; }
    [[nodiscard]] bool enabled(LogLevel level) const { return level >= min_level_; }

private:
    LogLevel min_level_ = LogLevel::info;
};

/// The terminal: info and debug to stdout, warnings and errors to stderr. With `show_source`, every line starts with
/// its source (`node | …`), coloured when the stream is a terminal — how the sandbox keeps three logs apart.
///
/// Servers switch on the background writer: info and debug lines are then queued and written by a thread of the
/// sink's own, so an event loop never waits on a terminal or a full pipe and a busy server writes its access log in
/// batches (a line waits at most `kBatchInterval`). Order is kept: a warning or error (and flush()) writes everything
/// queued before it, then itself, at once. Past `kMaxQueuedBytes` the writing thread waits instead of queueing more.
/// Queued lines are written when the sink is destroyed.
class ConsoleSink final : public LogSink {
public:
    struct Streams {
        std::FILE* out = stdout;
        std::FILE* err = stderr;
    };
    static constexpr std::size_t kMaxQueuedBytes = 8 * 1024 * 1024;
    static constexpr std::chrono::milliseconds kBatchInterval{10};

    explicit ConsoleSink(bool show_source = false);
    ConsoleSink(bool show_source, Streams streams);
    ~ConsoleSink() override;
    ConsoleSink(const ConsoleSink&) = delete;
    ConsoleSink& operator=(const ConsoleSink&) = delete;

    void write(LogLevel level, std::string_view source, std::string_view message) override;
    /// Starts the background writer (idempotent).
    void start_background_writer();
    /// Writes every queued line now.
    void flush() override;

private:
    struct Chunk {
        std::FILE* stream;
        std::string text;
    };
    void run_writer();
    void emit(std::vector<Chunk>& batch);  // with io_mutex_ held

    bool show_source_;
    bool colour_;
    Streams streams_;
    std::mutex io_mutex_;  // held while writing to the streams; taken before mutex_
    std::mutex mutex_;     // guards the queue
    std::condition_variable wake_;
    std::vector<Chunk> queue_;
    std::size_t queued_bytes_ = 0;
    bool stopping_ = false;
    std::thread writer_;
};

/// Starts the background writer of the default sink when it is a ConsoleSink (servers call it once at start).
void use_background_console();

/// Keeps every line in memory; for tests that assert on what a user would read.
class CaptureSink final : public LogSink {
public:
    void write(LogLevel level, std::string_view source, std::string_view message) override;
    [[nodiscard]] std::vector<std::string> lines() const;
    [[nodiscard]] bool contains(std::string_view needle) const;
    /// Waits (bounded) until a line containing `needle` has been written.
    bool wait_for(std::string_view needle, std::chrono::milliseconds timeout) const;
    /// Counts lines containing `needle`.
    [[nodiscard]] std::size_t count(std::string_view needle) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<std::string> lines_;
};

/// The sink used by loggers that are not given one (a ConsoleSink unless replaced).
std::shared_ptr<LogSink> default_sink();
void set_default_sink(std::shared_ptr<LogSink> sink);

/// A named source of log lines (`cpo`, `msp`, `node`, …). Cheap to copy.
class Logger {
public:
    explicit Logger(std::string source = {}, std::shared_ptr<LogSink> sink = default_sink());

    void debug(std::string_view message) const { log(LogLevel::debug, message); }
    void info(std::string_view message) const { log(LogLevel::info, message); }
    void warn(std::string_view message) const { log(LogLevel::warn, message); }
    void error(std::string_view message) const { log(LogLevel::error, message); }
    void log(LogLevel level, std::string_view message) const;
    [[nodiscard]] bool enabled(LogLevel level) const { return sink_->enabled(level); }

    [[nodiscard]] const std::string& source() const { return source_; }
    [[nodiscard]] const std::shared_ptr<LogSink>& sink() const { return sink_; }

private:
    std::string source_;
    std::shared_ptr<LogSink> sink_;
};

}  // namespace scn::core
