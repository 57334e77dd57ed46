#pragma once

// What the console keeps of one SCPI exchange (a request and its answer) and how it is shown: recorded with moves and
// plain copies only (nothing is parsed or serialised while a request is served); turned into JSON, with every secret
// masked, only when a console page asks for it.

#include <scn/core/clock.hpp>
#include <scn/http/message.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace scn::console {

/// Who recorded the exchange and from which side.
enum class Direction {
    in,      ///< a request a mock party received, with its answer
    out,     ///< a request a mock party sent, with the answer it got
    routed,  ///< a request a node routed, with the answer it relayed
};
[[nodiscard]] std::string_view to_string(Direction d);

/// A body as kept: a copy of at most `cap` bytes, or, for a response written from shared bytes (an object a store
/// keeps), its head and tail copied and the shared part by reference (`owner` keeps it alive); and whether it was cut.
struct Body {
    std::string text;  ///< the whole kept body, or the part before `shared`
    std::shared_ptr<const void> owner;
    std::string_view shared;
    std::string tail;      ///< after `shared`
    std::size_t size = 0;  ///< the whole body's size
    bool cut = false;
    /// The kept bytes in one piece.
    [[nodiscard]] std::string joined() const { return owner ? text + std::string(shared) + tail : text; }
};

struct Exchange {
    std::uint64_t seq = 0;  ///< given by the console
    core::TimePoint at{};   ///< when the request arrived or left
    std::chrono::nanoseconds latency{};
    Direction direction = Direction::in;
    std::string method;
    std::string path;
    std::string query;
    http::Headers request_headers;  ///< as the server's handlers see them (in SCPI terms)
    Body request_body;
    unsigned status = 0;  ///< HTTP status of the answer (0: none)
    http::Headers response_headers;
    Body response_body;
};

// The recorders fill an Exchange taken from the console (Console::take) in place, by copy-assignment: once the ring
// is full, its strings keep the room of the exchange they replaced, so recording allocates nothing.

/// The first `cap` bytes of `body`, moved when it fits.
[[nodiscard]] Body keep_body(std::string&& body, std::size_t cap);
/// Writes a copy of the first `cap` bytes of `body` over `out`.
void copy_body(Body& out, std::string_view body, std::size_t cap);
[[nodiscard]] Body copy_body(std::string_view body, std::size_t cap);
/// Writes over `out` what is kept of a response's body: a shared part of at most `cap` bytes by reference (no copy),
/// else the first `cap` bytes.
void keep_response(Body& out, const http::Response& response, std::size_t cap);
[[nodiscard]] Body response_body(const http::Response& response, std::size_t cap);

/// A secret shown as its first four characters (when it has at least twelve) and its length: "0a99…(36)".
[[nodiscard]] std::string mask_secret(std::string_view secret);
/// A header value as shown: Authorization keeps its scheme ("Token 0a99…(36)"), fields named like secrets (token,
/// key, secret, password, cookie, signature) are masked, anything else is shown as it is.
[[nodiscard]] std::string mask_header(std::string_view name, std::string_view value);
/// Masks, anywhere in a JSON document, the string values of members named like secrets (token, token_a/b/c,
/// api_key, key, secret, password, authorization, private_key); a `token` object (a driver's token) is not one.
void mask_json(boost::json::value& v);
/// Masks `Token <secret>` anywhere in a text that is not JSON.
[[nodiscard]] std::string mask_text(std::string_view text);

/// The SCPI module of a path ("locations", "commands", "credentials", "versions", …; "" when none).
[[nodiscard]] std::string module_of(std::string_view path);

/// The exchange as the console page reads it: time, direction, method, path, module, from and to (routing headers),
/// request and correlation ids, HTTP and SCPI status, latency, headers and bodies with secrets masked (JSON bodies as
/// JSON).
[[nodiscard]] boost::json::value to_json(const Exchange& x);

}  // namespace scn::console
