// `scn-tools check` against real parties on 127.0.0.1: the mock CPO and MSP pass; a proxy in front of the mock CPO
// plants one defect at a time and exactly that defect's check fails; parties that cannot be talked to give a clear
// failed check within the time budget.
#include <scn/check/checker.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <unistd.h>
#include <vector>

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// A mock party on a free port with the shipped data.
struct Party {
    test::IoThread io;
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::PartyServer> server;

    /// `with_peer`: a bilateral peer is configured, so command results are posted (to their response_url).
    explicit Party(bool cpo, bool with_peer = false)
        : dir(std::filesystem::temp_directory_path() /
              ("scn-check-" + std::to_string(::getpid()) + (cpo ? "-cpo" : "-msp"))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store = std::make_unique<party::PartyStore>(dir / "party.db", core::system_clock());
        io.run([&] {
            auto c = cpo ? config::defaults().cpo : config::defaults().msp;
            c.port = 0;
            c.public_url.clear();
            c.warm_data = false;
            c.strict = true;  // P-07: sessions need date_from
            c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / (cpo ? "data/cpo" : "data/msp");

            const core::Logger log(cpo ? "cpo" : "msp", std::make_shared<core::CaptureSink>());
            if (cpo) {
                auto p = std::make_unique<party::Cpo>(io.ioc(), c, *store, log);
                p->start_all();
                if (with_peer) {
                    p->set_peer(party::Peer{"token-of-the-peer", "http://127.0.0.1:9/scpi/versions"});
                }
                server = std::move(p);
            } else {
                auto p = std::make_unique<party::Msp>(io.ioc(), c, *store, log);
                p->start_all();
                server = std::move(p);
            }
            return 0;
        });
    }
    ~Party() {
        io.run([&] {
            server->stop();
            return 0;
        });
        io.stop();
    }
    [[nodiscard]] std::string versions_url() const { return server->public_url() + "/scpi/versions"; }
};

check::Report run(test::IoThread& io, check::CheckOptions o) {
    return io.await(check::run_checks(std::move(o)), 60s);
}

check::CheckOptions direct(const std::string& versions_url, const std::string& token, check::Role role) {
    check::CheckOptions o;
    o.role = role;
    o.target.versions_url = versions_url;
    o.target.token = token;
    o.target.routing = role == check::Role::cpo ? scpi::RoutingHeaders{"CH", "CHK", "CH", "CPO"}
                                                : scpi::RoutingHeaders{"CH", "CHK", "CH", "MSP"};
    return o;
}

std::set<std::string> failed(const check::Report& r) {
    std::set<std::string> ids;
    for (const auto& c : r.results()) {
        if (c.status == check::Status::failed) {
            ids.insert(c.id);
        }
    }
    return ids;
}

std::string failures(const check::Report& r) {
    std::string out;
    for (const auto& c : r.results()) {
        if (c.status == check::Status::failed) {
            out += check::text_line(c) + "\n";
        }
    }
    return out;
}

/// What the proxy breaks in the mock CPO's answers.
enum class Defect {
    none,
    missing_timestamp,       ///< envelopes without `timestamp`
    offset_timestamp,        ///< envelopes with a DateTime that carries an offset
    no_pagination_headers,   ///< lists without X-Total-Count and X-Limit
    missing_required_field,  ///< locations in lists without `coordinates`
    wrong_token_accepted,    ///< any `Token …` is let through
    result_never_sent,       ///< commands reach the party with a response_url that leads nowhere
};

/// Sits in front of a party, rewrites its URLs to its own, and plants one defect in what it relays.
struct DefectProxy {
    Defect defect = Defect::none;
    std::string upstream;    ///< the party's base URL
    std::string good_token;  ///< what a wrong token is replaced with
    std::string base;
    std::unique_ptr<http::Server> server;
    std::unique_ptr<http::Client> client;

    static std::string replace_all(std::string s, const std::string& from, const std::string& to) {
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
            s.replace(at, from.size(), to);
        }
        return s;
    }

    boost::asio::awaitable<http::Response> relay(http::Request& req) {
        if (req.path == "/sink") {  // where results of the result_never_sent defect end
            co_return http::Response::json(200, R"({"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"})");
        }
        http::ClientRequest out{req.method, upstream + req.target, {}, req.body};
        if (defect == Defect::result_never_sent && req.path.find("/commands/") != std::string::npos) {
            boost::system::error_code ec;
            auto command = json::parse(req.body, ec);
            if (!ec && command.is_object() && command.as_object().contains("response_url")) {
                command.as_object()["response_url"] = base + "/sink";
                out.body = json::serialize(command);
            }
        }
        for (const auto& [name, value] : req.headers) {
            std::string v(value);
            if (name == "Host" || name == "Content-Length" || name == "Connection") {
                continue;
            }
            if (defect == Defect::wrong_token_accepted && name == "Authorization" && v.starts_with("Token ")) {
                v = "Token " + good_token;
            }
            out.headers.add(name, v);
        }
        const auto res = co_await client->send(std::move(out));
        http::Response answer = http::Response::json(res.status, replace_all(res.body, upstream, base));
        for (const auto& [name, value] : res.headers) {
            if (name == "Content-Length" || name == "Connection" || name == "Content-Type") {
                continue;
            }
            answer.headers.add(name, replace_all(std::string(value), upstream, base));
        }
        if (defect == Defect::no_pagination_headers) {
            answer.headers.remove("X-Total-Count");
            answer.headers.remove("X-Limit");
        }
        boost::system::error_code ec;
        auto doc = json::parse(answer.body, ec);
        if (ec || !doc.is_object()) {
            co_return answer;
        }
        auto& envelope = doc.as_object();
        if (defect == Defect::missing_timestamp) {
            envelope.erase("timestamp");
        } else if (defect == Defect::offset_timestamp) {
            envelope["timestamp"] = "2024-01-01T10:00:00+02:00";
        } else if (defect == Defect::missing_required_field && req.path.ends_with("/locations") &&
                   envelope.contains("data") && envelope.at("data").is_array()) {
            for (auto& l : envelope.at("data").as_array()) {
                l.as_object().erase("coordinates");
            }
        }
        answer.body = json::serialize(doc);
        co_return answer;
    }

    void start(test::IoThread& io) {
        io.run([&] {
            http::Router r;
            for (const auto m :
                 {http::Method::get, http::Method::post, http::Method::put, http::Method::patch, http::Method::del}) {
                r.add(m, "/{rest...}", [this](http::Request& req) { return relay(req); });
            }
            server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
            base = "http://127.0.0.1:" + std::to_string(server->start());
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    void stop(test::IoThread& io) {
        io.run([&] {
            server->stop();
            return 0;
        });
    }
};

}  // namespace

TEST(Check, TheMockCpoPassesEveryApplicableCheck) {
    Party cpo(true);
    const auto report = run(cpo.io, direct(cpo.versions_url(), cpo.server->offline_token(), check::Role::cpo));
    EXPECT_TRUE(failed(report).empty()) << failures(report);
    EXPECT_GE(report.summary().passed, 40u);
    for (const char* id : {"V-01", "V-02", "G-01", "G-07", "P-02", "P-07", "L-01", "L-02", "L-03", "T-05"}) {
        ASSERT_NE(report.find(id), nullptr) << id;
        EXPECT_EQ(report.find(id)->status, check::Status::passed) << id;
    }
}

TEST(Check, TheMockMspPassesEveryApplicableCheck) {
    Party msp(false);
    const auto report = run(msp.io, direct(msp.versions_url(), msp.server->offline_token(), check::Role::emsp));
    EXPECT_TRUE(failed(report).empty()) << failures(report);
    for (const char* id : {"V-03", "P-01", "P-02", "K-06", "K-08", "G-04"}) {
        ASSERT_NE(report.find(id), nullptr) << id;
        EXPECT_EQ(report.find(id)->status, check::Status::passed) << id;
    }
}

TEST(Check, EachPlantedDefectFailsExactlyItsCheck) {
    Party cpo(true);
    DefectProxy proxy;
    proxy.upstream = cpo.server->public_url();
    proxy.good_token = cpo.server->offline_token();
    proxy.start(cpo.io);
    const std::vector<std::pair<Defect, std::set<std::string>>> cases{
        {Defect::none, {}},
        {Defect::missing_timestamp, {"G-01"}},
        {Defect::offset_timestamp, {"G-01"}},
        {Defect::no_pagination_headers, {"P-01"}},
        {Defect::missing_required_field, {"L-01"}},
        {Defect::wrong_token_accepted, {"G-07"}},
    };
    for (const auto& [defect, expected] : cases) {
        cpo.io.run([&, d = defect] {
            proxy.defect = d;
            return 0;
        });
        const auto report =
            run(cpo.io, direct(proxy.base + "/scpi/versions", "token-the-proxy-may-replace", check::Role::cpo));
        // Without the wrong-token defect the proxy passes the token on: give the party's own.
        const auto checked =
            defect == Defect::wrong_token_accepted
                ? report
                : run(cpo.io, direct(proxy.base + "/scpi/versions", proxy.good_token, check::Role::cpo));
        EXPECT_EQ(failed(checked), expected) << "defect " << static_cast<int>(defect) << ":\n" << failures(checked);
    }
    proxy.stop(cpo.io);
}

TEST(Check, PartiesThatCannotBeTalkedToFailClearlyWithinTheBudget) {
    test::IoThread io;
    // A port nobody listens on.
    std::uint16_t closed = 0;
    {
        boost::asio::ip::tcp::acceptor a(io.ioc(), {boost::asio::ip::make_address("127.0.0.1"), 0});
        closed = a.local_endpoint().port();
    }
    http::Router r;
    r.add(http::Method::get, "/html", [](http::Request&) -> boost::asio::awaitable<http::Response> {
        auto res = http::Response::text(200, "<html><body>Welcome</body></html>");
        res.headers.set("Content-Type", "text/html");
        co_return res;
    });
    r.add(http::Method::get, "/huge", [](http::Request&) -> boost::asio::awaitable<http::Response> {
        co_return http::Response::json(200, std::string(30 * 1024 * 1024, ' ') + "{}");
    });
    r.add(http::Method::get, "/silent", [](http::Request&) -> boost::asio::awaitable<http::Response> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 20s);
        co_await t.async_wait(boost::asio::use_awaitable);
        co_return http::Response::text(200, "late");
    });
    std::unique_ptr<http::Server> server;
    const auto port = io.run([&] {
        server = std::make_unique<http::Server>(io.ioc(), http::ServerOptions{}, std::move(r));
        return server->start();
    });
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    struct Case {
        std::string url;
        std::string reason;
        std::set<std::string> failed;
    };
    const std::vector<Case> cases{
        {"http://127.0.0.1:" + std::to_string(closed) + "/scpi/versions", "refused", {"V-01"}},
        // A 200 that is no envelope also fails the envelope and content-type checks.
        {base + "/html", "not a JSON object: <html>", {"V-01", "G-01", "G-02"}},
        {base + "/huge", "larger than", {"V-01"}},
        {base + "/silent", "no complete answer within", {"V-01"}},
    };
    for (const auto& [url, reason, expected] : cases) {
        auto o = direct(url, "t", check::Role::cpo);
        o.target.call_timeout = 500ms;
        o.budget = 5s;
        const auto started = std::chrono::steady_clock::now();
        const auto report = run(io, o);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << url;
        ASSERT_NE(report.find("V-01"), nullptr) << url;
        EXPECT_EQ(report.find("V-01")->status, check::Status::failed) << url;
        EXPECT_NE(report.find("V-01")->actual.find(reason), std::string::npos) << report.find("V-01")->actual;
        EXPECT_EQ(failed(report), expected) << failures(report);
    }
    io.run([&] {
        server->stop();
        return 0;
    });
    io.stop();
}

TEST(Check, ActiveChecksPassAgainstTheMockCpo) {
    Party cpo(true, /*with_peer=*/true);
    auto o = direct(cpo.versions_url(), cpo.server->offline_token(), check::Role::cpo);
    o.active = true;
    o.result_wait = 10s;
    const auto report = run(cpo.io, o);
    EXPECT_TRUE(failed(report).empty()) << failures(report);
    for (const char* id : {"M-01", "M-01b", "M-02", "M-03", "M-05", "M-09", "M-11", "M-12"}) {
        ASSERT_NE(report.find(id), nullptr) << id;
        EXPECT_EQ(report.find(id)->status, check::Status::passed) << id;
    }
}

TEST(Check, ACommandResultNeverSentFailsM01) {
    Party cpo(true, /*with_peer=*/true);
    DefectProxy proxy;
    proxy.defect = Defect::result_never_sent;
    proxy.upstream = cpo.server->public_url();
    proxy.good_token = cpo.server->offline_token();
    proxy.start(cpo.io);
    auto o = direct(proxy.base + "/scpi/versions", proxy.good_token, check::Role::cpo);
    o.active = true;
    o.result_wait = 1500ms;
    const auto report = run(cpo.io, o);
    EXPECT_EQ(failed(report), std::set<std::string>{"M-01"}) << failures(report);
    EXPECT_NE(report.find("M-01")->actual.find("no CommandResult at the response_url"), std::string::npos);
    EXPECT_EQ(report.find("M-01b")->status, check::Status::skipped);
    proxy.stop(cpo.io);
}

TEST(Check, ActiveChecksPassAgainstTheMockMsp) {
    Party msp(false);
    auto o = direct(msp.versions_url(), msp.server->offline_token(), check::Role::emsp);
    o.target.routing = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};  // pushes come from a CPO
    o.active = true;
    const auto report = run(msp.io, o);
    EXPECT_TRUE(failed(report).empty()) << failures(report);
    for (const char* id : {"L-04", "S-05", "D-01"}) {
        ASSERT_NE(report.find(id), nullptr) << id;
        EXPECT_EQ(report.find(id)->status, check::Status::passed) << id;
    }
}

// The checker's verdict on the mock parties, one test per check id of OCPI 2.2 conformance (SCPI §6) that the checker
// runs against a party: each names its id, so the list of tests is the coverage map. The checker's own correctness
// is shown above (each planted defect fails exactly its check).
namespace {

struct MockCheck {
    bool cpo = true;
    std::string id;
};
void PrintTo(const MockCheck& c, std::ostream* os) {
    *os << (c.cpo ? "CPO " : "MSP ") << c.id;
}

const check::Report& report_for(bool cpo) {
    static std::map<bool, check::Report> reports;
    if (const auto it = reports.find(cpo); it != reports.end()) {
        return it->second;
    }
    Party party(cpo, /*with_peer=*/cpo);
    auto o = direct(party.versions_url(), party.server->offline_token(), cpo ? check::Role::cpo : check::Role::emsp);
    if (!cpo) {
        o.target.routing = scpi::RoutingHeaders{"CH", "CPO", "CH", "MSP"};  // pushes come from a CPO
    }
    o.active = true;
    o.result_wait = 10s;
    return reports.emplace(cpo, run(party.io, o)).first->second;
}

class MockParty : public ::testing::TestWithParam<MockCheck> {};

TEST_P(MockParty, PassesTheCheck) {
    const auto& report = report_for(GetParam().cpo);
    const auto* result = report.find(GetParam().id);
    ASSERT_NE(result, nullptr) << GetParam().id << " was not run";
    EXPECT_EQ(result->status, check::Status::passed) << check::text_line(*result);
}

std::vector<MockCheck> checks(bool cpo, std::initializer_list<const char*> ids) {
    std::vector<MockCheck> out;
    for (const char* id : ids) {
        out.push_back({cpo, id});
    }
    return out;
}

std::string check_name(const ::testing::TestParamInfo<MockCheck>& info) {
    std::string name = info.param.id;
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
    return name;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Cpo, MockParty,
                         ::testing::ValuesIn(checks(true, {"V-01", "V-02", "V-03", "V-04", "V-05", "G-01", "G-02",
                                                           "G-03", "G-04", "G-06", "G-07", "G-08", "G-15", "G-16",
                                                           "P-01", "P-02", "P-03", "P-04", "P-05", "P-06", "P-07",
                                                           "P-08", "L-01", "L-02", "L-03", "S-01", "T-05", "D-08",
                                                           "M-01", "M-02", "M-03", "M-05", "M-09", "M-11", "M-12"})),
                         check_name);
INSTANTIATE_TEST_SUITE_P(Msp, MockParty,
                         ::testing::ValuesIn(checks(false, {"V-01", "V-02", "V-03", "V-04", "V-05", "G-01", "G-02",
                                                            "G-03", "G-04", "G-06", "G-07", "G-08", "G-15", "G-16",
                                                            "P-01", "P-02", "P-03", "P-05", "P-06", "P-08", "K-06",
                                                            "K-08", "L-04", "S-05", "D-01"})),
                         check_name);
