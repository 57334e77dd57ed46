// Pagination and object checks of the functional modules (OCPI 2.2 §4 pagination, §8 Locations, §9 Sessions,
// §10 CDRs, §11 Tariffs, §12 Tokens).
#include <scn/check/context.hpp>
#include <scn/core/datetime.hpp>
#include <scn/scpi/model.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <set>

namespace scn::check {
namespace json = boost::json;

namespace {

using Query = std::vector<std::pair<std::string, std::string>>;
constexpr const char* kPagination = "OCPI 2.2 §4.1.3 Pagination";
constexpr const char* kEpoch = "2000-01-01T00:00:00Z";

std::string text(const json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : std::string();
}

/// What identifies an object of a module in a list: owner and id (uid and type for tokens).
std::string object_key(const json::value& v) {
    const auto* o = v.if_object();
    if (o == nullptr) {
        return json::serialize(v);
    }
    const auto member = [&](const char* name) {
        const auto* m = o->if_contains(name);
        return m != nullptr ? text(*m) : std::string();
    };
    return member("country_code") + "/" + member("party_id") + "/" + member("id") + member("uid") + "/" +
           member("type");
}

std::optional<std::string> next_link(const Exchange& x) {
    const auto link = x.headers.get("Link");
    if (!link) {
        return std::nullopt;
    }
    const std::string_view l = *link;
    const auto rel = l.find("rel=\"next\"");
    const auto open = l.rfind('<', rel);
    const auto close = l.find('>', open);
    if (rel == std::string_view::npos || open == std::string_view::npos || close == std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(l.substr(open + 1, close - open - 1));
}

std::optional<std::int64_t> header_number(const Exchange& x, std::string_view name) {
    const auto v = x.headers.get(name);
    std::int64_t n = 0;
    if (!v || v->empty() || std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc() || n < 0) {
        return std::nullopt;
    }
    return n;
}

/// Why a list answer is not a 1000 page, or nullopt.
std::optional<std::string> not_a_page(const Exchange& x) {
    if (!x.ok()) {
        return x.describe();
    }
    if (!x.data.is_array()) {
        return "data is not an array";
    }
    return std::nullopt;
}

Query with(Query q, std::string key, std::string value) {
    q.emplace_back(std::move(key), std::move(value));
    return q;
}

/// Page parameters a sender must refuse (P-06): a negative offset, a limit that is no number, a DateTime with an
/// offset.
Query bad_page_parameters() {
    return {{"offset", "-1"}, {"limit", "abc"}, {"date_from", "2024-01-01T10:00:00+02:00"}};
}

/// The pagination checks of one list (P-01 … P-08); keeps the objects it read for the object checks.
boost::asio::awaitable<void> check_list(Context& ctx, const std::string& module) {
    const bool sessions = module == "sessions";
    const auto c = [&](const char* id, const std::string& title) {
        return Check{id, module + ": " + title, kPagination};
    };
    const Check p01 = c("P-01", "a page with X-Total-Count and X-Limit");
    const Check p02 = c("P-02", "limit=1 pages followed by Link cover the list once");
    const Check p03 = c("P-03", "a limit above X-Limit gives at most X-Limit objects");
    const Check p04 = c("P-04", "date_from includes and date_to excludes last_updated");
    const Check p05 = c("P-05", "offset past the end is an empty page without Link");
    const Check p06 = c("P-06", "bad offset, limit and date_from are refused with 2001");
    const Check p07 = c("P-07", "a list of sessions needs date_from");
    const Check p08 = c("P-08", "the same page twice is the same");
    std::vector<const Check*> all;
    for (const auto* check : {&p01, &p02, &p03, &p04, &p05, &p06, &p07, &p08}) {
        if (check != &p07 || sessions) {
            all.push_back(check);
        }
    }
    const auto url = ctx.target.endpoint(module, scpi::InterfaceRole::SENDER);
    const auto skip_from = [&](std::size_t first, const std::string& why) {
        for (std::size_t i = first; i < all.size(); ++i) {
            ctx.skip(*all[i], why);
        }
    };
    if (!url) {
        skip_from(0, "the party offers no " + module + " sender interface");
        co_return;
    }
    if (ctx.out_of_time()) {
        skip_from(0, "time budget spent");
        co_return;
    }
    const Query base = sessions ? with(Query{}, "date_from", kEpoch) : Query{};

    ctx.begin();
    const auto first = co_await ctx.get(with_query(*url, base));
    auto problem = not_a_page(first);
    const auto total = header_number(first, "X-Total-Count");
    const auto limit = header_number(first, "X-Limit");
    if (!problem && !total) {
        problem = "no X-Total-Count header with a count";
    }
    if (!problem && !limit) {
        problem = "no X-Limit header with a number";
    }
    ctx.verdict(p01, &first, "1000 with a data array, X-Total-Count and X-Limit", problem);
    if (problem) {
        skip_from(1, "P-01 failed");
        co_return;
    }
    auto& kept = ctx.objects[module];
    std::set<std::string> known;
    const auto keep = [&](const json::value& o) {
        if (known.insert(object_key(o)).second) {
            kept.push_back(o);
        }
    };
    for (const auto& o : first.data.get_array()) {
        keep(o);
    }

    // P-02: one object per page, following Link.
    ctx.begin();
    std::set<std::string> seen;
    std::optional<std::string> next = with_query(*url, with(base, "limit", "1"));
    std::size_t pages = 0;
    problem.reset();
    Exchange last;
    while (next && pages < ctx.options.max_pages && !ctx.out_of_time() && !problem) {
        last = co_await ctx.get(*next);
        ++pages;
        if ((problem = not_a_page(last))) {
            break;
        }
        const auto& data = last.data.get_array();
        if (data.size() > 1) {
            problem = std::to_string(data.size()) + " objects on a page asked with limit=1";
        }
        for (const auto& o : data) {
            keep(o);
            if (!seen.insert(object_key(o)).second) {
                problem = "object " + object_key(o) + " on two pages";
            }
        }
        next = next_link(last);
        if (next && sessions && !ctx.target.via_node() && next->find("date_from=") == std::string::npos) {
            problem = "the Link " + *next + " drops date_from";
        }
        if (!next && !data.empty() && seen.size() < static_cast<std::size_t>(*total)) {
            problem = "no Link after " + std::to_string(seen.size()) + " of " + std::to_string(*total) + " objects";
        }
    }
    if (!problem && !next && seen.size() != static_cast<std::size_t>(*total)) {
        problem =
            "the pages held " + std::to_string(seen.size()) + " objects, X-Total-Count said " + std::to_string(*total);
    }
    ctx.verdict(p02, &last,
                "one object per page, a Link on every page but the last, each object once, as many as X-Total-Count"
                " (up to " +
                    std::to_string(ctx.options.max_pages) + " pages)",
                problem);

    ctx.begin();
    const auto big = co_await ctx.get(with_query(*url, with(base, "limit", std::to_string(*limit + 100))));
    problem = not_a_page(big);
    if (!problem && big.data.get_array().size() > static_cast<std::size_t>(*limit)) {
        problem = std::to_string(big.data.get_array().size()) + " objects for X-Limit " + std::to_string(*limit);
    }
    ctx.verdict(p03, &big, "at most " + std::to_string(*limit) + " objects", problem);

    // P-04: around the last_updated of an object it listed.
    ctx.begin();
    const json::value* sample = first.data.get_array().empty() ? nullptr : &first.data.get_array()[0];
    const auto* lu =
        sample != nullptr && sample->is_object() ? sample->get_object().if_contains("last_updated") : nullptr;
    const auto t = lu != nullptr && lu->is_string() ? core::parse_datetime(lu->get_string()) : std::nullopt;
    if (!t) {
        ctx.skip(p04, "no object with a last_updated to look around");
    } else {
        const auto key = object_key(*sample);
        const auto contains = [&](const Exchange& x) {
            if (!x.data.is_array()) {
                return false;
            }
            const auto& a = x.data.get_array();
            return std::any_of(a.begin(), a.end(), [&](const json::value& o) { return object_key(o) == key; });
        };
        // GCC 12 mishandles braced lists inside a co_await expression: the URLs are built first.
        const auto at = core::format_datetime(*t);
        const auto window = [&](std::chrono::seconds from, std::chrono::seconds to) {
            return with_query(*url, with(with(Query{}, "date_from", core::format_datetime(*t + from)), "date_to",
                                         core::format_datetime(*t + to)));
        };
        const auto inside_url = window(std::chrono::seconds(0), std::chrono::seconds(1));
        const auto before_url = window(std::chrono::seconds(-1), std::chrono::seconds(0));
        const auto inside = co_await ctx.get(inside_url);
        const auto before = co_await ctx.get(before_url);
        problem = not_a_page(inside);
        if (!problem && !contains(inside)) {
            problem = key + " (last_updated " + at + ") missing with date_from=" + at;
        }
        if (!problem && (problem = not_a_page(before))) {
        } else if (!problem && contains(before)) {
            problem = key + " (last_updated " + at + ") listed with date_to=" + at;
        }
        ctx.verdict(p04, problem && !inside.ok() ? &inside : &before,
                    "date_from=T includes, date_to=T excludes an object of last_updated T", problem);
    }

    ctx.begin();
    const auto past = co_await ctx.get(with_query(*url, with(base, "offset", std::to_string(*total))));
    problem = not_a_page(past);
    if (!problem && !past.data.get_array().empty()) {
        problem = std::to_string(past.data.get_array().size()) + " objects past the end";
    }
    if (!problem && past.headers.get("Link")) {
        problem = "a Link on an empty last page: " + std::string(*past.headers.get("Link"));
    }
    ctx.verdict(p05, &past, "1000, data [], no Link", problem);

    ctx.begin();
    problem.reset();
    Exchange refused;
    const auto bad = bad_page_parameters();
    for (const auto& [key, value] : bad) {
        const auto bad_url =
            with_query(*url, sessions && key == "date_from" ? with(Query{}, key, value) : with(base, key, value));
        refused = co_await ctx.get(bad_url);
        if (refused.status_code != 2001) {
            problem = key + "=" + value + ": " + refused.describe();
            break;
        }
    }
    ctx.verdict(p06, &refused, "status 2001 for offset=-1, limit=abc and a date_from with an offset", problem);

    if (sessions) {
        ctx.begin();
        const auto bare = co_await ctx.get(*url);
        ctx.verdict(p07, &bare, "status 2001",
                    bare.status_code == 2001 ? std::nullopt : std::optional<std::string>(bare.describe()));
    }

    ctx.begin();
    const auto once = co_await ctx.get(with_query(*url, with(base, "limit", "5")));
    const auto twice = co_await ctx.get(with_query(*url, with(base, "limit", "5")));
    problem = not_a_page(once);
    if (!problem) {
        problem = not_a_page(twice);
    }
    if (!problem && json::serialize(once.data) != json::serialize(twice.data)) {
        problem = "the second answer differs from the first";
    }
    ctx.verdict(p08, &twice, "identical data", problem);
}

/// Reads every object of `module` as `T`; the first that does not read is the problem.
template <typename T>
std::optional<std::string> unreadable(Context& ctx, const std::string& module) {
    const auto& objects = ctx.objects[module];
    for (std::size_t i = 0; i < objects.size(); ++i) {
        try {
            (void)scpi::from_json<T>(objects[i], module + "[" + std::to_string(i) + "]");
        } catch (const scpi::ParseError& e) {
            return std::string(e.what()) + " in " + object_key(objects[i]);
        }
    }
    return std::nullopt;
}

/// Every DateTime member of the objects read (last_updated, start_date_time, …) must be in UTC.
std::optional<std::string> non_utc(const json::value& v, const std::string& path) {
    if (const auto* o = v.if_object()) {
        for (const auto& [k, member] : *o) {
            const std::string key(k);
            if (member.is_string() &&
                (key == "last_updated" || key == "timestamp" || key.ends_with("date_time") || key == "expiry_date")) {
                if (auto p = datetime_problem(member.get_string())) {
                    return path + "." + key + ": " + *p;
                }
            } else if (auto p = non_utc(member, path + "." + key)) {
                return p;
            }
        }
    } else if (const auto* a = v.if_array()) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (auto p = non_utc((*a)[i], path + "[" + std::to_string(i) + "]")) {
                return p;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

boost::asio::awaitable<void> check_lists(Context& ctx) {
    if (ctx.cpo()) {
        for (const char* module : {"locations", "tariffs", "sessions", "cdrs"}) {
            co_await check_list(ctx, module);
        }
    } else {
        co_await check_list(ctx, "tokens");
    }
}

boost::asio::awaitable<void> check_objects(Context& ctx) {
    const auto read_all = [&](const char* id, const char* module, const char* section, auto type_tag) {
        using T = typename decltype(type_tag)::type;
        const Check check{id, std::string(module) + " read as the protocol defines them", section};
        ctx.begin();
        if (!ctx.objects.contains(module)) {
            ctx.skip(check, std::string("no ") + module + " were read");
            return;
        }
        const auto problem = unreadable<T>(ctx, module);
        ctx.verdict(check, nullptr,
                    "every required member, valid enumerations and lengths (" +
                        std::to_string(ctx.objects[module].size()) + " objects)",
                    problem);
    };
    const Check g15{"G-15", "An unknown path under a module is 404", "OCPI 2.2 §4.1.6 Response format"};
    const Check g16{"G-16", "DateTimes of the objects are in UTC", "OCPI 2.2 §16.2 DateTime"};
    if (ctx.cpo()) {
        read_all("L-01", "locations", "OCPI 2.2 §8.3.1 Location object", std::type_identity<scpi::Location>{});
        read_all("T-01", "tariffs", "OCPI 2.2 §11.3.1 Tariff object", std::type_identity<scpi::Tariff>{});
        read_all("S-01", "sessions", "OCPI 2.2 §9.3.1 Session object", std::type_identity<scpi::Session>{});
        read_all("D-08", "cdrs", "OCPI 2.2 §10.3.1 CDR object", std::type_identity<scpi::Cdr>{});
    } else {
        read_all("K-06", "tokens", "OCPI 2.2 §12.3.2 Token object", std::type_identity<scpi::Token>{});
    }

    ctx.begin();
    std::optional<std::string> dates;
    for (const auto& [module, objects] : ctx.objects) {
        if ((dates = non_utc(objects, module))) {
            break;
        }
    }
    if (ctx.objects.empty()) {
        ctx.skip(g16, "no objects were read");
    } else {
        ctx.verdict(g16, nullptr, "no offset in any DateTime", dates);
    }

    const auto list_module = ctx.cpo() ? "locations" : "tokens";
    const auto list_url = ctx.target.endpoint(list_module, scpi::InterfaceRole::SENDER);
    ctx.begin();
    if (!list_url || ctx.out_of_time()) {
        ctx.skip(g15, list_url ? "time budget spent" : "no list to look under");
    } else {
        const auto x = co_await ctx.get(*list_url + "/no/such/path/under/this/module");
        ctx.verdict(g15, &x, "HTTP 404",
                    x.http_status == 404 ? std::nullopt : std::optional<std::string>(x.describe()));
    }

    if (ctx.cpo()) {
        const Check l02{"L-02", "One location, EVSE and connector by id", "OCPI 2.2 §8.2.1.2 Sender GET object"};
        const Check l03{"L-03", "Unknown location and EVSE are 404", "OCPI 2.2 §8.2.1.2 Sender GET object"};
        const Check t05{"T-05", "Every connector's tariff is listed", "OCPI 2.2 §8.3.3 Connector, §11 Tariffs"};
        const auto& locations = ctx.objects["locations"];
        const json::object* loc = nullptr;
        for (const auto& l : locations) {
            if (l.is_object() && l.get_object().contains("id")) {
                loc = &l.get_object();
                break;
            }
        }
        const auto url = ctx.target.endpoint("locations", scpi::InterfaceRole::SENDER);
        ctx.begin();
        if (loc == nullptr || !url || ctx.out_of_time()) {
            ctx.skip(l02, "no location was read");
            ctx.skip(l03, "no location was read");
        } else {
            const auto id = text(loc->at("id"));
            std::string evse_uid, connector_id;
            if (const auto* evses = loc->if_contains("evses");
                evses != nullptr && evses->is_array() && !evses->get_array().empty()) {
                const auto& e = evses->get_array()[0];
                evse_uid = e.is_object() && e.get_object().contains("uid") ? text(e.get_object().at("uid")) : "";
                const auto* cons = e.is_object() ? e.get_object().if_contains("connectors") : nullptr;
                if (cons != nullptr && cons->is_array() && !cons->get_array().empty() &&
                    cons->get_array()[0].is_object() && cons->get_array()[0].get_object().contains("id")) {
                    connector_id = text(cons->get_array()[0].get_object().at("id"));
                }
            }
            const auto one = co_await ctx.get(*url + "/" + id);
            std::optional<std::string> problem = not_ok(one);
            const Exchange* shown = &one;
            if (!problem && (!one.data.is_object() || one.data.get_object().if_contains("id") == nullptr ||
                             text(one.data.get_object().at("id")) != id)) {
                problem = "data is not location " + id;
            }
            Exchange evse, connector;
            if (!problem && !evse_uid.empty()) {
                evse = co_await ctx.get(*url + "/" + id + "/" + evse_uid);
                shown = &evse;
                problem = not_ok(evse);
                if (!problem && (!evse.data.is_object() || evse.data.get_object().if_contains("uid") == nullptr ||
                                 text(evse.data.get_object().at("uid")) != evse_uid)) {
                    problem = "data is not EVSE " + evse_uid;
                }
            }
            if (!problem && !connector_id.empty()) {
                connector = co_await ctx.get(*url + "/" + id + "/" + evse_uid + "/" + connector_id);
                shown = &connector;
                problem = not_ok(connector);
                if (!problem &&
                    (!connector.data.is_object() || connector.data.get_object().if_contains("id") == nullptr ||
                     text(connector.data.get_object().at("id")) != connector_id)) {
                    problem = "data is not connector " + connector_id;
                }
            }
            ctx.verdict(l02, shown, "1000 with the location, the EVSE and the connector asked for", problem);

            ctx.begin();
            const auto unknown = co_await ctx.get(*url + "/no-such-location-of-the-checker");
            problem = unknown.http_status == 404
                          ? std::nullopt
                          : std::optional<std::string>("unknown location: " + unknown.describe());
            const Exchange* shown3 = &unknown;
            Exchange unknown_evse;
            if (!problem && !evse_uid.empty()) {
                unknown_evse = co_await ctx.get(*url + "/" + id + "/no-such-evse-of-the-checker");
                shown3 = &unknown_evse;
                if (unknown_evse.http_status != 404) {
                    problem = "unknown EVSE: " + unknown_evse.describe();
                }
            }
            ctx.verdict(l03, shown3, "HTTP 404", problem);
        }

        ctx.begin();
        if (!ctx.objects.contains("tariffs") || locations.empty()) {
            ctx.skip(t05, "locations and tariffs were not both read");
        } else {
            std::set<std::string> tariffs;
            for (const auto& t : ctx.objects["tariffs"]) {
                if (t.is_object() && t.get_object().contains("id")) {
                    tariffs.insert(text(t.get_object().at("id")));
                }
            }
            std::optional<std::string> problem;
            for (const auto& l : locations) {
                for (const auto& e : l.is_object() && l.get_object().contains("evses") && l.at("evses").is_array()
                                         ? l.at("evses").get_array()
                                         : json::array()) {
                    const auto* cons = e.is_object() ? e.get_object().if_contains("connectors") : nullptr;
                    for (const auto& con : cons != nullptr && cons->is_array() ? cons->get_array() : json::array()) {
                        const auto* ids = con.is_object() ? con.get_object().if_contains("tariff_ids") : nullptr;
                        for (const auto& tid : ids != nullptr && ids->is_array() ? ids->get_array() : json::array()) {
                            if (!problem && !tariffs.contains(text(tid))) {
                                problem = "tariff " + text(tid) + " of location " + object_key(l) + " is not listed";
                            }
                        }
                    }
                }
            }
            ctx.verdict(t05, nullptr,
                        "every tariff_ids entry among the " + std::to_string(tariffs.size()) + " tariffs listed",
                        problem);
        }
    } else {
        const Check k08{"K-08", "Authorizing an unknown token is 404 with 2004",
                        "OCPI 2.2 §12.2.1.2 Real-time authorization"};
        const auto url = ctx.target.endpoint("tokens", scpi::InterfaceRole::SENDER);
        ctx.begin();
        if (!url || ctx.out_of_time()) {
            ctx.skip(k08, url ? "time budget spent" : "the party offers no tokens sender interface");
        } else {
            Request r;
            r.method = http::Method::post;
            r.url = *url + "/no-such-token-of-the-checker/authorize";
            r.body = R"({"location_id":"LOC1"})";
            const auto x = co_await ctx.target.send(r);
            ctx.verdict(k08, &x, "HTTP 404 with status 2004",
                        x.http_status == 404 && x.status_code == 2004 ? std::nullopt
                                                                      : std::optional<std::string>(x.describe()));
        }
    }
}

}  // namespace scn::check
