#pragma once

// The live web console of a node or a mock party (`GET /console`): a page built into the binary, a JSON snapshot of
// the parties and of the exchanges kept (`GET /console/api/snapshot`), and Server-Sent Events of every exchange
// recorded and every change of the parties from then on (`GET /console/api/events`). The exchanges are kept in a
// bounded ring; the page works out sessions, CDRs and commands from their bodies.

#include <scn/console/exchange.hpp>
#include <scn/console/ring.hpp>
#include <scn/core/clock.hpp>
#include <scn/http/router.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace scn::console {

struct ConsoleOptions {
    /// Exchanges kept (`console.buffer`, `--console-buffer`); the oldest go first. 0 turns the console off.
    std::size_t buffer = 2000;
    /// Bytes kept of each request and response body.
    std::size_t body_cap = 16 * 1024;
    std::string title;  ///< shown on the page: "SCN node http://localhost:8080", "mock CPO CH/CPO"
    std::string kind;   ///< "node" or "party"
    std::chrono::milliseconds heartbeat{15'000};  ///< a comment on an idle event stream, to notice closed pages
};

class Console {
public:
    /// The parties view as JSON: `{"parties": [{"id": "CH/CPO", "role": "CPO", "name": …, "status": …,
    /// "registry": {…} or null, "url": …}]}`.
    using Parties = std::function<boost::asio::awaitable<boost::json::value>()>;

    explicit Console(ConsoleOptions options, const core::Clock& clock = core::system_clock());
    ~Console();
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    using ExchangePtr = std::unique_ptr<Exchange>;
    /// An exchange to fill in and record(): one the ring let go of, whose strings keep their room, when there is one.
    [[nodiscard]] ExchangePtr take();
    /// Keeps an exchange (numbered here) and tells the open event streams. Call from the io_context's thread.
    void record(ExchangePtr x);
    /// Bytes of a body to keep (the recorders cut bodies to it).
    [[nodiscard]] std::size_t body_cap() const;
    [[nodiscard]] const core::Clock& clock() const;
    [[nodiscard]] const Ring<ExchangePtr>& exchanges() const;
    /// Event streams open now.
    [[nodiscard]] std::size_t streams() const;

    void set_parties(Parties parties);
    /// Tells the open event streams to send the parties view again.
    void parties_changed();

    /// The snapshot's JSON: title, kind, buffer, last_seq, parties and the exchanges numbered above `after`.
    boost::asio::awaitable<boost::json::value> snapshot(std::uint64_t after = 0);

    /// `GET /console` (the page and its script and style), `GET /console/api/snapshot[?after=N]`,
    /// `GET /console/api/events[?after=N]` (text/event-stream; `Last-Event-ID` resumes).
    void add_routes(http::Router& router);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

/// The page's files built into the binary: `index.html`, `console.js`, `console.css`; empty when unknown.
struct Asset {
    std::string_view content_type;
    std::string_view bytes;
};
[[nodiscard]] Asset asset(std::string_view name);

}  // namespace scn::console
