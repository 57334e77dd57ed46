#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace scn::core {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

/// Where log lines go. Implementations must be thread-safe.
class LogSink {
public:
    virtual ~LogSink() = default;
    virtual void write(LogLevel level, std::string_view source, std::string_view message) = 0;

    void set_min_level(LogLevel level) { min_level_ = level; }
    [[nodiscard]] bool enabled(LogLevel level) const { return level >= min_level_; }

private:
    LogLevel min_level_ = LogLevel::info;
};

/// The terminal: info and debug to stdout, warnings and errors to stderr. With `show_source`, every line starts with
/// its source (`node | …`), coloured when the stream is a terminal — how the sandbox keeps three logs apart.
class ConsoleSink final : public LogSink {
public:
    explicit ConsoleSink(bool show_source = false);
    void write(LogLevel level, std::string_view source, std::string_view message) override;

private:
    bool show_source_;
    bool colour_;
    std::mutex mutex_;
};

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
