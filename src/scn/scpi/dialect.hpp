#pragma once

// The two dialects the parties speak: SCPI 2.2, OCPI 2.2 renamed for the Smart Charging Network (`/scpi/` paths,
// `SCPI-From-Country-Code` headers, raw tokens as SCN nodes send them), and plain OCPI 2.2.1 between two parties
// (`/ocpi/` paths, `OCPI-from-country-code` headers, version `2.2.1`, Base64 tokens as OCPI 2.2.1 §4.1.2 asks).
// The code speaks SCPI throughout; a party in OCPI mode translates at its edges: request paths and headers as they
// arrive, URLs it hands out, headers and tokens it sends.

#include <optional>
#include <string>
#include <string_view>

namespace scn::scpi {

struct Dialect {
    std::string_view name;     ///< `scpi-2.2` or `ocpi-2.2.1`, as configured
    std::string_view prefix;   ///< the first path segment: `scpi` or `ocpi`
    std::string_view version;  ///< the version offered and looked for: `2.2` or `2.2.1`
    std::string_view from_country_code;
    std::string_view from_party_id;
    std::string_view to_country_code;
    std::string_view to_party_id;
    bool base64_tokens = false;  ///< Authorization carries the token Base64-encoded

    [[nodiscard]] bool is_ocpi() const { return prefix == "ocpi"; }

    /// A path or URL written in SCPI terms (`…/scpi/sender/2.2/locations?x`) in this dialect
    /// (`…/ocpi/sender/2.2.1/locations?x`): the `scpi` segment and `2.2` version segments after it are renamed.
    /// Anything without a `/scpi/` segment is returned as it is.
    [[nodiscard]] std::string path(std::string_view scpi) const;
    /// The reverse, for what arrives: a path of this dialect in SCPI terms.
    [[nodiscard]] std::string scpi_path(std::string_view path) const;
    /// The Authorization header value for `token`: `Token <token>`, Base64-encoded where the dialect says so.
    [[nodiscard]] std::string authorization(std::string_view token) const;
    /// This dialect's name for an SCPI routing header (`SCPI-From-Country-Code` → `OCPI-from-country-code`); other
    /// names unchanged.
    [[nodiscard]] std::string_view header(std::string_view scpi_name) const;
};

/// SCPI 2.2 (the default).
[[nodiscard]] const Dialect& scpi_dialect();
/// Plain OCPI 2.2.1.
[[nodiscard]] const Dialect& ocpi_dialect();
/// The dialect of a configured name (`scpi-2.2`, `ocpi-2.2.1`); nullopt for any other.
[[nodiscard]] const Dialect* dialect_named(std::string_view name);

}  // namespace scn::scpi
