// With --active: the checker provokes behaviour. A CPO under test gets commands whose response_url the checker
// serves (OCPI 2.2 §13 Commands); an eMSP under test receives a Location, a Session and a CDR and is read back
// (OCPI 2.2 §8.2.2, §9.2.2, §10.2.2).
#include <scn/check/context.hpp>
#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/http/server.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>
#include <memory>

namespace scn::check {
namespace json = boost::json;

namespace {

constexpr const char* kCommands = "OCPI 2.2 §13.2.2 Commands receiver";

/// Serves the response_urls of the commands the checker sends and remembers what was posted there.
class CallbackServer {
public:
    CallbackServer(boost::asio::io_context& ioc, const CheckOptions& o) {
        http::Router r;
        r.add(http::Method::post, "/results/{uid}",
              [this](http::Request& req) -> boost::asio::awaitable<http::Response> {
                  results_[std::string(req.param("uid"))] = req.body;
                  co_return http::Response::json(200, R"({"status_code":1000,"timestamp":")" +
                                                          core::format_datetime(core::system_clock().now()) + "\"}");
              });
        http::ServerOptions so;
        so.address = o.callback_listen;
        so.port = o.callback_port;
        so.log_requests = false;
        server_ = std::make_unique<http::Server>(ioc, so, std::move(r));
        const auto port = server_->start();
        base_ = o.callback_url.empty() ? "http://" + o.callback_listen + ":" + std::to_string(port) : o.callback_url;
        while (!base_.empty() && base_.back() == '/') {
            base_.pop_back();
        }
    }
    ~CallbackServer() { server_->stop(); }
    CallbackServer(const CallbackServer&) = delete;
    CallbackServer& operator=(const CallbackServer&) = delete;

    [[nodiscard]] std::string url(const std::string& uid) const { return base_ + "/results/" + uid; }

    /// The body posted for `uid`, waiting for it until `wait` passed.
    boost::asio::awaitable<std::optional<std::string>> result(const std::string& uid, std::chrono::milliseconds wait) {
        const auto until = std::chrono::steady_clock::now() + wait;
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        while (!results_.contains(uid) && std::chrono::steady_clock::now() < until) {
            timer.expires_after(std::chrono::milliseconds(50));
            co_await timer.async_wait(boost::asio::use_awaitable);
        }
        const auto it = results_.find(uid);
        co_return it == results_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }

private:
    std::unique_ptr<http::Server> server_;
    std::string base_;
    std::map<std::string, std::string> results_;
};

std::string text_of(const json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* m = o != nullptr ? o->if_contains(key) : nullptr;
    return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
}

/// The command's answer: the CommandResponse `result`, or why there is none.
std::string response_result(const Exchange& x) {
    return x.ok() && x.data.is_object() ? text_of(x.data, "result") : std::string();
}

boost::asio::awaitable<Exchange> post(Context& ctx, const std::string& url, const json::value& body) {
    Request r;
    r.method = http::Method::post;
    r.url = url;
    r.body = json::serialize(body);
    co_return co_await ctx.target.send(std::move(r));
}

/// The first EVSE that is AVAILABLE, with its location and first connector.
struct Place {
    std::string location_id;
    std::string evse_uid;
    std::string connector_id;
};

std::optional<Place> available_place(Context& ctx) {
    for (const auto& l : ctx.objects["locations"]) {
        const auto* evses = l.is_object() ? l.get_object().if_contains("evses") : nullptr;
        for (const auto& e : evses != nullptr && evses->is_array() ? evses->get_array() : json::array()) {
            if (text_of(e, "status") != "AVAILABLE") {
                continue;
            }
            const auto* cons = e.get_object().if_contains("connectors");
            std::string connector;
            if (cons != nullptr && cons->is_array() && !cons->get_array().empty()) {
                connector = text_of(cons->get_array()[0], "id");
            }
            return Place{text_of(l, "id"), text_of(e, "uid"), connector};
        }
    }
    return std::nullopt;
}

// The bodies the checker sends, built outside coroutines (GCC 12 mishandles braced lists in them).

json::object checker_token(const std::string& cc, const std::string& pid, const std::string& run) {
    return {{"country_code", cc},
            {"party_id", pid},
            {"uid", "CHECK-" + run},
            {"type", "APP_USER"},
            {"contract_id", "CHECK-" + run},
            {"issuer", "scn-tools check"},
            {"valid", true},
            {"whitelist", "NEVER"},
            {"last_updated", core::format_datetime(core::system_clock().now())}};
}

json::object start_session(const std::string& response_url, const json::object& token, const Place& place,
                           const std::string& reference) {
    return {{"response_url", response_url},
            {"token", token},
            {"location_id", place.location_id},
            {"evse_uid", place.evse_uid},
            {"authorization_reference", reference}};
}

json::object stop_session(const std::string& response_url, const std::string& session_id) {
    return {{"response_url", response_url}, {"session_id", session_id}};
}

json::object unlock_connector(const std::string& response_url, const Place& place) {
    return {{"response_url", response_url},
            {"location_id", place.location_id},
            {"evse_uid", place.evse_uid},
            {"connector_id", "NO-SUCH-CONNECTOR"}};
}

std::string sessions_since(const std::string& url, core::TimePoint since) {
    return with_query(url, {{"date_from", core::format_datetime(since)}, {"limit", "100"}});
}

json::object location_json(const std::string& cc, const std::string& pid, const std::string& run,
                           const std::string& now) {
    return {{"country_code", cc},
            {"party_id", pid},
            {"id", "CHECK-" + run},
            {"publish", true},
            {"address", "Checkerstrasse 1"},
            {"city", "Zug"},
            {"country", "CHE"},
            {"coordinates", {{"latitude", "47.16600"}, {"longitude", "8.51500"}}},
            {"time_zone", "Europe/Zurich"},
            {"last_updated", now}};
}

json::object cdr_token(const std::string& cc, const std::string& pid, const std::string& run) {
    return {{"country_code", cc},
            {"party_id", pid},
            {"uid", "CHECK-" + run},
            {"type", "APP_USER"},
            {"contract_id", "CHECK-" + run}};
}

json::object session_json(const std::string& cc, const std::string& pid, const std::string& run,
                          const std::string& now) {
    return {{"country_code", cc},
            {"party_id", pid},
            {"id", "CHECK-" + run},
            {"start_date_time", now},
            {"kwh", 0},
            {"cdr_token", cdr_token(cc, pid, run)},
            {"auth_method", "COMMAND"},
            {"location_id", "CHECK-" + run},
            {"evse_uid", "CHECK-EVSE"},
            {"connector_id", "1"},
            {"currency", "CHF"},
            {"status", "ACTIVE"},
            {"last_updated", now}};
}

json::object cdr_json(const std::string& cc, const std::string& pid, const std::string& run, const std::string& now) {
    json::object dimension{{"type", "ENERGY"}, {"volume", 0.1}};
    json::object period{{"start_date_time", now}, {"dimensions", json::array{dimension}}};
    return {{"country_code", cc},
            {"party_id", pid},
            {"id", "CHECK-" + run},
            {"start_date_time", now},
            {"end_date_time", now},
            {"cdr_token", cdr_token(cc, pid, run)},
            {"auth_method", "COMMAND"},
            {"cdr_location",
             {{"id", "CHECK-" + run},
              {"address", "Checkerstrasse 1"},
              {"city", "Zug"},
              {"country", "CHE"},
              {"coordinates", {{"latitude", "47.16600"}, {"longitude", "8.51500"}}},
              {"evse_uid", "CHECK-EVSE"},
              {"evse_id", "CH*CHK*ECHECK"},
              {"connector_id", "1"},
              {"connector_standard", "IEC_62196_T2"},
              {"connector_format", "SOCKET"},
              {"connector_power_type", "AC_3_PHASE"}}},
            {"currency", "CHF"},
            {"charging_periods", json::array{period}},
            {"total_cost", {{"excl_vat", 0.5}, {"incl_vat", 0.54}}},
            {"total_energy", 0.1},
            {"total_time", 0.0},
            {"last_updated", now}};
}

boost::asio::awaitable<void> active_cpo(Context& ctx) {
    const Check m01{"M-01", "START_SESSION: accepted, result posted, session listed", kCommands};
    const Check m02{"M-02", "START_SESSION at an unknown location is refused", kCommands};
    const Check m03{"M-03", "START_SESSION with connector_id but no evse_uid is 2001", kCommands};
    const Check m05{"M-05", "STOP_SESSION of an unknown session is UNKNOWN_SESSION", kCommands};
    const Check m09{"M-09", "UNLOCK_CONNECTOR of an unknown connector is refused", kCommands};
    const Check m11{"M-11", "Unknown commands are 404, GET on a command 405", kCommands};
    const Check m12{"M-12", "Another command's body is 2001", kCommands};
    const Check stop{"M-01b", "STOP_SESSION: accepted, result posted, session completed", kCommands};
    const auto commands = ctx.target.endpoint("commands", scpi::InterfaceRole::RECEIVER);
    const auto place = available_place(ctx);
    std::vector<const Check*> all;
    for (const auto* c : {&m01, &stop, &m02, &m03, &m05, &m09, &m11, &m12}) {
        all.push_back(c);
    }
    if (!commands || !place) {
        for (const auto* c : all) {
            ctx.skip(*c, !commands ? "the party offers no commands receiver" : "no AVAILABLE EVSE was listed");
        }
        co_return;
    }
    CallbackServer callbacks(
        static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context()), ctx.options);
    const auto& routing = ctx.target.options().routing;
    const std::string cc = routing ? routing->from_country_code : "CH";
    const std::string pid = routing ? routing->from_party_id : "CHK";
    const std::string run = core::random_uuid().substr(0, 8);
    const json::object token = checker_token(cc, pid, run);
    const auto started_at = core::system_clock().now() - std::chrono::minutes(1);

    // M-01: a session started by command, its result, and the session in the sender's list.
    ctx.begin();
    const std::string reference = "CHECK-" + run;
    auto start = start_session(callbacks.url("start-" + run), token, *place, reference);
    const auto started = co_await post(ctx, *commands + "/START_SESSION", start);
    std::optional<std::string> problem;
    std::string session_id;
    if (response_result(started) != "ACCEPTED") {
        problem = "the answer: " + started.describe() + " " + json::serialize(started.data);
    } else {
        const auto timeout = started.data.get_object().if_contains("timeout");
        const auto wait =
            std::min(ctx.options.result_wait, std::chrono::milliseconds(timeout != nullptr && timeout->is_int64()
                                                                            ? timeout->get_int64() * 1000
                                                                            : ctx.options.result_wait.count()));
        if (timeout == nullptr || !timeout->is_int64() || timeout->get_int64() <= 0) {
            problem = "CommandResponse without a positive timeout";
        } else if (const auto result = co_await callbacks.result("start-" + run, wait); !result) {
            problem = "no CommandResult at the response_url within " + std::to_string(wait.count()) + " ms";
        } else {
            boost::system::error_code ec;
            const auto doc = json::parse(*result, ec);
            if (ec || text_of(doc, "result") != "ACCEPTED") {
                problem = "CommandResult " + *result;
            }
        }
    }
    const auto sessions = ctx.target.endpoint("sessions", scpi::InterfaceRole::SENDER);
    Exchange listed;
    if (!problem && sessions) {
        const auto list_url = sessions_since(*sessions, started_at);
        listed = co_await ctx.get(list_url);
        for (const auto& s : listed.data.is_array() ? listed.data.get_array() : json::array()) {
            if (text_of(s, "authorization_reference") == reference) {
                session_id = text_of(s, "id");
                if (text_of(s, "auth_method") != "COMMAND") {
                    problem = "session " + session_id + " has auth_method " + text_of(s, "auth_method");
                }
            }
        }
        if (!problem && session_id.empty()) {
            problem = "no session with authorization_reference " + reference + " in " + listed.describe();
        }
    }
    ctx.verdict(m01, session_id.empty() ? &started : &listed,
                "ACCEPTED with a timeout, CommandResult ACCEPTED at the response_url, a session with auth_method "
                "COMMAND and the authorization_reference sent",
                problem);

    ctx.begin();
    if (session_id.empty()) {
        ctx.skip(stop, "no session was started");
    } else {
        const auto body = stop_session(callbacks.url("stop-" + run), session_id);
        const auto stopped = co_await post(ctx, *commands + "/STOP_SESSION", body);
        problem.reset();
        if (response_result(stopped) != "ACCEPTED") {
            problem = "the answer: " + stopped.describe() + " " + json::serialize(stopped.data);
        } else if (const auto result = co_await callbacks.result("stop-" + run, ctx.options.result_wait); !result) {
            problem = "no CommandResult at the response_url";
        } else if (text_of(json::parse(*result), "result") != "ACCEPTED") {
            problem = "CommandResult " + *result;
        }
        ctx.verdict(stop, &stopped, "ACCEPTED and a CommandResult ACCEPTED", problem);
    }

    const auto expect_refusal = [&](const Check& c, const Exchange& x, bool status_2003_ok) {
        const bool refused = x.status_code == 2001 || (status_2003_ok && x.status_code == 2003) ||
                             (x.ok() && response_result(x) == "REJECTED");
        ctx.verdict(c, &x, status_2003_ok ? "status 2003, or REJECTED" : "status 2001",
                    refused ? std::nullopt : std::optional<std::string>(x.describe() + " " + json::serialize(x.data)));
    };
    ctx.begin();
    auto unknown = start;
    unknown["location_id"] = "NO-SUCH-LOCATION-" + run;
    unknown["response_url"] = callbacks.url("unknown-" + run);
    expect_refusal(m02, co_await post(ctx, *commands + "/START_SESSION", unknown), true);

    ctx.begin();
    auto no_evse = start;
    no_evse.erase("evse_uid");
    no_evse["connector_id"] = place->connector_id.empty() ? "1" : place->connector_id;
    no_evse["response_url"] = callbacks.url("noevse-" + run);
    const auto connector_only = co_await post(ctx, *commands + "/START_SESSION", no_evse);
    ctx.verdict(
        m03, &connector_only, "status 2001",
        connector_only.status_code == 2001 ? std::nullopt : std::optional<std::string>(connector_only.describe()));

    ctx.begin();
    const auto unknown_stop = stop_session(callbacks.url("unknownstop-" + run), "NO-SUCH-SESSION-" + run);
    const auto x05 = co_await post(ctx, *commands + "/STOP_SESSION", unknown_stop);
    ctx.verdict(m05, &x05, "CommandResponse UNKNOWN_SESSION",
                response_result(x05) == "UNKNOWN_SESSION"
                    ? std::nullopt
                    : std::optional<std::string>(x05.describe() + " " + json::serialize(x05.data)));

    ctx.begin();
    const auto unlock = unlock_connector(callbacks.url("unlock-" + run), *place);
    expect_refusal(m09, co_await post(ctx, *commands + "/UNLOCK_CONNECTOR", unlock), true);

    ctx.begin();
    const auto foo = co_await post(ctx, *commands + "/FOO", json::object{});
    const auto get = co_await ctx.get(*commands + "/START_SESSION");
    problem.reset();
    if (foo.http_status != 404 && foo.status_code != 2001) {
        problem = "POST …/FOO: " + foo.describe();
    } else if (get.http_status != 405) {
        problem = "GET …/START_SESSION: " + get.describe();
    }
    ctx.verdict(m11, problem && get.http_status == 405 ? &foo : &get, "404 (or 2001) for FOO, 405 for a GET", problem);

    ctx.begin();
    const auto wrong = co_await post(ctx, *commands + "/START_SESSION", unknown_stop);
    ctx.verdict(m12, &wrong, "status 2001",
                wrong.status_code == 2001 ? std::nullopt : std::optional<std::string>(wrong.describe()));
}

boost::asio::awaitable<void> active_emsp(Context& ctx) {
    const Check l04{"L-04", "A Location pushed is stored and read back", "OCPI 2.2 §8.2.2 Locations receiver"};
    const Check s05{"S-05", "A Session pushed is stored and read back", "OCPI 2.2 §9.2.2 Sessions receiver"};
    const Check d01{"D-01", "A CDR posted has a Location to read it back", "OCPI 2.2 §10.2.2 CDRs receiver"};
    const auto& routing = ctx.target.options().routing;
    const std::string cc = routing ? routing->from_country_code : "CH";
    const std::string pid = routing ? routing->from_party_id : "CHK";
    const std::string run = core::random_uuid().substr(0, 8);
    const std::string now = core::format_datetime(core::system_clock().now());

    const auto put_and_read = [&](const Check& c, const char* module, const std::string& id,
                                  const json::object& object) -> boost::asio::awaitable<void> {
        ctx.begin();
        const auto url = ctx.target.endpoint(module, scpi::InterfaceRole::RECEIVER);
        if (!url) {
            ctx.skip(c, std::string("the party offers no ") + module + " receiver interface");
            co_return;
        }
        const auto at = *url + "/" + cc + "/" + pid + "/" + id;
        Request put;
        put.method = http::Method::put;
        put.url = at;
        put.body = json::serialize(object);
        const auto stored = co_await ctx.target.send(std::move(put));
        std::optional<std::string> problem = not_ok(stored);
        Exchange back;
        if (!problem) {
            back = co_await ctx.get(at);
            problem = not_ok(back);
            if (!problem && text_of(back.data, "id") != id) {
                problem = "read back: " + json::serialize(back.data).substr(0, 200);
            }
        }
        ctx.verdict(c, problem && !stored.ok() ? &stored : &back, "1000 for the PUT, then the same object", problem);
    };

    const auto location = location_json(cc, pid, run, now);
    co_await put_and_read(l04, "locations", "CHECK-" + run, location);

    const auto session = session_json(cc, pid, run, now);
    co_await put_and_read(s05, "sessions", "CHECK-" + run, session);

    ctx.begin();
    const auto cdrs = ctx.target.endpoint("cdrs", scpi::InterfaceRole::RECEIVER);
    if (!cdrs) {
        ctx.skip(d01, "the party offers no cdrs receiver interface");
        co_return;
    }
    const auto cdr = cdr_json(cc, pid, run, now);
    const auto posted = co_await post(ctx, *cdrs, cdr);
    std::optional<std::string> problem = not_ok(posted);
    const auto location_header = posted.headers.get("Location");
    Exchange back;
    if (!problem &&
        (!location_header || !(location_header->starts_with("http://") || location_header->starts_with("https://")))) {
        problem = "no absolute Location header: " + std::string(location_header.value_or("(none)"));
    }
    if (!problem) {
        back = co_await ctx.get(std::string(*location_header));
        problem = not_ok(back);
        if (!problem && text_of(back.data, "id") != "CHECK-" + run) {
            problem = "read back: " + json::serialize(back.data).substr(0, 200);
        }
    }
    ctx.verdict(d01, problem && !posted.ok() ? &posted : &back, "1000 with an absolute Location that serves the CDR",
                problem);
}

}  // namespace

boost::asio::awaitable<void> check_active(Context& ctx) {
    if (ctx.cpo()) {
        co_await active_cpo(ctx);
    } else {
        co_await active_emsp(ctx);
    }
}

}  // namespace scn::check
