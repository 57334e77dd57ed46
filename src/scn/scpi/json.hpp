#pragma once

#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace scn::scpi {

/// A document that does not fit the SCPI model. `what()` reads `<path>: <reason>`, e.g.
/// `$.evses[0].connectors[1].power_type: unknown value "AC_4_PHASE"`.
class ParseError : public std::runtime_error {
public:
    ParseError(std::string path, std::string reason)
        : std::runtime_error(path + ": " + reason), path_(std::move(path)), reason_(std::move(reason)) {}
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const std::string& reason() const { return reason_; }

private:
    std::string path_;
    std::string reason_;
};

/// Parses JSON text; throws ParseError(`$`, "not valid JSON: …").
[[nodiscard]] boost::json::value parse_json(std::string_view text);

/// Serialises (like boost::json::serialize), but numbers are written as plain decimals (0.25, 7.7, 12), the way SCPI
/// peers and people expect them, instead of Boost's `2.5E-1`.
[[nodiscard]] std::string dump(const boost::json::value& value);
/// Appends the serialisation to `out` (no allocation beyond the growth of `out`).
void dump_to(std::string& out, const boost::json::value& value);

}  // namespace scn::scpi
