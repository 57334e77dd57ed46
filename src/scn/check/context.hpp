#pragma once

// What the checks share while they run: the target, the report, the clock of the time budget.

#include <scn/check/checker.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>

#include <map>
#include <optional>
#include <string>

namespace scn::check {

/// A check in progress: its id, title and protocol section, and when it started.
struct Check {
    std::string id;
    std::string title;
    std::string section;
};

class Context {
public:
    Context(Target& target, const CheckOptions& options, Report& report, Progress progress);

    Target& target;
    const CheckOptions& options;

    /// The objects the list checks read, by module, for the object checks.
    std::map<std::string, boost::json::array> objects;

    [[nodiscard]] bool out_of_time() const { return std::chrono::steady_clock::now() >= deadline_; }
    [[nodiscard]] bool cpo() const { return options.role == Role::cpo; }

    void pass(const Check& c, const Exchange* x = nullptr, std::string expected = {});
    void fail(const Check& c, const Exchange* x, std::string expected, std::string actual);
    void skip(const Check& c, std::string why);
    /// Passes when `problem` is empty, fails with it otherwise.
    void verdict(const Check& c, const Exchange* x, std::string expected, const std::optional<std::string>& problem);

    /// A GET the checks make with the usual headers.
    boost::asio::awaitable<Exchange> get(std::string url, Auth auth = Auth::token, std::string authorization = {});
    /// A GET of a configuration module (versions): no routing headers.
    boost::asio::awaitable<Exchange> get_config(std::string url, Auth auth = Auth::token);

    /// Starts the clock of one check (for its `took`).
    void begin() { started_ = std::chrono::steady_clock::now(); }

private:
    void add(CheckResult r);
    Report& report_;
    Progress progress_;
    std::chrono::steady_clock::time_point deadline_;
    std::chrono::steady_clock::time_point started_;
};

// The groups of checks, in the order they run.
boost::asio::awaitable<bool> check_versions(Context& ctx);  ///< false: no endpoints, nothing else can run
boost::asio::awaitable<void> check_authorization(Context& ctx);
boost::asio::awaitable<void> check_lists(Context& ctx);
boost::asio::awaitable<void> check_objects(Context& ctx);
void check_envelopes(Context& ctx);  ///< over every exchange made
/// With `active`: commands to a CPO, pushes to an eMSP.
boost::asio::awaitable<void> check_active(Context& ctx);

/// Why the answer is not a 1000 envelope with HTTP 2xx (its description), or nullopt.
[[nodiscard]] std::optional<std::string> not_ok(const Exchange& x);

/// Why `text` is not an SCPI DateTime in UTC (RFC 3339 with `Z` or no zone designator), or nullopt.
[[nodiscard]] std::optional<std::string> datetime_problem(std::string_view text);

}  // namespace scn::check
