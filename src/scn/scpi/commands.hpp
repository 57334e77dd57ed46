#pragma once

#include <scn/scpi/tokens.hpp>

namespace scn::scpi {

SCN_ENUM(CommandType, CANCEL_RESERVATION, RESERVE_NOW, START_SESSION, STOP_SESSION, UNLOCK_CONNECTOR);
SCN_ENUM(CommandResponseType, NOT_SUPPORTED, REJECTED, ACCEPTED, UNKNOWN_SESSION);
SCN_ENUM(CommandResultType, ACCEPTED, CANCELED_RESERVATION, EVSE_OCCUPIED, EVSE_INOPERATIVE, FAILED, NOT_SUPPORTED,
         REJECTED, TIMEOUT, UNKNOWN_RESERVATION);

struct StartSession {
    std::string response_url;
    Token token;
    std::string location_id;
    std::optional<std::string> evse_uid;
    std::optional<std::string> connector_id;  ///< 2.2.1
    std::optional<std::string> authorization_reference;
    friend bool operator==(const StartSession&, const StartSession&) = default;
};
template <class V>
void describe(V& v, StartSession& x) {
    v("response_url", x.response_url, opt::String{255});
    v("token", x.token);
    v("location_id", x.location_id, opt::CiString{36});
    v("evse_uid", x.evse_uid, opt::CiString{36});
    v("connector_id", x.connector_id, opt::CiString{36}, opt::Since221{});
    v("authorization_reference", x.authorization_reference, opt::CiString{36});
}

struct StopSession {
    std::string response_url;
    std::string session_id;
    friend bool operator==(const StopSession&, const StopSession&) = default;
};
template <class V>
void describe(V& v, StopSession& x) {
    v("response_url", x.response_url, opt::String{255});
    v("session_id", x.session_id, opt::CiString{36});
}

struct ReserveNow {
    std::string response_url;
    Token token;
    TimePoint expiry_date{};
    std::string reservation_id;
    std::string location_id;
    std::optional<std::string> evse_uid;
    std::optional<std::string> authorization_reference;
    friend bool operator==(const ReserveNow&, const ReserveNow&) = default;
};
template <class V>
void describe(V& v, ReserveNow& x) {
    v("response_url", x.response_url, opt::String{255});
    v("token", x.token);
    v("expiry_date", x.expiry_date);
    v("reservation_id", x.reservation_id, opt::CiString{36});
    v("location_id", x.location_id, opt::CiString{36});
    v("evse_uid", x.evse_uid, opt::CiString{36});
    v("authorization_reference", x.authorization_reference, opt::CiString{36});
}

struct CancelReservation {
    std::string response_url;
    std::string reservation_id;
    friend bool operator==(const CancelReservation&, const CancelReservation&) = default;
};
template <class V>
void describe(V& v, CancelReservation& x) {
    v("response_url", x.response_url, opt::String{255});
    v("reservation_id", x.reservation_id, opt::CiString{36});
}

struct UnlockConnector {
    std::string response_url;
    std::string location_id;
    std::string evse_uid;
    std::string connector_id;
    friend bool operator==(const UnlockConnector&, const UnlockConnector&) = default;
};
template <class V>
void describe(V& v, UnlockConnector& x) {
    v("response_url", x.response_url, opt::String{255});
    v("location_id", x.location_id, opt::CiString{36});
    v("evse_uid", x.evse_uid, opt::CiString{36});
    v("connector_id", x.connector_id, opt::CiString{36});
}

struct CommandResponse {
    CommandResponseType result = CommandResponseType::ACCEPTED;
    int timeout = 30;
    std::vector<DisplayText> message;
    friend bool operator==(const CommandResponse&, const CommandResponse&) = default;
};
template <class V>
void describe(V& v, CommandResponse& x) {
    v("result", x.result);
    v("timeout", x.timeout);
    v("message", x.message);
}

struct CommandResult {
    CommandResultType result = CommandResultType::ACCEPTED;
    std::vector<DisplayText> message;
    friend bool operator==(const CommandResult&, const CommandResult&) = default;
};
template <class V>
void describe(V& v, CommandResult& x) {
    v("result", x.result);
    v("message", x.message);
}

}  // namespace scn::scpi
