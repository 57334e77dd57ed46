#include <scn/check/context.hpp>

#include <boost/asio/this_coro.hpp>

#include <cctype>

namespace scn::check {

Context::Context(Target& t, const CheckOptions& o, Report& report, Progress progress)
    : target(t),
      options(o),
      report_(report),
      progress_(std::move(progress)),
      deadline_(std::chrono::steady_clock::now() + o.budget),
      started_(std::chrono::steady_clock::now()) {}

void Context::add(CheckResult r) {
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    if (progress_) {
        progress_(r);
    }
    report_.add(std::move(r));
    started_ = std::chrono::steady_clock::now();
}

void Context::pass(const Check& c, const Exchange* x, std::string expected) {
    add({c.id,
         c.title,
         c.section,
         Status::passed,
         x ? x->request_line() : "",
         std::move(expected),
         x ? x->describe() : "",
         {}});
}

void Context::fail(const Check& c, const Exchange* x, std::string expected, std::string actual) {
    add({c.id,
         c.title,
         c.section,
         Status::failed,
         x ? x->request_line() : "",
         std::move(expected),
         std::move(actual),
         {}});
}

void Context::skip(const Check& c, std::string why) {
    add({c.id, c.title, c.section, Status::skipped, "", "", std::move(why), {}});
}

void Context::verdict(const Check& c, const Exchange* x, std::string expected,
                      const std::optional<std::string>& problem) {
    if (problem) {
        fail(c, x, std::move(expected), *problem);
    } else {
        pass(c, x, std::move(expected));
    }
}

boost::asio::awaitable<Exchange> Context::get(std::string url, Auth auth, std::string authorization) {
    Request r;
    r.url = std::move(url);
    r.auth = auth;
    r.authorization = std::move(authorization);
    co_return co_await target.send(std::move(r));
}

boost::asio::awaitable<Exchange> Context::get_config(std::string url, Auth auth) {
    Request r;
    r.url = std::move(url);
    r.auth = auth;
    r.routing = false;
    co_return co_await target.send(std::move(r));
}

std::optional<std::string> not_ok(const Exchange& x) {
    if (x.ok()) {
        return std::nullopt;
    }
    return x.describe();
}

std::optional<std::string> datetime_problem(std::string_view t) {
    // YYYY-MM-DDThh:mm:ss[.fraction][Z]
    const auto digits = [&](std::size_t from, std::size_t n) {
        for (std::size_t i = from; i < from + n; ++i) {
            if (i >= t.size() || std::isdigit(static_cast<unsigned char>(t[i])) == 0) {
                return false;
            }
        }
        return true;
    };
    if (t.size() < 19 || !digits(0, 4) || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) ||
        t[10] != 'T' || !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' || !digits(17, 2)) {
        return "\"" + std::string(t) + "\" is not a DateTime (YYYY-MM-DDThh:mm:ss)";
    }
    std::size_t i = 19;
    if (i < t.size() && t[i] == '.') {
        ++i;
        const auto start = i;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) {
            ++i;
        }
        if (i == start) {
            return "\"" + std::string(t) + "\" has an empty fraction of a second";
        }
    }
    if (i < t.size() && t[i] == 'Z') {
        ++i;
    }
    if (i != t.size()) {
        return "\"" + std::string(t) + "\" is not in UTC (a DateTime carries no offset; `Z` or nothing)";
    }
    return std::nullopt;
}

boost::asio::awaitable<Report> run_checks(CheckOptions options, Progress progress) {
    Report report;
    http::ClientOptions client_options;
    client_options.max_response_body = options.target.max_body;
    http::Client client(co_await boost::asio::this_coro::executor, client_options);
    Target target(client, options.target);
    Context ctx(target, options, report, std::move(progress));
    if (co_await check_versions(ctx)) {
        co_await check_authorization(ctx);
        co_await check_lists(ctx);
        co_await check_objects(ctx);
        if (options.active) {
            co_await check_active(ctx);
        }
    }
    check_envelopes(ctx);
    co_return report;
}

}  // namespace scn::check
