#pragma once

// `scn-tools check`: runs the conformance checks of an SCPI 2.2 party (OCPI 2.2 with SCN names) against a party
// under test, straight at its versions URL or through an SCN node, and reports each check as passed, failed or
// skipped with the request that decided it.

#include <scn/check/report.hpp>
#include <scn/check/target.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>

namespace scn::check {

/// The role of the party under test.
enum class Role { cpo, emsp };

struct CheckOptions {
    TargetOptions target;
    Role role = Role::cpo;
    /// Time for the whole run; checks not started by then are skipped (each call also has its own timeout).
    std::chrono::milliseconds budget{120'000};
    /// Pages followed when walking a list with limit=1.
    std::size_t max_pages = 25;
    /// Also provoke behaviour: commands to a CPO (results to a URL the checker serves), pushes to an eMSP.
    bool active = false;
    /// Where the checker serves command results: listen address and the base URL the party calls (empty: the
    /// listening address). A party on another machine needs an address it can reach.
    std::string callback_listen = "127.0.0.1";
    std::uint16_t callback_port = 0;
    std::string callback_url;
    /// How long to wait for a CommandResult at most (the party's own `timeout` if shorter).
    std::chrono::milliseconds result_wait{30'000};
};

/// Called with each result as soon as it is known (terminal progress).
using Progress = std::function<void(const CheckResult&)>;

/// Runs every read-only check that applies to the role. Never throws for what the party under test does: every
/// failure is a failed check.
boost::asio::awaitable<Report> run_checks(CheckOptions options, Progress progress = {});

}  // namespace scn::check
