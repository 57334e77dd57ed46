#pragma once

#include <scn/scpi/common.hpp>
#include <scn/scpi/sessions.hpp>

namespace scn::scpi {

SCN_ENUM(WhitelistType, ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER);
SCN_ENUM(AllowedType, ALLOWED, BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED);

struct EnergyContract {
    std::string supplier_name;
    std::optional<std::string> contract_id;
    friend bool operator==(const EnergyContract&, const EnergyContract&) = default;
};
template <class V>
void describe(V& v, EnergyContract& x) {
    v("supplier_name", x.supplier_name, opt::String{64});
    v("contract_id", x.contract_id, opt::String{64});
}

struct Token {
    std::string country_code;
    std::string party_id;
    std::string uid;
    TokenType type = TokenType::RFID;
    std::string contract_id;
    std::optional<std::string> visual_number;
    std::string issuer;
    std::optional<std::string> group_id;
    bool valid = true;
    WhitelistType whitelist = WhitelistType::ALLOWED;
    std::optional<std::string> language;
    std::optional<ProfileType> default_profile_type;
    std::optional<EnergyContract> energy_contract;
    TimePoint last_updated{};
    friend bool operator==(const Token&, const Token&) = default;
};
template <class V>
void describe(V& v, Token& x) {
    v("country_code", x.country_code, opt::CiString{2});
    v("party_id", x.party_id, opt::CiString{3});
    v("uid", x.uid, opt::CiString{36});
    v("type", x.type);
    v("contract_id", x.contract_id, opt::CiString{36});
    v("visual_number", x.visual_number, opt::String{64});
    v("issuer", x.issuer, opt::String{64});
    v("group_id", x.group_id, opt::CiString{36});
    v("valid", x.valid);
    v("whitelist", x.whitelist);
    v("language", x.language, opt::String{2});
    v("default_profile_type", x.default_profile_type);
    v("energy_contract", x.energy_contract);
    v("last_updated", x.last_updated);
}

struct LocationReferences {
    std::string location_id;
    std::vector<std::string> evse_uids;
    friend bool operator==(const LocationReferences&, const LocationReferences&) = default;
};
template <class V>
void describe(V& v, LocationReferences& x) {
    v("location_id", x.location_id, opt::CiString{36});
    v("evse_uids", x.evse_uids, opt::CiString{36});
}

struct AuthorizationInfo {
    AllowedType allowed = AllowedType::ALLOWED;
    Token token;
    std::optional<LocationReferences> location;
    std::optional<std::string> authorization_reference;
    std::optional<DisplayText> info;
    friend bool operator==(const AuthorizationInfo&, const AuthorizationInfo&) = default;
};
template <class V>
void describe(V& v, AuthorizationInfo& x) {
    v("allowed", x.allowed);
    v("token", x.token);
    v("location", x.location);
    v("authorization_reference", x.authorization_reference, opt::CiString{36});
    v("info", x.info);
}

/// The CdrToken a session or CDR carries for this token.
[[nodiscard]] inline CdrToken cdr_token_of(const Token& t) {
    return CdrToken{t.country_code, t.party_id, t.uid, t.type, t.contract_id};
}

}  // namespace scn::scpi
