#pragma once

#include <scn/scpi/common.hpp>

namespace scn::scpi {

SCN_ENUM(InterfaceRole, SENDER, RECEIVER);

/// The version string SCPI uses on the wire.
inline constexpr std::string_view kVersion = "2.2";

struct Version {
    std::string version;
    std::string url;
    friend bool operator==(const Version&, const Version&) = default;
};
template <class V>
void describe(V& v, Version& x) {
    v("version", x.version, opt::String{10});
    v("url", x.url, opt::String{255});
}

/// One (module, interface) a party serves. `identifier` stays a string: custom modules are allowed.
struct Endpoint {
    std::string identifier;
    InterfaceRole role = InterfaceRole::SENDER;
    std::string url;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};
template <class V>
void describe(V& v, Endpoint& x) {
    v("identifier", x.identifier, opt::String{64});
    v("role", x.role);
    v("url", x.url, opt::String{255});
}

struct VersionDetails {
    std::string version;
    std::vector<Endpoint> endpoints;
    friend bool operator==(const VersionDetails&, const VersionDetails&) = default;
};
template <class V>
void describe(V& v, VersionDetails& x) {
    v("version", x.version, opt::String{10});
    v("endpoints", x.endpoints, opt::NonEmpty{});
}

}  // namespace scn::scpi
