#pragma once

// The control API of a mock party: a small JSON HTTP server on its own port (127.0.0.1 by default) with which a test
// drives the mock: EVSE statuses, drivers at the charger, scripted command answers, injected faults, the virtual
// clock, what the mock received, and a reset. Errors are JSON `{"error": "…"}` with a 4xx status.

#include <scn/console/console.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/http/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace scn::party {

class Cpo;
class Msp;
class PartyServer;

struct ControlOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: an ephemeral port (tests)
    /// Exchanges the party's console (`GET /console` on this port) keeps; 0 turns the console off.
    std::size_t console_buffer = 2000;
};

class ControlServer {
public:
    /// Controls `party` (a Cpo or an Msp, started with interception enabled) whose clock is `clock`; the clock is
    /// shared by the parties of one process, so advancing it through either control API moves both.
    ControlServer(boost::asio::io_context& ioc, PartyServer& party, core::VirtualClock& clock, ControlOptions options,
                  core::Logger log);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    /// Starts listening; returns the port. Throws http::ListenError.
    std::uint16_t start();
    void stop();
    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] std::string url() const;

    /// Tells the control server of the other party of the same process, whose sessions must also catch up when the
    /// clock moves on (the sandbox runs both parties on one clock).
    void set_sibling(PartyServer* other) { sibling_ = other; }

private:
    http::Router routes();
    [[nodiscard]] boost::json::array faults_json() const;
    /// The console's parties view: the party itself, the parties the node reported, a bilateral peer.
    [[nodiscard]] boost::json::value parties_json() const;

    boost::asio::io_context& ioc_;
    PartyServer& party_;
    Cpo* cpo_ = nullptr;
    Msp* msp_ = nullptr;
    PartyServer* sibling_ = nullptr;
    core::VirtualClock& clock_;
    ControlOptions options_;
    core::Logger log_;
    std::unique_ptr<console::Console> console_;  ///< null when the console is off
    std::unique_ptr<http::Server> server_;
};

}  // namespace scn::party
