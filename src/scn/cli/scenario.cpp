// `scn-tools scenario list|run`: scripted journeys against the running sandbox. A scenario is a JSON file of steps:
// control API calls, SCPI requests sent as a party through the node, waits for what a party received, virtual time,
// each with expectations; uids come from a seeded generator, so a run is reproducible.
#include <scn/cli/common.hpp>
#include <scn/cli/options.hpp>
#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/http/client.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

namespace scn::cli {
namespace {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

/// A step that did not go as expected.
struct StepFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error(file.string() + ": cannot read");
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The member at a dotted path ("body.data.result", "body.charging_periods.0.start_date_time"); null when absent.
const json::value* at_path(const json::value& root, std::string_view path) {
    const json::value* v = &root;
    std::size_t pos = 0;
    while (v != nullptr && pos <= path.size()) {
        const auto dot = path.find('.', pos);
        const auto key = path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (const auto* o = v->if_object()) {
            v = o->if_contains(key);
        } else if (const auto* a = v->if_array()) {
            std::size_t i = 0;
            const auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
            v = ec == std::errc() && p == key.data() + key.size() && i < a->size() ? &(*a)[i] : nullptr;
        } else {
            v = nullptr;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        pos = dot + 1;
    }
    return v;
}

std::string text_of(const json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

class Runner {
public:
    Runner(json::object ready, const config::Config& cfg, std::uint64_t seed) : ready_(std::move(ready)), rng_(seed) {
        for (const auto* party : {"cpo", "msp"}) {
            const auto& roles = std::string_view(party) == "cpo" ? cfg.cpo.roles : cfg.msp.roles;
            if (roles.empty()) {
                throw std::runtime_error(std::string("the configuration has no ") + party + " role");
            }
            ids_[party] = {roles.front().country_code, roles.front().party_id};
        }
        std::array<char, 9> run{};
        std::snprintf(run.data(), run.size(), "%08x", static_cast<unsigned>(rng_() & 0xffffffffU));
        vars_["run"] = run.data();
        for (const auto* key : {"node_url", "cpo_url", "msp_url"}) {
            vars_[key] = ready_string(key);
        }
        for (const auto* party : {"cpo", "msp"}) {
            since_[party] = last_seq(party);  // what came before the run is not looked at
        }
    }

    /// Runs the steps in order, printing one line each; stops at the first that fails. Returns whether all passed.
    bool run(const json::array& steps) {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const auto* step = steps[i].if_object();
            if (step == nullptr) {
                std::cout << "FAIL  " << i + 1 << "  not a step (expected an object)\n";
                return false;
            }
            const auto name = step->contains("name") ? text_of(step->at("name")) : "step " + std::to_string(i + 1);
            const auto started = Clock::now();
            try {
                run_step(*step);
            } catch (const std::exception& e) {
                std::cout << "FAIL  " << i + 1 << "  " << name << ": " << e.what() << "\n";
                return false;
            }
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
            std::cout << "PASS  " << i + 1 << "  " << name << " (" << ms << " ms)\n";
        }
        return true;
    }

private:
    std::string ready_string(const std::string& key) const {
        const auto* v = ready_.if_contains(key);
        if (v == nullptr || !v->is_string()) {
            throw std::runtime_error("the sandbox's ready.json has no " + key +
                                     " (is the sandbox running with its control APIs on?)");
        }
        return std::string(v->get_string());
    }

    std::string control_url(const std::string& party) const { return ready_string(party + "_control_url"); }

    static std::string party_of(const json::object& step, std::string_view key) {
        const auto party = text_of(step.at(key));
        if (party != "cpo" && party != "msp") {
            throw std::invalid_argument(std::string(key) + ": expected \"cpo\" or \"msp\", not " + party);
        }
        return party;
    }

    /// ${name} from the variables, ${uid} a fresh seeded uid, ${clock} / ${clock+N} the parties' clock (+N s).
    std::string substitute(std::string_view text) {
        std::string out;
        std::size_t pos = 0;
        while (pos < text.size()) {
            const auto open = text.find("${", pos);
            if (open == std::string_view::npos) {
                out.append(text.substr(pos));
                break;
            }
            const auto close = text.find('}', open);
            if (close == std::string_view::npos) {
                throw std::invalid_argument("unclosed ${ in \"" + std::string(text) + "\"");
            }
            out.append(text.substr(pos, open - pos));
            const std::string name(text.substr(open + 2, close - open - 2));
            if (name == "uid") {
                std::array<char, 40> uid{};
                std::snprintf(uid.data(), uid.size(), "%s-%06u", vars_["run"].c_str(),
                              static_cast<unsigned>(rng_() % 1'000'000));
                out += uid.data();
            } else if (name.starts_with("clock")) {
                const auto now = control(http::Method::get, "cpo", "/control/clock", nullptr);
                auto t = core::parse_datetime(text_of(*at_path(now, "body.now")));
                long long offset = 0;
                if (name.size() > 5) {
                    offset = std::stoll(name.substr(5));
                }
                out += core::format_datetime(*t + std::chrono::seconds(offset));
            } else if (const auto it = vars_.find(name); it != vars_.end()) {
                out += it->second;
            } else {
                throw std::invalid_argument("unknown variable ${" + name + "}");
            }
            pos = close + 1;
        }
        return out;
    }
    json::value substitute(const json::value& v) {
        if (v.is_string()) {
            return json::value(substitute(std::string_view(v.get_string())));
        }
        if (const auto* o = v.if_object()) {
            json::object out;
            for (const auto& [k, x] : *o) {
                out[k] = substitute(x);
            }
            return out;
        }
        if (const auto* a = v.if_array()) {
            json::array out;
            for (const auto& x : *a) {
                out.push_back(substitute(x));
            }
            return out;
        }
        return v;
    }

    /// Whether `actual` is what `expected` says: equal, or {"approx": x, "within": d}, {"one_of": [...]},
    /// {"contains": "text"}, {"min_length": n}, {"exists": bool}.
    static bool matches(const json::value* actual, const json::value& expected, std::string& why) {
        if (const auto* o = expected.if_object(); o != nullptr && o->size() <= 2 && !o->empty()) {
            if (o->contains("approx")) {
                const double want = o->at("approx").to_number<double>();
                const double within = o->contains("within") ? o->at("within").to_number<double>() : 1e-9;
                if (actual == nullptr || !actual->is_number() ||
                    std::abs(actual->to_number<double>() - want) > within) {
                    why = "about " + json::serialize(o->at("approx"));
                    return false;
                }
                return true;
            }
            if (const auto* list = o->if_contains("one_of"); list != nullptr && list->is_array()) {
                why = "one of " + json::serialize(*list);
                return actual != nullptr &&
                       std::find(list->as_array().begin(), list->as_array().end(), *actual) != list->as_array().end();
            }
            if (const auto* part = o->if_contains("contains")) {
                why = "text containing " + json::serialize(*part);
                return actual != nullptr && actual->is_string() &&
                       std::string_view(actual->get_string()).find(text_of(*part)) != std::string_view::npos;
            }
            if (const auto* n = o->if_contains("min_length")) {
                why = "a list of at least " + json::serialize(*n);
                return actual != nullptr && actual->is_array() &&
                       actual->as_array().size() >= n->to_number<std::size_t>();
            }
            if (const auto* e = o->if_contains("exists")) {
                why = e->as_bool() ? "present" : "absent";
                return (actual != nullptr) == e->as_bool();
            }
        }
        why = json::serialize(expected);
        if (actual != nullptr && actual->is_number() && expected.is_number()) {
            return std::abs(actual->to_number<double>() - expected.to_number<double>()) < 1e-9;
        }
        return actual != nullptr && *actual == expected;
    }

    /// Checks every path of `expect` in `answer`; throws StepFailed naming the first that differs.
    void check(const json::value& answer, const json::object& expect) {
        for (const auto& [path, want] : expect) {
            const auto expected = substitute(want);
            const auto* actual = at_path(answer, path);
            std::string why;
            if (!matches(actual, expected, why)) {
                throw StepFailed("expected " + std::string(path) + " = " + why + ", got " +
                                 (actual != nullptr ? json::serialize(*actual) : std::string("nothing")));
            }
        }
    }
    bool satisfies(const json::value& answer, const json::object& expect) {
        try {
            check(answer, expect);
            return true;
        } catch (const StepFailed&) {
            return false;
        }
    }

    void save(const json::value& answer, const json::object& step) {
        if (const auto* s = step.if_contains("save"); s != nullptr && s->is_object()) {
            for (const auto& [name, path] : s->as_object()) {
                const auto* v = at_path(answer, text_of(path));
                if (v == nullptr) {
                    throw StepFailed("nothing at " + text_of(path) + " to save as " + std::string(name));
                }
                vars_[name] = text_of(*v);
            }
        }
    }

    /// {"status": <HTTP status>, "body": <the body, parsed when JSON>}
    static json::value exchange(http::ClientRequest req) {
        req.timeout = std::chrono::seconds(60);
        const auto res = http::send_blocking(std::move(req));
        boost::system::error_code ec;
        auto body = res.body.empty() ? json::value() : json::parse(res.body, ec);
        return json::object{{"status", res.status}, {"body", ec ? json::value(res.body) : std::move(body)}};
    }
    json::value control(http::Method m, const std::string& party, const std::string& path, const json::value* body) {
        http::ClientRequest req{m, control_url(party) + path, {}, body != nullptr ? json::serialize(*body) : ""};
        return exchange(std::move(req));
    }
    std::uint64_t last_seq(const std::string& party) {
        // Nothing is that new: the answer lists no request, only the newest sequence number.
        const auto r = control(http::Method::get, party, "/control/received?since=18446744073709551615", nullptr);
        const auto* seq = at_path(r, "body.last_seq");
        return seq != nullptr && seq->is_number() ? seq->to_number<std::uint64_t>() : 0;
    }
    /// What `party` received since the run began, matching the step's module and method.
    json::array received(const std::string& party, const json::object& step) {
        std::string path = "/control/received?since=" + std::to_string(since_[party]);
        if (const auto* module = step.if_contains("module")) {
            path += "&module=" + text_of(*module);
        }
        const auto r = control(http::Method::get, party, path, nullptr);
        json::array out;
        const auto* list = at_path(r, "body.requests");
        if (list == nullptr || !list->is_array()) {
            throw StepFailed("the " + party + "'s control API did not list what it received: " + json::serialize(r));
        }
        const auto method = step.contains("method") ? text_of(step.at("method")) : "";
        for (const auto& req : list->as_array()) {
            if (method.empty() || text_of(req.at("method")) == method) {
                out.push_back(req);
            }
        }
        return out;
    }

    void run_step(const json::object& step) {
        const auto expect = [&]() -> json::object {
            const auto* e = step.if_contains("expect");
            return e != nullptr && e->is_object() ? e->as_object() : json::object();
        }();
        if (step.contains("control")) {
            const auto party = party_of(step, "control");
            const auto method = http::method_from_string(text_of(step.at("method")));
            const auto body = step.contains("body") ? substitute(step.at("body")) : json::value();
            const auto answer =
                control(method, party, substitute(text_of(step.at("path"))), step.contains("body") ? &body : nullptr);
            const auto status = at_path(answer, "status")->to_number<unsigned>();
            if (!expect.contains("status") && (status < 200 || status >= 300)) {
                throw StepFailed("HTTP " + std::to_string(status) + ": " + json::serialize(answer.at("body")));
            }
            check(answer, expect);
            save(answer, step);
        } else if (step.contains("scpi")) {
            const auto party = party_of(step, "scpi");
            const auto other = party == "cpo" ? std::string("msp") : std::string("cpo");
            auto to = ids_[other];
            if (const auto* t = step.if_contains("to")) {
                const auto text = text_of(*t);
                to = {text.substr(0, 2), text.size() > 3 ? text.substr(3) : ""};
            }
            http::ClientRequest req;
            req.method = http::method_from_string(text_of(step.at("method")));
            req.url = vars_["node_url"] + "/scpi/" + substitute(text_of(step.at("path")));
            req.headers.add("Authorization", "Token " + ready_string(party + "_token"));
            req.headers.add("X-Request-ID", core::random_uuid());
            req.headers.add("X-Correlation-ID", core::random_uuid());
            req.headers.add("SCPI-From-Country-Code", ids_[party].first);
            req.headers.add("SCPI-From-Party-Id", ids_[party].second);
            req.headers.add("SCPI-To-Country-Code", to.first);
            req.headers.add("SCPI-To-Party-Id", to.second);
            if (step.contains("body")) {
                req.headers.add("Content-Type", "application/json");
                req.body = json::serialize(substitute(step.at("body")));
            }
            const auto answer = exchange(std::move(req));
            auto expected = expect;
            if (expected.empty()) {
                expected["body.status_code"] = 1000;
            }
            check(answer, expected);
            save(answer, step);
        } else if (step.contains("wait") || step.contains("none")) {
            const bool none = step.contains("none");
            const auto party = party_of(step, none ? "none" : "wait");
            const auto match = step.contains("match") ? step.at("match").as_object() : json::object();
            const auto key = none ? "for_ms" : "timeout_ms";
            const auto ms = step.contains(key) ? step.at(key).to_number<std::int64_t>() : (none ? 1500 : 10'000);
            const auto until = Clock::now() + std::chrono::milliseconds(std::clamp<std::int64_t>(ms, 0, 600'000));
            for (;;) {
                for (const auto& r : received(party, step)) {
                    if (satisfies(r, match)) {
                        if (none) {
                            throw StepFailed("the " + party + " received " + text_of(r.at("method")) + " " +
                                             text_of(r.at("path")) + ", which it should not have");
                        }
                        save(r, step);
                        return;
                    }
                }
                if (Clock::now() >= until) {
                    if (none) {
                        return;
                    }
                    throw StepFailed("the " + party + " received nothing like " + json::serialize(substitute(match)) +
                                     " within " + std::to_string(ms) + " ms");
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        } else if (step.contains("advance")) {
            const json::value body = json::object{{"seconds", step.at("advance")}};
            const auto answer = control(http::Method::post, "cpo", "/control/clock/advance", &body);
            if (at_path(answer, "status")->to_number<unsigned>() != 200) {
                throw StepFailed("the clock did not move: " + json::serialize(answer));
            }
        } else if (step.contains("sleep_ms")) {
            std::this_thread::sleep_for(std::chrono::milliseconds(
                std::clamp<std::int64_t>(step.at("sleep_ms").to_number<std::int64_t>(), 0, 600'000)));
        } else {
            throw std::invalid_argument("a step needs one of control, scpi, wait, none, advance, sleep_ms");
        }
    }

    json::object ready_;
    std::mt19937_64 rng_;
    std::map<std::string, std::string> vars_;
    std::map<std::string, std::pair<std::string, std::string>> ids_;  ///< party → (country code, party id)
    std::map<std::string, std::uint64_t> since_;
};

std::filesystem::path scenarios_dir() {
    return resolve_data_dir("data/scenarios");
}

}  // namespace

int run_scenario(const GlobalOptions& global, const ScenarioOptions& o) {
    auto sink = core::default_sink();
    const core::Logger log("", sink);
    try {
        if (o.action == "list") {
            for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir())) {
                if (entry.path().extension() == ".json") {
                    const auto doc = json::parse(read_text(entry.path()));
                    std::cout << entry.path().stem().string() << "  "
                              << (doc.as_object().contains("description") ? text_of(doc.at("description")) : "")
                              << "\n";
                }
            }
            return 0;
        }
        if (o.scenario.empty()) {
            throw std::runtime_error("name a scenario (scn-tools scenario list) or a scenario file");
        }
        std::filesystem::path file = o.scenario;
        if (!std::filesystem::exists(file)) {
            file = scenarios_dir() / (o.scenario + ".json");
            if (!std::filesystem::exists(file)) {
                throw std::runtime_error("no scenario file " + o.scenario +
                                         " and no built-in scenario of that name "
                                         "(scn-tools scenario list shows them)");
            }
        }
        boost::system::error_code ec;
        const auto doc = json::parse(read_text(file), ec);
        if (ec || !doc.is_object() || !doc.as_object().contains("steps") || !doc.at("steps").is_array()) {
            throw std::runtime_error(file.string() + ": expected a JSON object with a \"steps\" array");
        }
        const auto ready_file = o.dir / "ready.json";
        if (!std::filesystem::exists(ready_file)) {
            throw std::runtime_error(ready_file.string() + " not found: start the sandbox first (scn-tools sandbox" +
                                     (o.dir == "sandbox" ? "" : " --dir " + o.dir.string()) + ")");
        }
        const auto ready = json::parse(read_text(ready_file));
        std::uint64_t seed = 1;
        if (o.seed) {
            seed = *o.seed;
        } else if (const auto* s = doc.as_object().if_contains("seed"); s != nullptr && s->is_number()) {
            seed = s->to_number<std::uint64_t>();
        }
        const auto cfg = load_config(global, log);
        std::cout << "scenario " << file.stem().string() << " (seed " << seed << ")\n";
        Runner runner(ready.as_object(), cfg, seed);
        const auto& steps = doc.at("steps").as_array();
        const bool ok = runner.run(steps);
        std::cout << (ok ? "passed" : "FAILED") << "\n";
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        sink->flush();
        std::cerr << "scn-tools scenario: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
