#include <scn/core/base64.hpp>
#include <scn/scpi/dialect.hpp>
#include <scn/scpi/protocol.hpp>

#include <array>

namespace scn::scpi {

namespace {

constexpr Dialect kScpi{
    "scpi-2.2",         "scpi", "2.2", header::kFromCountryCode, header::kFromPartyId, header::kToCountryCode,
    header::kToPartyId, false};
constexpr Dialect kOcpi{
    "ocpi-2.2.1",       "ocpi", "2.2.1", "OCPI-from-country-code", "OCPI-from-party-id", "OCPI-to-country-code",
    "OCPI-to-party-id", true};

/// Renames the `/{from_prefix}/` segment to `/{to_prefix}/`, and the version segment after it (the first or second
/// segment: `/scpi/2.2/credentials`, `/scpi/versions/2.2`, `/scpi/sender/2.2/…`) from `from_version` to `to_version`;
/// object ids further down are left alone, whatever they look like.
std::string translate(std::string_view text, std::string_view from_prefix, std::string_view to_prefix,
                      std::string_view from_version, std::string_view to_version) {
    const std::string marker = "/" + std::string(from_prefix) + "/";
    const auto at = text.find(marker);
    if (at == std::string_view::npos) {
        return std::string(text);
    }
    const auto end = text.find_first_of("?#", at);
    const std::string_view path =
        text.substr(at + marker.size(), end == std::string_view::npos ? text.npos : end - at - marker.size());
    std::string out(text.substr(0, at));
    out.append("/").append(to_prefix).append("/");
    std::size_t start = 0;
    bool renamed = false;
    for (int index = 0; start <= path.size(); ++index) {
        const auto slash = path.find('/', start);
        const auto segment = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
        const bool version = !renamed && index < 2 && segment == from_version;
        renamed = renamed || version;
        out.append(version ? to_version : segment);
        if (slash == std::string_view::npos) {
            break;
        }
        out.append("/");
        start = slash + 1;
    }
    if (end != std::string_view::npos) {
        out.append(text.substr(end));
    }
    return out;
}

}  // namespace

std::string Dialect::path(std::string_view scpi) const {
    if (!is_ocpi()) {
        return std::string(scpi);
    }
    return translate(scpi, kScpi.prefix, prefix, kScpi.version, version);
}

std::string Dialect::scpi_path(std::string_view p) const {
    if (!is_ocpi()) {
        return std::string(p);
    }
    return translate(p, prefix, kScpi.prefix, version, kScpi.version);
}

std::string Dialect::authorization(std::string_view token) const {
    return "Token " + (base64_tokens ? core::base64_encode(token) : std::string(token));
}

std::string_view Dialect::header(std::string_view scpi_name) const {
    const std::array<std::pair<std::string_view, std::string_view>, 4> names{{
        {kScpi.from_country_code, from_country_code},
        {kScpi.from_party_id, from_party_id},
        {kScpi.to_country_code, to_country_code},
        {kScpi.to_party_id, to_party_id},
    }};
    for (const auto& [scpi, own] : names) {
        if (scpi == scpi_name) {
            return own;
        }
    }
    return scpi_name;
}

const Dialect& scpi_dialect() {
    return kScpi;
}

const Dialect& ocpi_dialect() {
    return kOcpi;
}

const Dialect* dialect_named(std::string_view name) {
    if (name == kScpi.name) {
        return &kScpi;
    }
    if (name == kOcpi.name) {
        return &kOcpi;
    }
    return nullptr;
}

}  // namespace scn::scpi
