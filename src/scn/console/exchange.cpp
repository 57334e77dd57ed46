#include <scn/console/exchange.hpp>
#include <scn/core/datetime.hpp>
#include <scn/core/text.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace scn::console {
namespace json = boost::json;

std::string_view to_string(Direction d) {
    switch (d) {
        case Direction::in:
            return "in";
        case Direction::out:
            return "out";
        case Direction::routed:
            return "routed";
    }
    return "in";
}

Body keep_body(std::string&& body, std::size_t cap) {
    Body b;
    b.size = body.size();
    b.cut = body.size() > cap;
    if (b.cut) {
        b.text.assign(body, 0, cap);
    } else {
        b.text = std::move(body);
    }
    return b;
}

void copy_body(Body& out, std::string_view body, std::size_t cap) {
    out.owner.reset();
    out.shared = {};
    out.tail.clear();
    out.size = body.size();
    out.cut = body.size() > cap;
    out.text.assign(body.substr(0, cap));
}

Body copy_body(std::string_view body, std::size_t cap) {
    Body b;
    copy_body(b, body, cap);
    return b;
}

void keep_response(Body& out, const http::Response& response, std::size_t cap) {
    const auto size = response.body_size();
    if (response.shared && !response.file && size <= cap) {
        out.text.assign(response.body);  // the envelope's head and tail; the data by reference
        out.owner = response.shared->owner;
        out.shared = response.shared->bytes;
        out.tail.assign(response.tail);
        out.size = size;
        out.cut = false;
        return;
    }
    // A file part is written by the kernel, and a large shared part is not kept alive (it may be a pooled page
    // buffer): the start of the body is copied.
    copy_body(out, response.body, cap);
    if (response.shared && !response.file && out.text.size() < cap) {
        out.text.append(response.shared->bytes.substr(0, cap - out.text.size()));
        out.text.append(std::string_view(response.tail).substr(0, cap - out.text.size()));
    }
    out.size = size;
    out.cut = size > out.text.size();
}

Body response_body(const http::Response& response, std::size_t cap) {
    Body b;
    keep_response(b, response, cap);
    return b;
}

std::string mask_secret(std::string_view secret) {
    const std::size_t keep = secret.size() >= 12 ? 4 : 0;
    return std::string(secret.substr(0, keep)) + "\xE2\x80\xA6(" + std::to_string(secret.size()) + ")";
}

namespace {

bool contains_ci(std::string_view text, std::string_view word) {
    const auto lower = core::ascii_lower(text);
    return lower.find(word) != std::string::npos;
}

bool secret_header(std::string_view name) {
    static constexpr std::array<std::string_view, 6> kWords{"token",    "key",    "secret",
                                                            "password", "cookie", "signature"};
    return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return contains_ci(name, w); });
}

bool secret_member(std::string_view name) {
    static constexpr std::array<std::string_view, 11> kNames{"token",    "token_a",       "token_b",    "token_c",
                                                             "api_key",  "apikey",        "key",        "secret",
                                                             "password", "authorization", "private_key"};
    const auto lower = core::ascii_lower(name);
    return std::find(kNames.begin(), kNames.end(), lower) != kNames.end();
}

}  // namespace

std::string mask_header(std::string_view name, std::string_view value) {
    if (http::iequals(name, "Authorization")) {
        const auto space = value.find(' ');
        if (space == std::string_view::npos) {
            return mask_secret(value);
        }
        return std::string(value.substr(0, space + 1)) + mask_secret(value.substr(space + 1));
    }
    if (secret_header(name)) {
        return mask_secret(value);
    }
    return std::string(value);
}

void mask_json(json::value& v) {
    if (auto* o = v.if_object()) {
        for (auto& [key, member] : *o) {
            if (member.is_string() && secret_member(key)) {
                member = mask_secret(member.get_string());
            } else {
                mask_json(member);
            }
        }
    } else if (auto* a = v.if_array()) {
        for (auto& element : *a) {
            mask_json(element);
        }
    }
}

std::string mask_text(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        const auto at = text.find("Token ", pos);
        if (at == std::string_view::npos) {
            out.append(text.substr(pos));
            return out;
        }
        const auto start = at + 6;
        auto end = start;
        while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != '\n' && text[end] != '\r' &&
               text[end] != '\'') {
            ++end;
        }
        out.append(text.substr(pos, start - pos)).append(mask_secret(text.substr(start, end - start)));
        pos = end;
    }
}

std::string module_of(std::string_view path) {
    // /scpi/versions[/2.2], /scpi/2.2, /scpi/2.2/{module}[/…], /scpi/{sender|receiver}/2.2/{module}[/…],
    // /scpi/2.2/{sender|receiver}/{module}[/…], /scpi/custom/{interface}/{module}; the same under /ocpi/.
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos < path.size() && parts.size() < 5) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto next = path.find('/', pos);
        parts.push_back(path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
        pos = next == std::string_view::npos ? path.size() : next;
    }
    if (parts.size() >= 2 && parts[0] == "scn" && parts[1] == "message") {
        return "message";
    }
    if (parts.size() < 2 || (parts[0] != "scpi" && parts[0] != "ocpi")) {
        return "";
    }
    const auto version = [](std::string_view p) { return p == "2.2" || p == "2.2.1"; };
    const auto role = [](std::string_view p) { return p == "sender" || p == "receiver"; };
    if (parts[1] == "versions" || (version(parts[1]) && parts.size() == 2)) {
        return "versions";
    }
    if (parts[1] == "custom") {
        return parts.size() >= 4 ? core::ascii_lower(parts[3]) : "custom";
    }
    if (role(parts[1]) && parts.size() >= 4) {
        return core::ascii_lower(parts[3]);
    }
    if (version(parts[1]) && parts.size() >= 3) {
        if (role(parts[2])) {
            return parts.size() >= 4 ? core::ascii_lower(parts[3]) : "";
        }
        return core::ascii_lower(parts[2]);
    }
    return "";
}

namespace {

struct Routing {
    std::string from_cc, from_pid, to_cc, to_pid, request_id, correlation_id;
};

/// The header fields as a JSON object with secrets masked; the routing headers and ids picked out on the way (in
/// any dialect: `SCPI-From-Country-Code`, `OCPI-from-country-code`).
json::object header_object(const http::Headers& headers, Routing* routing) {
    json::object out;
    for (const auto& [name, value] : headers) {
        out[name] = mask_header(name, value);
        if (routing == nullptr) {
            continue;
        }
        const auto lower = core::ascii_lower(name);
        const auto ends = [&](std::string_view suffix) { return lower.ends_with(suffix); };
        if (ends("from-country-code")) {
            routing->from_cc = value;
        } else if (ends("from-party-id")) {
            routing->from_pid = value;
        } else if (ends("to-country-code")) {
            routing->to_cc = value;
        } else if (ends("to-party-id")) {
            routing->to_pid = value;
        } else if (lower == "x-request-id") {
            routing->request_id = value;
        } else if (lower == "x-correlation-id") {
            routing->correlation_id = value;
        }
    }
    return out;
}

/// A body as JSON when it is JSON (secrets masked), as masked text otherwise, null when empty.
json::value body_value(const Body& b, std::optional<std::int64_t>* status_code) {
    const auto joined = b.joined();
    const std::string_view text = joined;
    if (text.empty()) {
        return nullptr;
    }
    if (!b.cut) {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        if (!ec) {
            if (status_code != nullptr) {
                if (const auto* o = v.if_object()) {
                    if (const auto* s = o->if_contains("status_code"); s != nullptr && s->is_int64()) {
                        *status_code = s->get_int64();
                    }
                }
            }
            mask_json(v);
            return v;
        }
    }
    return json::string(mask_text(text));
}

}  // namespace

json::value to_json(const Exchange& x) {
    json::object o;
    o["seq"] = x.seq;
    o["at"] = core::format_datetime(x.at);
    o["latency_ms"] = static_cast<double>(x.latency.count()) / 1e6;
    o["direction"] = to_string(x.direction);
    o["method"] = x.method;
    o["path"] = x.path;
    o["query"] = x.query;
    o["module"] = module_of(x.path);
    Routing routing;
    o["request_headers"] = header_object(x.request_headers, &routing);
    o["response_headers"] = header_object(x.response_headers, nullptr);
    const auto party = [](const std::string& cc, const std::string& pid) {
        return cc.empty() && pid.empty() ? std::string() : cc + "/" + pid;
    };
    o["from"] = party(routing.from_cc, routing.from_pid);
    o["to"] = party(routing.to_cc, routing.to_pid);
    o["request_id"] = routing.request_id;
    o["correlation_id"] = routing.correlation_id;
    o["status"] = x.status;
    std::optional<std::int64_t> scpi_status;
    o["request_body"] = body_value(x.request_body, nullptr);
    o["response_body"] = body_value(x.response_body, &scpi_status);
    if (scpi_status) {
        o["scpi_status"] = *scpi_status;
    } else {
        o["scpi_status"] = nullptr;
    }
    o["request_size"] = x.request_body.size;
    o["response_size"] = x.response_body.size;
    o["request_cut"] = x.request_body.cut;
    o["response_cut"] = x.response_body.cut;
    return o;
}

}  // namespace scn::console
