#include <scn/core/log.hpp>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace scn::core {
namespace {

std::mutex g_default_mutex;
std::shared_ptr<LogSink>& default_sink_slot() {
    static std::shared_ptr<LogSink> sink = std::make_shared<ConsoleSink>();
    return sink;
}

std::string_view colour_for(std::string_view source) {
    if (source == "node") {
        return "\033[36m";
    }
    if (source == "cpo") {
        return "\033[33m";
    }
    if (source == "msp") {
        return "\033[35m";
    }
    return "\033[32m";
}

}  // namespace

ConsoleSink::ConsoleSink(bool show_source)
    : show_source_(show_source), colour_(::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1) {}

void ConsoleSink::write(LogLevel level, std::string_view source, std::string_view message) {
    if (!enabled(level)) {
        return;
    }
    std::string line;
    line.reserve(message.size() + 24);
    if (show_source_ && !source.empty()) {
        if (colour_) {
            line += colour_for(source);
        }
        line += source;
        line.append(source.size() < 4 ? 4 - source.size() : 0, ' ');
        line += colour_ ? " |\033[0m " : " | ";
    }
    if (level == LogLevel::warn) {
        line += "warning: ";
    } else if (level == LogLevel::error) {
        line += "error: ";
    }
    line += message;
    line += '\n';
    std::FILE* out = level >= LogLevel::warn ? stderr : stdout;
    const std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

void CaptureSink::write(LogLevel level, std::string_view source, std::string_view message) {
    if (!enabled(level)) {
        return;
    }
    std::string line;
    if (!source.empty()) {
        line.append(source).append(" | ");
    }
    line += message;
    {
        const std::lock_guard lock(mutex_);
        lines_.push_back(std::move(line));
    }
    cv_.notify_all();
}

std::vector<std::string> CaptureSink::lines() const {
    const std::lock_guard lock(mutex_);
    return lines_;
}

bool CaptureSink::contains(std::string_view needle) const {
    return count(needle) > 0;
}

std::size_t CaptureSink::count(std::string_view needle) const {
    const std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        lines_.begin(), lines_.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

bool CaptureSink::wait_for(std::string_view needle, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
        return std::any_of(lines_.begin(), lines_.end(),
                           [&](const std::string& l) { return l.find(needle) != std::string::npos; });
    });
}

std::shared_ptr<LogSink> default_sink() {
    const std::lock_guard lock(g_default_mutex);
    return default_sink_slot();
}

void set_default_sink(std::shared_ptr<LogSink> sink) {
    const std::lock_guard lock(g_default_mutex);
    default_sink_slot() = std::move(sink);
}

Logger::Logger(std::string source, std::shared_ptr<LogSink> sink)
    : source_(std::move(source)), sink_(std::move(sink)) {}

void Logger::log(LogLevel level, std::string_view message) const {
    sink_->write(level, source_, message);
}

}  // namespace scn::core
