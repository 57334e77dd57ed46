#pragma once

#include <scn/http/client.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace scn::registry {

/// The chain answered a JSON-RPC call with an error object.
class JsonRpcError : public std::runtime_error {
public:
    JsonRpcError(std::int64_t code, const std::string& message, boost::json::value data)
        : std::runtime_error(message), code_(code), data_(std::move(data)) {}
    [[nodiscard]] std::int64_t code() const { return code_; }
    /// The error's `data` member (revert data lives here, in one of several shapes).
    [[nodiscard]] const boost::json::value& data() const { return data_; }

private:
    std::int64_t code_;
    boost::json::value data_;
};

/// The chain could not be reached, or did not answer JSON-RPC.
class JsonRpcUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A JSON-RPC 2.0 client over HTTP(S) for an Ethereum node. Every call is bounded by `timeout`.
class JsonRpcClient {
public:
    JsonRpcClient(http::Client& http, std::string url, std::chrono::milliseconds timeout = std::chrono::seconds(15));

    /// Calls `method` with `params` (an array) and returns the `result` member.
    boost::asio::awaitable<boost::json::value> call(std::string method, boost::json::array params);

    [[nodiscard]] const std::string& url() const { return url_; }

private:
    http::Client& http_;
    std::string url_;
    std::chrono::milliseconds timeout_;
    std::uint64_t next_id_ = 1;
};

/// Hex quantity (`0x1c`) → integer; throws std::invalid_argument for anything else.
[[nodiscard]] std::uint64_t parse_quantity(const boost::json::value& v);
/// Integer → hex quantity without leading zeros (`0x0`, `0x1c`).
[[nodiscard]] std::string to_quantity(std::uint64_t n);

}  // namespace scn::registry
