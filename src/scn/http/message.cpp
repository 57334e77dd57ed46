#include <scn/core/hex.hpp>
#include <scn/http/message.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unistd.h>

namespace scn::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods{{{Method::get, "GET"},
                                                                       {Method::post, "POST"},
                                                                       {Method::put, "PUT"},
                                                                       {Method::patch, "PATCH"},
                                                                       {Method::del, "DELETE"},
                                                                       {Method::head, "HEAD"},
                                                                       {Method::options, "OPTIONS"}}};

}  // namespace

std::string_view to_string(Method m) {
    for (const auto& [method, name] : kMethods) {
        if (method == m) {
            return name;
        }
    }
    return "OTHER";
}

Method method_from_string(std::string_view text) {
    for (const auto& [method, name] : kMethods) {
        if (name == text) {
            return method;
        }
    }
    return Method::other;
}

bool iequals(std::string_view a, std::string_view b) {
    // ASCII case folding inline: header names are ASCII, and std::tolower goes through the locale on every call.
    const auto fold = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; };
    if (a.size() != b.size()) {
        return false;
    }
    if (std::memcmp(a.data(), b.data(), a.size()) == 0) {
        return true;  // the usual case: the name is written the way it is looked up
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (fold(a[i]) != fold(b[i])) {
            return false;
        }
    }
    return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& e : entries_) {
        if (e.name_size == name.size() && iequals(name_of(e), name)) {
            return value_of(e);
        }
    }
    return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
    remove(name);
    add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
    if (text_.size() + name.size() + value.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("header fields larger than 4 GB");
    }
    if (entries_.empty()) {
        // Room for a typical message's fields at once rather than by doubling.
        entries_.reserve(12);
        text_.reserve(std::max<std::size_t>(384, name.size() + value.size()));
    }
    const auto at = static_cast<std::uint32_t>(text_.size());
    text_.append(name).append(value);
    entries_.push_back({at, static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(value.size())});
}

void Headers::remove(std::string_view name) {
    // The removed characters stay in the buffer until the headers go away; fields are rarely removed.
    std::erase_if(entries_, [&](const Entry& e) { return e.name_size == name.size() && iequals(name_of(e), name); });
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const int hi = core::hex_value(text[i + 1]);
        const int lo = core::hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0x0F];
        }
    }
    return out;
}

std::string with_query(std::string url, const std::vector<std::pair<std::string, std::string>>& query) {
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : query) {
        url += sep;
        url += percent_encode(k);
        url += '=';
        url += percent_encode(v);
        sep = '&';
    }
    return url;
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [n, v] : path_params) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

std::vector<std::pair<std::string, std::string>> Request::query_params() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    while (pos < query.size()) {
        const auto amp = query.find('&', pos);
        const std::string_view piece = std::string_view(query).substr(pos, amp == std::string::npos ? amp : amp - pos);
        if (!piece.empty()) {
            const auto eq = piece.find('=');
            const auto key = percent_decode(piece.substr(0, eq));
            const auto value =
                eq == std::string_view::npos ? std::optional<std::string>("") : percent_decode(piece.substr(eq + 1));
            out.emplace_back(key.value_or(std::string(piece.substr(0, eq))),
                             value.value_or(std::string(eq == std::string_view::npos ? "" : piece.substr(eq + 1))));
        }
        if (amp == std::string::npos) {
            break;
        }
        pos = amp + 1;
    }
    return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    for (auto& [k, v] : query_params()) {
        if (k == name) {
            return std::move(v);
        }
    }
    return std::nullopt;
}

void Response::inline_file() {
    if (!file && shared) {
        body.append(shared->bytes);
        body += tail;
        tail.clear();
        shared.reset();
        return;
    }
    if (!file) {
        return;
    }
    const std::size_t at = body.size();
    body.resize(at + static_cast<std::size_t>(file->length));
    std::size_t done = 0;
    while (done < file->length) {
        const auto n = ::pread(file->fd, body.data() + at + done, static_cast<std::size_t>(file->length) - done,
                               static_cast<off_t>(file->offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw std::runtime_error("reading a response body from its file failed");
        }
        done += static_cast<std::size_t>(n);
    }
    body += tail;
    tail.clear();
    file.reset();
}

Response Response::json(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

Response Response::text(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.headers.add("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
}

}  // namespace scn::http
