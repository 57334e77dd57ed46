#pragma once

#include <scn/http/message.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace scn::http::wire {

// The head of an HTTP/1.1 message as one string, written together with the body in a single gather write. The
// framing headers (Content-Length, Transfer-Encoding, Connection) come from the arguments, never from `headers`;
// CR and LF inside a name or value become spaces, so a value cannot start a header of its own.

/// `HTTP/1.1 <status> <reason>`, the headers, Content-Length (none for 1xx, 204 and 304) and `Connection: close`
/// when the connection ends after this response, written over `out` (a buffer kept per connection keeps its
/// capacity from one response to the next).
void write_response_head(std::string& out, unsigned status, const Headers& headers, std::size_t body_bytes,
                         bool keep_alive);

/// The head of a streamed response: the status line, the headers and `Connection: close` (the body ends with the
/// connection), written over `out`.
void write_stream_head(std::string& out, unsigned status, const Headers& headers);

/// `<method> <target> HTTP/1.1`, Host (ours, never one from `headers`), User-Agent (`scn-tools` unless `headers`
/// has one), the headers, and Content-Length when there is a body or the
/// method carries one (POST, PUT, PATCH).
[[nodiscard]] std::string request_head(std::string_view method, std::string_view target, std::string_view host,
                                       const Headers& headers, std::size_t body_bytes);

/// Whether a response with this status has no body by definition (1xx, 204, 304).
[[nodiscard]] bool status_without_body(unsigned status);

/// Whether `target` is an origin-form target (path and query) made only of characters that need neither decoding
/// nor further checks: it starts with '/' and holds RFC 3986 `pchar`s but '%', and '/' and '?'. Such a target is
/// split at its first '?' without a URL parser; any other goes through Boost.URL.
[[nodiscard]] bool is_plain_target(std::string_view target);

}  // namespace scn::http::wire
