#include <scn/check/target.hpp>
#include <scn/core/random.hpp>

#include <boost/json.hpp>

namespace scn::check {
namespace json = boost::json;

std::string Exchange::request_line() const {
    return std::string(http::to_string(method)) + " " + url;
}

std::string Exchange::describe() const {
    if (!answered()) {
        return "no answer: " + error;
    }
    std::string s = "HTTP " + std::to_string(http_status);
    if (!json_object) {
        const auto excerpt = body.substr(0, 120);
        return s + (body.empty() ? ", empty body" : ", not a JSON object: " + excerpt);
    }
    if (status_code) {
        s += ", status " + std::to_string(*status_code);
    } else {
        s += ", no status_code";
    }
    if (status_message) {
        s += ": " + *status_message;
    }
    return s;
}

Target::Target(http::Client& client, TargetOptions options) : client_(client), options_(std::move(options)) {}

std::string Target::describe() const {
    if (options_.node_url) {
        const auto& r = *options_.routing;
        return r.to_country_code + "/" + r.to_party_id + " through " + *options_.node_url + " as " +
               r.from_country_code + "/" + r.from_party_id;
    }
    return options_.versions_url;
}

void Target::set_endpoints(std::vector<std::pair<std::string, std::string>> endpoints) {
    endpoints_ = std::move(endpoints);
}

std::optional<std::string> Target::endpoint(const std::string& module, scpi::InterfaceRole role) const {
    const std::string role_name(scpi::to_string(role));
    if (options_.node_url) {
        std::string base = *options_.node_url;
        while (!base.empty() && base.back() == '/') {
            base.pop_back();
        }
        return base + "/scpi/" + (role == scpi::InterfaceRole::SENDER ? "sender" : "receiver") + "/2.2/" + module;
    }
    const std::string key = module + "/" + role_name;
    for (const auto& [k, url] : endpoints_) {
        if (k == key) {
            return url;
        }
    }
    return std::nullopt;
}

boost::asio::awaitable<Exchange> Target::send(Request request) {
    Exchange x;
    x.method = request.method;
    x.url = request.url;
    x.request_id = core::request_uuid();
    x.correlation_id = core::random_uuid();
    x.functional = request.routing;
    http::ClientRequest out;
    out.method = request.method;
    out.url = request.url;
    out.timeout = options_.call_timeout;
    out.connect_timeout = std::min(options_.call_timeout, std::chrono::milliseconds(5'000));
    if (request.auth == Auth::token) {
        out.headers.add(scpi::header::kAuthorization, options_.dialect->authorization(options_.token));
    } else if (request.auth == Auth::custom) {
        out.headers.add(scpi::header::kAuthorization, request.authorization);
    }
    out.headers.add(scpi::header::kRequestId, x.request_id);
    out.headers.add(scpi::header::kCorrelationId, x.correlation_id);
    if (request.routing && options_.routing) {
        const auto& d = *options_.dialect;
        out.headers.add(d.from_country_code, options_.routing->from_country_code);
        out.headers.add(d.from_party_id, options_.routing->from_party_id);
        out.headers.add(d.to_country_code, options_.routing->to_country_code);
        out.headers.add(d.to_party_id, options_.routing->to_party_id);
    }
    if (request.body) {
        out.headers.add("Content-Type", "application/json");
        out.body = std::move(*request.body);
    }
    try {
        auto res = co_await client_.send(std::move(out));
        x.http_status = res.status == 0 ? 1 : res.status;
        x.headers = std::move(res.headers);
        x.body = std::move(res.body);
        boost::system::error_code ec;
        auto doc = json::parse(x.body, ec);
        if (!ec && doc.is_object()) {
            x.json_object = true;
            auto& o = doc.get_object();
            if (const auto* sc = o.if_contains("status_code"); sc != nullptr && sc->is_int64()) {
                x.status_code = sc->get_int64();
            }
            if (const auto* sm = o.if_contains("status_message"); sm != nullptr && sm->is_string()) {
                x.status_message = std::string(sm->get_string());
            }
            if (auto* d = o.if_contains("data")) {
                x.data = std::move(*d);
                x.has_data = true;
            }
        }
    } catch (const http::ClientError& e) {
        x.error = e.what();
    }
    exchanges_.push_back(x);
    co_return x;
}

}  // namespace scn::check
