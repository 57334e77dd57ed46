#include <scn/check/report.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace scn::check {
namespace json = boost::json;

const char* to_string(Status s) {
    switch (s) {
        case Status::passed:
            return "passed";
        case Status::failed:
            return "failed";
        case Status::skipped:
            return "skipped";
    }
    return "skipped";
}

Summary Report::summary() const {
    Summary s;
    for (const auto& r : results_) {
        (r.status == Status::passed ? s.passed : r.status == Status::failed ? s.failed : s.skipped) += 1;
    }
    return s;
}

const CheckResult* Report::find(const std::string& id) const {
    const auto it = std::find_if(results_.begin(), results_.end(), [&](const CheckResult& r) { return r.id == id; });
    return it == results_.end() ? nullptr : &*it;
}

json::value Report::to_json(const std::string& target) const {
    const auto s = summary();
    json::array checks;
    for (const auto& r : results_) {
        checks.push_back({{"id", r.id},
                          {"title", r.title},
                          {"section", r.section},
                          {"status", to_string(r.status)},
                          {"request", r.request},
                          {"expected", r.expected},
                          {"actual", r.actual},
                          {"ms", r.took.count()}});
    }
    return {{"summary", {{"passed", s.passed}, {"failed", s.failed}, {"skipped", s.skipped}}},
            {"target", target},
            {"checks", std::move(checks)}};
}

namespace {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                // Control characters other than tab and line breaks are not allowed in XML 1.0.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                    out += ' ';
                } else {
                    out += c;
                }
        }
    }
    return out;
}

}  // namespace

std::string Report::to_junit(const std::string& target) const {
    const auto s = summary();
    std::chrono::milliseconds total{0};
    for (const auto& r : results_) {
        total += r.took;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites>\n<testsuite name=\"scn-tools check " + xml_escape(target) + "\" tests=\"" +
           std::to_string(results_.size()) + "\" failures=\"" + std::to_string(s.failed) + "\" skipped=\"" +
           std::to_string(s.skipped) + "\" time=\"" + std::to_string(static_cast<double>(total.count()) / 1000.0) +
           "\">\n";
    for (const auto& r : results_) {
        out += "  <testcase classname=\"scpi\" name=\"" + xml_escape(r.id + " " + r.title) + "\" time=\"" +
               std::to_string(static_cast<double>(r.took.count()) / 1000.0) + "\"";
        if (r.status == Status::passed) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        if (r.status == Status::failed) {
            out += "    <failure message=\"" + xml_escape(r.actual) + "\">" +
                   xml_escape(r.section + "\nrequest: " + r.request + "\nexpected: " + r.expected +
                              "\nactual: " + r.actual) +
                   "</failure>\n";
        } else {
            out += "    <skipped message=\"" + xml_escape(r.actual) + "\"/>\n";
        }
        out += "  </testcase>\n";
    }
    out += "</testsuite>\n</testsuites>\n";
    return out;
}

std::string text_line(const CheckResult& r) {
    const char* mark = r.status == Status::passed ? "PASS" : r.status == Status::failed ? "FAIL" : "SKIP";
    std::string line = std::string(mark) + "  " + r.id;
    line.append(r.id.size() < 6 ? 6 - r.id.size() : 1, ' ');
    line += r.title;
    if (r.status == Status::failed) {
        line += "\n        " + r.section + (r.request.empty() ? "" : ", " + r.request);
        line += "\n        expected: " + r.expected + "\n        actual:   " + r.actual;
    } else if (r.status == Status::skipped && !r.actual.empty()) {
        line += " (" + r.actual + ")";
    }
    return line;
}

std::string Report::to_text() const {
    std::string out;
    for (const auto& r : results_) {
        out += text_line(r) + "\n";
    }
    const auto s = summary();
    out += std::to_string(s.passed) + " passed, " + std::to_string(s.failed) + " failed, " + std::to_string(s.skipped) +
           " skipped\n";
    return out;
}

}  // namespace scn::check
