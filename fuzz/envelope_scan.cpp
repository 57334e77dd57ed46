// The node's one-pass check of a relayed answer must agree with a full JSON parse.
#include <scn/node/envelope_scan.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto scan = scn::node::scan_envelope(body);
    boost::system::error_code ec;
    const auto doc = boost::json::parse(body, ec);
    const bool object = !ec && doc.is_object();
    if (scan.json_object != object) {
        std::abort();
    }
    if (object) {
        const auto* code = doc.get_object().if_contains("status_code");
        const std::optional<std::int64_t> expected =
            code != nullptr && code->is_int64() ? std::optional<std::int64_t>(code->get_int64()) : std::nullopt;
        if (expected && scan.status_code != expected) {
            std::abort();
        }
    }
    return 0;
}
