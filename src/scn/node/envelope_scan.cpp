#include <scn/node/envelope_scan.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <string>

namespace scn::node {
namespace {
namespace json = boost::json;

// Boost.JSON's SAX parser (strict RFC 8259, UTF-8 checked) with a handler that keeps no document: it notes whether
// the document is an object and the last integer given to its top-level "status_code". The node runs it on every
// answer it relays. tests/unit/node/envelope_scan_test.cpp checks its verdicts against json::parse.
struct EnvelopeHandler {
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    std::size_t depth = 0;
    bool object = false;     // the top-level value (the only value at depth 0) is an object
    bool at_status = false;  // the value that comes next is the top-level status_code
    std::string key;         // a top-level key that arrived in parts (escapes)
    std::optional<std::int64_t> status;

    void value_seen() {
        if (at_status) {
            status.reset();  // a later non-integer status_code replaces an earlier integer, as in a document
            at_status = false;
        }
    }
    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        if (depth == 0) {
            object = true;
        }
        value_seen();
        ++depth;
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        --depth;
        return true;
    }
    bool on_array_begin(json::error_code&) {
        value_seen();
        ++depth;
        return true;
    }
    bool on_array_end(std::size_t, json::error_code&) {
        --depth;
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        if (depth == 1) {
            key.append(s.data(), s.size());
        }
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        if (depth == 1) {
            if (key.empty()) {
                at_status = s == "status_code";
            } else {
                key.append(s.data(), s.size());
                at_status = key == "status_code";
                key.clear();
            }
        }
        return true;
    }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) {
        value_seen();
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        if (at_status) {
            status = i;
            at_status = false;
        }
        return true;
    }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) {
        value_seen();  // above INT64_MAX: not a status code
        return true;
    }
    bool on_double(double, json::string_view, json::error_code&) {
        value_seen();
        return true;
    }
    bool on_bool(bool, json::error_code&) {
        value_seen();
        return true;
    }
    bool on_null(json::error_code&) {
        value_seen();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

EnvelopeScan scan_envelope(std::string_view body) {
    json::parse_options options;
    options.max_depth = 1000;
    json::basic_parser<EnvelopeHandler> parser(options);
    json::error_code ec;
    const auto used = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || used != body.size() || !parser.handler().object) {
        return {};
    }
    return {true, parser.handler().status};
}

}  // namespace scn::node
