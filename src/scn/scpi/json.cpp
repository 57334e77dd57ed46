#include <scn/scpi/json.hpp>

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <cmath>

namespace scn::scpi {
namespace json = boost::json;

json::value parse_json(std::string_view text) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 64;
    json::value v = json::parse(text, ec, {}, options);
    if (ec) {
        throw ParseError("$", "not valid JSON: " + ec.message());
    }
    return v;
}

namespace {

void write_string(std::string& out, std::string_view s) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0x0F];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void write_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    std::array<char, 400> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
    out.append(buf.data(), r.ptr);
}

template <typename Int>
void write_int(std::string& out, Int n) {
    std::array<char, 24> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out.append(buf.data(), r.ptr);
}

}  // namespace

namespace detail {
void append_string(std::string& out, std::string_view s) {
    write_string(out, s);
}
void append_double(std::string& out, double d) {
    write_double(out, d);
}
}  // namespace detail

void dump_to(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            out += "null";
            break;
        case json::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            break;
        case json::kind::int64:
            write_int(out, v.get_int64());
            break;
        case json::kind::uint64:
            write_int(out, v.get_uint64());
            break;
        case json::kind::double_:
            write_double(out, v.get_double());
            break;
        case json::kind::string:
            write_string(out, v.get_string());
            break;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                dump_to(out, e);
            }
            out += ']';
            break;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& m : v.get_object()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                write_string(out, m.key());
                out += ':';
                dump_to(out, m.value());
            }
            out += '}';
            break;
        }
    }
}

std::string dump(const json::value& value) {
    std::string out;
    out.reserve(256);
    dump_to(out, value);
    return out;
}

}  // namespace scn::scpi
