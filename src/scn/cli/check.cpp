// `scn-tools check`: the conformance checks against a party, a line per check as they run, reports for CI.
#include <scn/check/checker.hpp>
#include <scn/cli/common.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <iostream>

namespace scn::cli {

namespace {

/// COUNTRY/PARTY, e.g. CH/CPO.
std::pair<std::string, std::string> party(const std::string& text, const char* option) {
    const auto slash = text.find('/');
    if (slash != 2 || text.size() != 6) {
        throw std::runtime_error(std::string(option) + " " + text + ": expected COUNTRY/PARTY, e.g. CH/CPO");
    }
    return {text.substr(0, 2), text.substr(3)};
}

void write_file(const std::filesystem::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary);
    out << content;
    if (!out) {
        throw std::runtime_error(file.string() + ": cannot write");
    }
}

}  // namespace

int run_check(const GlobalOptions&, const CheckCommandOptions& options) {
    try {
        check::CheckOptions o;
        o.role = options.role == "cpo" ? check::Role::cpo : check::Role::emsp;
        o.budget = std::chrono::seconds(options.timeout_s);
        o.target.call_timeout = std::chrono::seconds(options.call_timeout_s);
        o.target.token = options.token;
        o.target.dialect = scpi::dialect_named(options.protocol);
        if (o.target.dialect == nullptr) {
            throw std::runtime_error("--protocol must be scpi-2.2 or ocpi-2.2.1");
        }
        if (o.target.dialect->is_ocpi() && options.node) {
            throw std::runtime_error(
                "--protocol ocpi-2.2.1 checks a party directly (--versions-url), not through a node");
        }
        if (options.node) {
            o.target.node_url = *options.node;
        } else {
            o.target.versions_url = *options.versions_url;
        }
        o.active = options.active;
        const auto colon = options.listen.rfind(':');
        if (colon == std::string::npos) {
            throw std::runtime_error("--listen " + options.listen + ": expected ADDRESS:PORT, e.g. 127.0.0.1:0");
        }
        o.callback_listen = options.listen.substr(0, colon);
        o.callback_port = static_cast<std::uint16_t>(std::stoul(options.listen.substr(colon + 1)));
        o.callback_url = options.callback_url.value_or("");
        if (options.from && options.to) {
            const auto [fcc, fpid] = party(*options.from, "--from");
            const auto [tcc, tpid] = party(*options.to, "--to");
            o.target.routing = scpi::RoutingHeaders{fcc, fpid, tcc, tpid};
        } else if (options.from || options.to) {
            throw std::runtime_error("give both --from and --to, or neither");
        }
        const auto report = run_to_completion<check::Report>([&](boost::asio::io_context&) {
            return check::run_checks(o, [&](const check::CheckResult& r) {
                std::cout << check::text_line(r) << "\n" << std::flush;
            });
        });
        const auto s = report.summary();
        std::cout << s.passed << " passed, " << s.failed << " failed, " << s.skipped << " skipped\n";
        const std::string target = options.node ? *options.to + " through " + *options.node : *options.versions_url;
        if (options.json) {
            write_file(*options.json, boost::json::serialize(report.to_json(target)) + "\n");
        }
        if (options.junit) {
            write_file(*options.junit, report.to_junit(target));
        }
        return s.failed == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools check: " << e.what() << "\n";
        return 2;
    }
}

}  // namespace scn::cli
