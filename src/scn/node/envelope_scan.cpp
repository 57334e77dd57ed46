#include <scn/node/envelope_scan.hpp>

#include <boost/json/basic_parser_impl.hpp>

namespace scn::node {
namespace {

using boost::json::string_view;
using boost::system::error_code;

/// A SAX handler that records the depth of the structure and the top-level status_code.
struct StatusHandler {
    constexpr static std::size_t max_object_size = std::size_t(-1);
    constexpr static std::size_t max_array_size = std::size_t(-1);
    constexpr static std::size_t max_key_size = std::size_t(-1);
    constexpr static std::size_t max_string_size = std::size_t(-1);

    int depth = 0;
    bool top_is_object = false;
    bool next_is_status = false;
    std::optional<std::int64_t> status_code;

    bool value_seen() {
        next_is_status = false;
        return true;
    }
    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) {
        if (depth == 0) {
            top_is_object = true;
        }
        ++depth;
        return value_seen();
    }
    bool on_object_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_array_begin(error_code&) {
        ++depth;
        return value_seen();
    }
    bool on_array_end(std::size_t, error_code&) {
        --depth;
        return true;
    }
    bool on_key_part(string_view, std::size_t, error_code&) { return true; }
    bool on_key(string_view key, std::size_t n, error_code&) {
        // `n` counts the key's earlier parts too; a split "status_code" key is not expected in 11 bytes.
        next_is_status = depth == 1 && n == key.size() && key == "status_code";
        return true;
    }
    bool on_string_part(string_view, std::size_t, error_code&) { return true; }
    bool on_string(string_view, std::size_t, error_code&) { return value_seen(); }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t v, string_view, error_code&) {
        if (next_is_status) {
            status_code = v;
        }
        return value_seen();
    }
    bool on_uint64(std::uint64_t v, string_view, error_code&) {
        if (next_is_status && v <= static_cast<std::uint64_t>(INT64_MAX)) {
            status_code = static_cast<std::int64_t>(v);
        }
        return value_seen();
    }
    bool on_double(double, string_view, error_code&) { return value_seen(); }
    bool on_bool(bool, error_code&) { return value_seen(); }
    bool on_null(error_code&) { return value_seen(); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

EnvelopeScan scan_envelope(std::string_view body) {
    boost::json::basic_parser<StatusHandler> parser(boost::json::parse_options{});
    error_code ec;
    const auto n = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || n != body.size() || !parser.done()) {
        return {};
    }
    return {parser.handler().top_is_object, parser.handler().status_code};
}

}  // namespace scn::node
