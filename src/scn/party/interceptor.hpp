#pragma once

// What the control API does to a mock party's SCPI server: it records the requests the party receives and answers
// some of them with injected faults (a partner that answers 503, takes its time, drops the connection, sends broken
// JSON or small pages). Every route of the party passes through Interceptor::handle.

#include <scn/console/console.hpp>
#include <scn/core/clock.hpp>
#include <scn/http/router.hpp>
#include <scn/scpi/dialect.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scn::party {

/// One injected fault: requests to `module` (the SCPI module identifier; "*" or empty: any) with `method` (empty:
/// any) are delayed by `delay`, then answered with `http_status` and/or `scpi_status` instead of the party's own
/// answer, or have the party's answer broken (`malformed_body`), or the connection closed without an answer
/// (`close_connection`); `page_limit` lowers the page size of list requests. `count` requests are hit, then the
/// fault is gone; without a count it stays until cleared.
struct FaultRule {
    std::string module;
    std::string method;
    std::optional<unsigned> http_status;
    std::optional<int> scpi_status;
    std::chrono::milliseconds delay{0};
    bool close_connection = false;
    bool malformed_body = false;
    std::optional<std::size_t> page_limit;
    std::optional<std::int64_t> count;
    std::int64_t hits = 0;  ///< requests it changed so far
};

/// Parses the control API's fault list (`[{"module": "locations", "method": "GET", "http_status": 503, ...}]`);
/// throws std::invalid_argument naming the member that is wrong.
[[nodiscard]] std::vector<FaultRule> parse_faults(const boost::json::value& v);
[[nodiscard]] boost::json::value to_json(const FaultRule& rule);

/// A request the party received, as the control API shows it. Kept cheaply (the header fields as one text, the module
/// worked out when asked) since every request of a party with a control API is kept.
struct ReceivedRequest {
    std::uint64_t seq = 0;  ///< 1, 2, … in the order received
    core::TimePoint at{};
    std::string method;
    std::string path;
    std::string query;
    std::string headers;    ///< "Name: value\n" per field
    std::string body;       ///< at most Interceptor::kMaxRecordedBody bytes of it
    bool body_cut = false;  ///< the body was longer
    unsigned status = 0;    ///< the HTTP status it was answered with (0: no answer)
};
[[nodiscard]] boost::json::value to_json(const ReceivedRequest& r);

class Interceptor {
public:
    /// How many received requests are kept, and how many bytes of them at most (the oldest go first); of a body,
    /// the first kMaxRecordedBody bytes are kept.
    static constexpr std::size_t kMaxReceived = 2000;
    static constexpr std::size_t kMaxReceivedBytes = 64 * 1024 * 1024;
    static constexpr std::size_t kMaxRecordedBody = 1024 * 1024;

    explicit Interceptor(const core::Clock& clock, const scpi::Dialect& dialect = scpi::scpi_dialect())
        : clock_(clock), dialect_(&dialect) {}

    /// Records the request, applies the first fault that matches it, and otherwise lets `handler` answer. With a
    /// console, the request and its answer are kept there too.
    boost::asio::awaitable<http::Response> handle(http::Request& request, const http::Handler& handler);
    /// The console that also keeps every exchange (null: none).
    void set_console(console::Console* console) { console_ = console; }

    void set_faults(std::vector<FaultRule> faults);
    void clear_faults();
    [[nodiscard]] std::vector<FaultRule> faults() const;

    /// Received requests with a sequence number above `after_seq` and (when given) received at or after
    /// `since_time`, of `module` (empty: any), oldest first.
    [[nodiscard]] std::vector<ReceivedRequest> received(std::string_view module, std::uint64_t after_seq,
                                                        std::optional<core::TimePoint> since_time) const;
    void clear_received();
    /// The sequence number of the newest request received so far (0: none yet).
    [[nodiscard]] std::uint64_t last_seq() const {
        const std::lock_guard lock(mutex_);
        return next_seq_ - 1;
    }

    /// The SCPI module a path belongs to: "versions", "credentials", "locations", …; "" when none.
    [[nodiscard]] static std::string module_of(std::string_view path);

private:
    /// Takes the first fault matching (module, method), counting it; nullopt when none.
    std::optional<FaultRule> take_fault(const std::string& module, std::string_view method);
    /// Keeps the request; fills in `exchange` (when given) with the same record for the console.
    std::uint64_t record(const http::Request& request, console::Exchange* exchange);
    void record_status(std::uint64_t seq, unsigned status);
    [[nodiscard]] unsigned status_of(std::uint64_t seq) const;
    /// A fault's answer or the handler's.
    boost::asio::awaitable<http::Response> answer(http::Request& request, const http::Handler& handler,
                                                  std::uint64_t seq);

    const core::Clock& clock_;
    const scpi::Dialect* dialect_;  ///< requests are recorded in it, as they were sent
    mutable std::mutex mutex_;
    std::vector<FaultRule> faults_;
    std::atomic<bool> has_faults_{false};
    std::deque<ReceivedRequest> received_;
    std::size_t received_bytes_ = 0;
    std::uint64_t next_seq_ = 1;
    console::Console* console_ = nullptr;
};

}  // namespace scn::party
