#pragma once

#include <scn/scpi/common.hpp>

namespace scn::scpi {

struct CredentialsRole {
    Role role = Role::CPO;
    BusinessDetails business_details;
    std::string party_id;
    std::string country_code;
    friend bool operator==(const CredentialsRole&, const CredentialsRole&) = default;
};
template <class V>
void describe(V& v, CredentialsRole& x) {
    v("role", x.role);
    v("business_details", x.business_details);
    v("party_id", x.party_id, opt::CiString{3});
    v("country_code", x.country_code, opt::CiString{2});
}

struct Credentials {
    std::string token;
    std::string url;
    std::vector<CredentialsRole> roles;
    friend bool operator==(const Credentials&, const Credentials&) = default;
};
template <class V>
void describe(V& v, Credentials& x) {
    v("token", x.token, opt::CiString{64});
    v("url", x.url, opt::String{255});
    v("roles", x.roles, opt::NonEmpty{});
}

}  // namespace scn::scpi
