#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace scn::test {

/// Runs an io_context on a background thread for the lifetime of the object, so a test can start servers on
/// 127.0.0.1 and talk to them with blocking calls from the test thread.
class IoThread {
public:
    IoThread() : guard_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {}
    ~IoThread() { stop(); }

    /// Stops the io_context and waits for its thread: afterwards no handler runs, so the objects the handlers use
    /// may be destroyed. Fixtures call it before destroying their servers.
    void stop() {
        guard_.reset();
        ioc_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    boost::asio::io_context& ioc() { return ioc_; }

    /// Runs `f` on the io thread and returns its result; fails the wait after `timeout`.
    template <typename F>
    auto run(F&& f, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        using R = decltype(f());
        std::packaged_task<R()> task(std::forward<F>(f));
        auto future = task.get_future();
        boost::asio::post(ioc_, [&task] { task(); });
        if (future.wait_for(timeout) != std::future_status::ready) {
            throw std::runtime_error("the io thread did not finish the task in time");
        }
        return future.get();
    }

    /// Runs a coroutine on the io thread and returns its result (or rethrows); fails the wait after `timeout`.
    template <typename T>
    T await(boost::asio::awaitable<T> work, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto future = boost::asio::co_spawn(ioc_, std::move(work), boost::asio::use_future);
        if (future.wait_for(timeout) != std::future_status::ready) {
            throw std::runtime_error("the coroutine did not finish in time");
        }
        return future.get();
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

}  // namespace scn::test
