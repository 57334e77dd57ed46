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

ConsoleSink::ConsoleSink(bool show_source) : ConsoleSink(show_source, Streams{}) {}

ConsoleSink::ConsoleSink(bool show_source, Streams streams)
    : show_source_(show_source),
      colour_(streams.out == stdout && streams.err == stderr && ::isatty(STDOUT_FILENO) == 1 &&
              ::isatty(STDERR_FILENO) == 1),
      streams_(streams) {}

ConsoleSink::~ConsoleSink() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) {
        writer_.join();
    }
    flush();
}

void ConsoleSink::start_background_writer() {
    const std::lock_guard lock(mutex_);
    if (!writer_.joinable() && !stopping_) {
        writer_ = std::thread([this] { run_writer(); });
    }
}

void ConsoleSink::run_writer() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_ && queue_.empty()) {
                return;
            }
            // Gather a batch: a busy server then costs one write and one wake-up per interval, not per line.
            wake_.wait_for(lock, kBatchInterval, [&] { return stopping_; });
        }
        flush();
    }
}

void ConsoleSink::emit(std::vector<Chunk>& batch) {
    std::FILE* last = nullptr;
    for (const auto& chunk : batch) {
        if (last != nullptr && last != chunk.stream) {
            std::fflush(last);
        }
        std::fwrite(chunk.text.data(), 1, chunk.text.size(), chunk.stream);
        last = chunk.stream;
    }
    if (last != nullptr) {
        std::fflush(last);
    }
    batch.clear();
}

void ConsoleSink::flush() {
    const std::lock_guard io(io_mutex_);
    std::vector<Chunk> batch;
    {
        const std::lock_guard lock(mutex_);
        batch.swap(queue_);
        queued_bytes_ = 0;
    }
    emit(batch);
}

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
    std::FILE* stream = level >= LogLevel::warn ? streams_.err : streams_.out;
    if (level < LogLevel::warn) {
        std::unique_lock lock(mutex_);
        if (writer_.joinable() && !stopping_ && queued_bytes_ + line.size() <= kMaxQueuedBytes) {
            const bool was_empty = queue_.empty();
            queued_bytes_ += line.size();
            if (!queue_.empty() && queue_.back().stream == stream) {
                queue_.back().text += line;
            } else {
                queue_.push_back(Chunk{stream, std::move(line)});
            }
            lock.unlock();
            if (was_empty) {
                wake_.notify_one();
            }
            return;
        }
    }
    // Immediate: everything queued before this line, then the line.
    const std::lock_guard io(io_mutex_);
    std::vector<Chunk> batch;
    {
        const std::lock_guard lock(mutex_);
        batch.swap(queue_);
        queued_bytes_ = 0;
    }
    batch.push_back(Chunk{stream, std::move(line)});
    emit(batch);
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

void use_background_console() {
    if (auto console = std::dynamic_pointer_cast<ConsoleSink>(default_sink())) {
        console->start_background_writer();
    }
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
