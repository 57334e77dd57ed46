#pragma once

// SCPI transport rules that do not depend on HTTP types: status codes, the response envelope, errors that become
// envelopes, header names, the Authorization header and pagination.

#include <scn/core/clock.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scn::scpi {

enum class StatusCode : int {
    success = 1000,
    client_error = 2000,
    invalid_parameters = 2001,
    not_enough_information = 2002,
    unknown_location = 2003,
    unknown_token = 2004,
    server_error = 3000,
    unusable_api = 3001,
    unsupported_version = 3002,
    no_matching_endpoints = 3003,
    hub_error = 4000,
    unknown_receiver = 4001,
    hub_timeout = 4002,
    hub_connection_problem = 4003,
};

/// The response envelope: `{"status_code":…,"status_message":…,"data":…,"timestamp":…}`; status_message and data
/// are omitted when absent.
[[nodiscard]] std::string envelope(int status_code, std::optional<std::string_view> status_message,
                                   const boost::json::value* data, core::TimePoint timestamp);
/// A success envelope around already-serialised `data_json` (no re-parsing: used on hot paths).
[[nodiscard]] std::string envelope_raw(std::string_view data_json, core::TimePoint timestamp);

/// A request that must be answered with an SCPI error envelope. Handlers throw it; the HTTP boundary answers it.
class Error : public std::runtime_error {
public:
    Error(int status_code, unsigned http_status, const std::string& message)
        : std::runtime_error(message), status_code_(status_code), http_status_(http_status) {}
    Error(StatusCode status_code, unsigned http_status, const std::string& message)
        : Error(static_cast<int>(status_code), http_status, message) {}
    [[nodiscard]] int status_code() const { return status_code_; }
    [[nodiscard]] unsigned http_status() const { return http_status_; }

    /// 2001, HTTP 400: invalid or missing parameters.
    static Error invalid(const std::string& message) { return {2001, 400, message}; }
    /// 2001, HTTP 401: missing or unknown credentials.
    static Error unauthorized(const std::string& message) { return {2001, 401, message}; }
    /// 2000, HTTP 404: no such object.
    static Error not_found(const std::string& message) { return {2000, 404, message}; }
    /// 2003, HTTP 404: unknown location.
    static Error unknown_location(const std::string& message) { return {2003, 404, message}; }
    /// 2004, HTTP 404: unknown token.
    static Error unknown_token(const std::string& message) { return {2004, 404, message}; }
    /// 2000, HTTP 405: the method is not offered.
    static Error method_not_allowed(const std::string& message) { return {2000, 405, message}; }
    /// 3000, HTTP 500.
    static Error server(const std::string& message) { return {3000, 500, message}; }

private:
    int status_code_;
    unsigned http_status_;
};

namespace header {
inline constexpr std::string_view kAuthorization = "Authorization";
inline constexpr std::string_view kRequestId = "X-Request-ID";
inline constexpr std::string_view kCorrelationId = "X-Correlation-ID";
inline constexpr std::string_view kFromCountryCode = "SCPI-From-Country-Code";
inline constexpr std::string_view kFromPartyId = "SCPI-From-Party-Id";
inline constexpr std::string_view kToCountryCode = "SCPI-To-Country-Code";
inline constexpr std::string_view kToPartyId = "SCPI-To-Party-Id";
inline constexpr std::string_view kSignature = "SCN-Signature";
inline constexpr std::string_view kLink = "Link";
inline constexpr std::string_view kTotalCount = "X-Total-Count";
inline constexpr std::string_view kLimit = "X-Limit";
inline constexpr std::string_view kLocation = "Location";
}  // namespace header

/// The four routing headers of a functional-module request.
struct RoutingHeaders {
    std::string from_country_code;
    std::string from_party_id;
    std::string to_country_code;
    std::string to_party_id;

    /// Reads and checks them (2- and 3-character codes); `lookup` finds a header case-insensitively. Throws
    /// Error::invalid naming the header that is missing or wrong.
    static RoutingHeaders from(const std::function<std::optional<std::string_view>(std::string_view)>& lookup);
    /// The same headers for the answer or for a call back: from and to swapped.
    [[nodiscard]] RoutingHeaders reversed() const {
        return {to_country_code, to_party_id, from_country_code, from_party_id};
    }
};

/// The tokens an `Authorization` header may carry, in the order to try them: the Base64-decoded value (if it decodes
/// to printable ASCII), then the raw value. Throws Error::unauthorized when the header is missing or not
/// `Token <value>`.
[[nodiscard]] std::vector<std::string> token_candidates(std::optional<std::string_view> authorization);

/// Validated list parameters of a paginated GET.
struct PageRequest {
    std::size_t offset = 0;
    std::size_t limit = 0;  ///< already capped to the server's maximum
    std::optional<core::TimePoint> date_from;
    std::optional<core::TimePoint> date_to;
};

/// Reads offset, limit, date_from and date_to; `query` finds a decoded query parameter. Negative, non-numeric or
/// overflowing numbers, malformed DateTimes and date_from >= date_to throw Error::invalid naming the parameter.
/// A missing limit means `max_limit`; a larger one is capped to it.
[[nodiscard]] PageRequest parse_page_request(const std::function<std::optional<std::string>(std::string_view)>& query,
                                             std::size_t max_limit);

/// The pagination headers of one page.
struct PageHeaders {
    std::optional<std::string> link;  ///< `<url>; rel="next"` unless this is the last page
    std::string total_count;
    std::string limit;
};

/// `base_url` is the list URL without query; `params` the request's decoded query parameters in order (every one
/// but offset and limit is kept in the next link). `returned` is how many objects this page holds.
[[nodiscard]] PageHeaders page_headers(std::string_view base_url,
                                       const std::vector<std::pair<std::string, std::string>>& params,
                                       const PageRequest& page, std::size_t returned, std::size_t total,
                                       std::size_t max_limit);

}  // namespace scn::scpi
