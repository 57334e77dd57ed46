#pragma once

#include <scn/scpi/common.hpp>

namespace scn::scpi {

SCN_ENUM(ConnectionStatus, CONNECTED, OFFLINE, PLANNED, SUSPENDED);

struct ClientInfo {
    std::string party_id;
    std::string country_code;
    Role role = Role::CPO;
    ConnectionStatus status = ConnectionStatus::PLANNED;
    TimePoint last_updated{};
    friend bool operator==(const ClientInfo&, const ClientInfo&) = default;
};
template <class V>
void describe(V& v, ClientInfo& x) {
    v("party_id", x.party_id, opt::CiString{3});
    v("country_code", x.country_code, opt::CiString{2});
    v("role", x.role);
    v("status", x.status);
    v("last_updated", x.last_updated);
}

}  // namespace scn::scpi
