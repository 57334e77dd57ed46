#pragma once

// SCPI over HTTP: the one place where failures become SCPI error envelopes, response and request helpers shared by
// the mock parties and the node, and outgoing SCPI calls.

#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/http/server.hpp>
#include <scn/scpi/dialect.hpp>
#include <scn/scpi/io.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scn::service {

/// Server hooks that answer every failure with an SCPI envelope: scpi::Error with its own codes, scpi::ParseError
/// (a bad body) with HTTP 400 / 2001 and the JSON path in status_message, anything else with HTTP 500 / 3000 and the
/// details in `log` only; unknown paths 404 / 2000, wrong methods 405 / 2000, unreadable requests 400/413/431 / 2001.
[[nodiscard]] http::ServerHooks scpi_hooks(core::Logger log, const core::Clock& clock = core::system_clock());

/// Options for a server that speaks SCPI: listen address and port, the access log, and scpi_hooks().
[[nodiscard]] http::ServerOptions scpi_server_options(std::string address, std::uint16_t port, core::Logger log,
                                                      const core::Clock& clock = core::system_clock());

/// A success envelope; `data` is left out when null.
[[nodiscard]] http::Response ok(const boost::json::value& data, const core::Clock& clock = core::system_clock(),
                                unsigned http_status = 200);
/// A success envelope around already-serialised data.
[[nodiscard]] http::Response ok_raw(std::string_view data_json, const core::Clock& clock = core::system_clock(),
                                    unsigned http_status = 200);
/// The same envelope around data that stays where it is kept: written from `data_json`'s own bytes, not copied.
[[nodiscard]] http::Response ok_shared(std::shared_ptr<const std::string> data_json,
                                       const core::Clock& clock = core::system_clock());
/// An error envelope.
[[nodiscard]] http::Response error(int status_code, unsigned http_status, std::string_view message,
                                   const core::Clock& clock = core::system_clock());

/// What the notary signs of a response: the paging and location headers (lower-case keys) and the envelope
/// without its `scn_signature`.
[[nodiscard]] boost::json::value response_values(const boost::json::object& envelope, const http::Headers& headers);
/// The envelope with an `scn_signature` by `key` over `response_values`, serialised (plain-decimal numbers).
[[nodiscard]] std::string with_signature(boost::json::object envelope, const http::Headers& headers,
                                         const eth::PrivateKey& key);

/// What the notary signs of a request (OCN notary "request values"): X-Correlation-ID and the routing headers
/// (lower-case keys), the paging query parameters (`offset` and `limit` as numbers), and the body.
[[nodiscard]] boost::json::value request_values(const http::Headers& headers,
                                                const std::vector<std::pair<std::string, std::string>>& query,
                                                const boost::json::value& body);
/// request_values() of a received request; a body that is not JSON counts as none.
[[nodiscard]] boost::json::value request_values(const http::Request& request);
/// The signer of a notary signature that verifies against `values`; throws scpi::Error 2001 (HTTP 400) with the
/// node's wording otherwise ("Invalid signature: Request has been modified.").
eth::Address verified_signer(std::string_view signature, const boost::json::value& values);
/// Why an answer does not carry a valid `scn_signature` (any signer; "Missing SCN Signature" when it has none);
/// nullopt when it does.
[[nodiscard]] std::optional<std::string> answer_signature_problem(std::string_view body, const http::Headers& headers);

/// Echoes X-Request-ID and X-Correlation-ID of the request, and for functional modules the routing headers swapped.
void echo_headers(const http::Request& request, http::Response& response, bool routing);

/// Parses the request body as T; throws scpi::ParseError naming the JSON path.
template <typename T>
T body_as(const http::Request& request) {
    return scpi::from_json<T>(scpi::parse_json(request.body));
}

/// The routing headers of a functional-module request (Error 2001 if missing or malformed).
[[nodiscard]] scpi::RoutingHeaders routing_of(const http::Request& request);

/// An SCPI answer as received.
struct Reply {
    unsigned http_status = 0;
    int status_code = 0;
    std::optional<std::string> status_message;
    boost::json::value data;
    http::Headers headers;
    std::string body;
    [[nodiscard]] bool ok() const { return http_status >= 200 && http_status < 300 && status_code == 1000; }
    /// "HTTP 404, status 2003: unknown location" style summary for logs and errors.
    [[nodiscard]] std::string describe() const;
};

struct Call {
    http::Method method = http::Method::get;
    std::string url;
    std::string token;  ///< sent as `Authorization: Token <token>`: raw in SCPI, Base64-encoded in OCPI 2.2.1
    std::optional<scpi::RoutingHeaders> routing;
    std::string correlation_id;  ///< fresh if empty
    std::optional<std::string> body;
    http::Headers headers;  ///< sent as well
    std::chrono::milliseconds timeout{10'000};
    /// Signs the request with it (SCN-Signature over request_values()) when set.
    std::optional<eth::PrivateKey> signer;
    /// The dialect of the recipient: header names and token encoding (null: SCPI).
    const scpi::Dialect* dialect = nullptr;
};

/// Makes an SCPI call: fills in the headers, parses the envelope. A body that is not an envelope is a Reply with
/// status_code 0 and the raw body; transport failures throw http::ClientError.
boost::asio::awaitable<Reply> call(http::Client& client, Call call);

}  // namespace scn::service
