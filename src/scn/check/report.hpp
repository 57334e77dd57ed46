#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace scn::check {

enum class Status { passed, failed, skipped };
[[nodiscard]] const char* to_string(Status s);

/// One check of the conformance checklist, as the report shows it.
struct CheckResult {
    std::string id;       ///< checklist id: G-01, P-02, L-03, …
    std::string title;    ///< what is checked, in a few words
    std::string section;  ///< where the protocol says so: "OCPI 2.2 §8.1", …
    Status status = Status::skipped;
    std::string request;   ///< the request that decided it: `GET http://…/locations?limit=1`
    std::string expected;  ///< what the protocol asks for
    std::string actual;    ///< what came back (or why the check was skipped)
    std::chrono::milliseconds took{0};
};

struct Summary {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
};

/// Every check made, in order.
class Report {
public:
    void add(CheckResult result) { results_.push_back(std::move(result)); }
    [[nodiscard]] const std::vector<CheckResult>& results() const { return results_; }
    [[nodiscard]] Summary summary() const;
    /// The result of check `id`, or null.
    [[nodiscard]] const CheckResult* find(const std::string& id) const;

    /// `{"summary": {"passed": N, "failed": N, "skipped": N}, "target": …, "checks": [{"id": …, "status": …}]}`
    [[nodiscard]] boost::json::value to_json(const std::string& target) const;
    /// JUnit XML (one test case per check, failures with expected and actual), for CI test reports.
    [[nodiscard]] std::string to_junit(const std::string& target) const;
    /// One line per check and a summary, for the terminal.
    [[nodiscard]] std::string to_text() const;

private:
    std::vector<CheckResult> results_;
};

/// One report line: `✓ L-02  One location, EVSE and connector` (with expected/actual below a failure).
[[nodiscard]] std::string text_line(const CheckResult& result);

}  // namespace scn::check
