#include <scn/http/wire.hpp>

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <ostream>  // Boost 1.81: boost/core/detail/string_view.hpp uses std::ostream without including it

namespace scn::http::wire {
namespace {

bool is_framing(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

void append_clean(std::string& out, std::string_view text) {
    const auto start = out.size();
    out.append(text);
    // Two vectorised scans settle the usual case (no line break); find_first_of with a set would call memchr once
    // per character.
    if (std::memchr(text.data(), '\r', text.size()) == nullptr &&
        std::memchr(text.data(), '\n', text.size()) == nullptr) {
        return;
    }
    for (auto i = start; i < out.size(); ++i) {
        if (out[i] == '\r' || out[i] == '\n') {
            out[i] = ' ';
        }
    }
}

void append_number(std::string& out, std::size_t n) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_fields(std::string& out, const Headers& headers, bool request) {
    for (const auto& [name, value] : headers) {
        if (is_framing(name) || (request && iequals(name, "Host"))) {
            continue;
        }
        append_clean(out, name);
        out += ": ";
        append_clean(out, value);
        out += "\r\n";
    }
}

std::size_t fields_size(const Headers& headers) {
    std::size_t n = 0;
    for (const auto& [name, value] : headers) {
        n += name.size() + value.size() + 4;
    }
    return n;
}

constexpr std::array<bool, 256> kPlainTargetChars = [] {
    std::array<bool, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) {
        t[static_cast<std::size_t>(c)] = true;
    }
    for (int c = 'A'; c <= 'Z'; ++c) {
        t[static_cast<std::size_t>(c)] = true;
    }
    for (int c = '0'; c <= '9'; ++c) {
        t[static_cast<std::size_t>(c)] = true;
    }
    for (const char c : std::string_view("-._~!$&'()*+,;=:@/?")) {
        t[static_cast<unsigned char>(c)] = true;
    }
    return t;
}();

}  // namespace

bool is_plain_target(std::string_view target) {
    return !target.empty() && target.front() == '/' && std::all_of(target.begin(), target.end(), [](char c) {
        return kPlainTargetChars[static_cast<unsigned char>(c)];
    });
}

bool status_without_body(unsigned status) {
    return status / 100 == 1 || status == 204 || status == 304;
}

namespace {

/// The status line and the header fields.
void write_status_and_fields(std::string& out, unsigned status, const Headers& headers) {
    const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    out.clear();
    out.reserve(64 + fields_size(headers));
    out += "HTTP/1.1 ";
    append_number(out, status);
    out += ' ';
    out.append(reason.data(), reason.size());
    out += "\r\n";
    append_fields(out, headers, false);
}

}  // namespace

void write_response_head(std::string& out, unsigned status, const Headers& headers, std::size_t body_bytes,
                         bool keep_alive) {
    write_status_and_fields(out, status, headers);
    if (!status_without_body(status)) {
        out += "Content-Length: ";
        append_number(out, body_bytes);
        out += "\r\n";
    }
    if (!keep_alive) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
}

void write_stream_head(std::string& out, unsigned status, const Headers& headers) {
    write_status_and_fields(out, status, headers);
    out += "Connection: close\r\n\r\n";
}

std::string request_head(std::string_view method, std::string_view target, std::string_view host,
                         const Headers& headers, std::size_t body_bytes) {
    std::string out;
    out.reserve(96 + target.size() + host.size() + fields_size(headers));
    append_clean(out, method);
    out += ' ';
    append_clean(out, target);
    out += " HTTP/1.1\r\nHost: ";
    append_clean(out, host);
    out += "\r\n";
    if (!headers.contains("User-Agent")) {
        out += "User-Agent: scn-tools\r\n";
    }
    append_fields(out, headers, true);
    if (body_bytes > 0 || method == "POST" || method == "PUT" || method == "PATCH") {
        out += "Content-Length: ";
        append_number(out, body_bytes);
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

}  // namespace scn::http::wire
