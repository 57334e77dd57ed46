#include <scn/registry/json_rpc.hpp>

#include <boost/json.hpp>

#include <charconv>

namespace scn::registry {
namespace json = boost::json;

JsonRpcClient::JsonRpcClient(http::Client& http, std::string url, std::chrono::milliseconds timeout)
    : http_(http), url_(std::move(url)), timeout_(timeout) {}

boost::asio::awaitable<json::value> JsonRpcClient::call(std::string method, json::array params) {
    const json::object request{
        {"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", std::move(params)}};
    http::ClientRequest req;
    req.method = http::Method::post;
    req.url = url_;
    req.headers.add("Content-Type", "application/json");
    req.body = json::serialize(request);
    req.timeout = timeout_;
    req.connect_timeout = std::min(timeout_, std::chrono::milliseconds(5000));
    http::ClientResponse res;
    try {
        res = co_await http_.send(std::move(req));
    } catch (const http::ClientError& e) {
        throw JsonRpcUnavailable("the chain at " + url_ + " is not reachable (" + e.what() + ")");
    }
    boost::system::error_code ec;
    const json::value doc = json::parse(res.body, ec);
    if (ec || !doc.is_object()) {
        throw JsonRpcUnavailable("the chain at " + url_ + " did not answer JSON-RPC (HTTP " +
                                 std::to_string(res.status) + ")");
    }
    const auto& obj = doc.get_object();
    if (const auto* error = obj.if_contains("error"); error != nullptr && error->is_object()) {
        const auto& e = error->get_object();
        const auto* code = e.if_contains("code");
        const auto* message = e.if_contains("message");
        throw JsonRpcError(code != nullptr && code->is_int64() ? code->get_int64() : 0,
                           message != nullptr && message->is_string() ? std::string(message->get_string())
                                                                      : std::string("unknown JSON-RPC error"),
                           e.contains("data") ? e.at("data") : json::value());
    }
    const auto* result = obj.if_contains("result");
    if (result == nullptr) {
        throw JsonRpcUnavailable("the chain at " + url_ + " answered " + method + " without a result");
    }
    co_return *result;
}

std::uint64_t parse_quantity(const json::value& v) {
    if (!v.is_string()) {
        throw std::invalid_argument("expected a hex quantity");
    }
    const std::string_view s = v.get_string();
    if (s.size() < 3 || s.size() > 18 || !s.starts_with("0x")) {
        throw std::invalid_argument("not a hex quantity: " + std::string(s));
    }
    std::uint64_t n = 0;
    const auto [ptr, err] = std::from_chars(s.data() + 2, s.data() + s.size(), n, 16);
    if (err != std::errc() || ptr != s.data() + s.size()) {
        throw std::invalid_argument("not a hex quantity: " + std::string(s));
    }
    return n;
}

std::string to_quantity(std::uint64_t n) {
    char buf[20];
    const auto [ptr, err] = std::to_chars(buf, buf + sizeof buf, n, 16);
    (void)err;
    return "0x" + std::string(buf, ptr);
}

}  // namespace scn::registry
