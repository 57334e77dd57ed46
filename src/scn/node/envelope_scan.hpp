#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace scn::node {

/// What the node needs to know about a recipient's answer without building it: whether it is one JSON object,
/// and its top-level `status_code`.
struct EnvelopeScan {
    bool json_object = false;
    std::optional<std::int64_t> status_code;
};

/// Validates `body` as JSON in one pass, without allocating a document.
[[nodiscard]] EnvelopeScan scan_envelope(std::string_view body);

}  // namespace scn::node
