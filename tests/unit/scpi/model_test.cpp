// Every object of the model round-trips through JSON, filled completely and filled minimally; the shipped data
// files parse and round-trip.
#include <scn/scpi/model.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace scn::scpi;
namespace json = boost::json;

namespace {

/// Fills a model object through its describe() list: every member (complete) or only the required ones (minimal).
struct Filler {
    bool complete = true;

    template <typename M, typename... O>
    void operator()(std::string_view, M& member, O... opts) {
        const auto o = detail::options(opts...);
        if (o.since_221) {
            return;  // not written to 2.2 peers, so it cannot round-trip
        }
        fill(member, o);
    }

    template <typename M>
    void fill(M& m, const detail::Options& o) {
        if constexpr (detail::is_optional<M>::value) {
            if (complete) {
                typename M::value_type inner{};
                fill(inner, o);
                m = std::move(inner);
            }
        } else if constexpr (detail::is_vector<M>::value) {
            if (complete || o.non_empty) {
                typename M::value_type inner{};
                fill(inner, o);
                m = {inner, inner};
            }
        } else if constexpr (std::is_same_v<M, std::string>) {
            m = std::string(o.max > 0 ? std::min<std::size_t>(o.max, 3) : 3, 'Q');
        } else if constexpr (std::is_same_v<M, bool>) {
            m = true;
        } else if constexpr (std::is_integral_v<M>) {
            m = 7;
        } else if constexpr (std::is_floating_point_v<M>) {
            m = 1.25;
        } else if constexpr (std::is_same_v<M, TimePoint>) {
            m = *scn::core::parse_datetime("2019-10-14T15:45:11.353Z");
        } else if constexpr (detail::WireEnum<M>) {
            m = static_cast<M>(enum_names<M>().size() - 1);
        } else if constexpr (std::is_same_v<M, json::value>) {
            m = json::object{{"k", 1}};
        } else {
            describe(*this, m);
        }
    }
};

template <typename T>
void expect_round_trip(bool complete) {
    T original{};
    Filler f{complete};
    describe(f, original);
    const std::string text = dump(to_json(original));
    const T back = from_json<T>(parse_json(text));
    EXPECT_TRUE(back == original) << (complete ? "complete " : "minimal ") << text;
    EXPECT_EQ(dump(to_json(back)), text);
    EXPECT_EQ(to_text(original), text) << "the streaming writer writes exactly what the DOM writer writes";
}

template <typename... T>
void round_trip_all(bool complete) {
    (expect_round_trip<T>(complete), ...);
}

#define SCN_ALL_OBJECTS                                                                                                \
    DisplayText, Price, GeoLocation, Image, BusinessDetails, EnergySource, EnvironmentalImpact, EnergyMix, Version,    \
        Endpoint, VersionDetails, CredentialsRole, Credentials, AdditionalGeoLocation, PublishTokenType, RegularHours, \
        ExceptionalPeriod, Hours, StatusSchedule, Connector, Evse, Location, PriceComponent, TariffRestrictions,       \
        TariffElement, Tariff, CdrDimension, ChargingPeriod, CdrToken, CdrLocation, SignedValue, SignedData, Cdr,      \
        Session, ChargingPreferences, EnergyContract, Token, LocationReferences, AuthorizationInfo, StartSession,      \
        StopSession, ReserveNow, CancelReservation, UnlockConnector, CommandResponse, CommandResult, ClientInfo

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

template <typename T>
void expect_data_file_round_trips(const std::string& file) {
    const auto doc = parse_json(read_file(std::string(SCN_SOURCE_DIR) + "/" + file));
    ASSERT_TRUE(doc.is_array()) << file;
    ASSERT_FALSE(doc.get_array().empty()) << file;
    for (std::size_t i = 0; i < doc.get_array().size(); ++i) {
        const auto& element = doc.get_array()[i];
        const T parsed = from_json<T>(element, "$[" + std::to_string(i) + "]");
        const auto written = to_json(parsed);
        EXPECT_TRUE(from_json<T>(parse_json(dump(written))) == parsed) << file << " #" << i;
        EXPECT_EQ(to_text(parsed), dump(written)) << file << " #" << i;
        // Nothing in the shipped files is unknown to the model, so nothing may be lost on the way through.
        for (const auto& member : element.get_object()) {
            if (!member.key().starts_with("mock_")) {
                EXPECT_TRUE(written.get_object().contains(member.key()))
                    << file << " #" << i << " lost " << member.key();
            }
        }
    }
}

}  // namespace

TEST(Model, EveryObjectRoundTripsWithAllMembers) {
    round_trip_all<SCN_ALL_OBJECTS>(true);
}

TEST(Model, EveryObjectRoundTripsWithOnlyRequiredMembers) {
    round_trip_all<SCN_ALL_OBJECTS>(false);
}

TEST(Model, MinimalObjectsOmitAbsentMembers) {
    Location l{};
    Filler f{false};
    describe(f, l);
    const auto obj = to_json(l).get_object();
    EXPECT_FALSE(obj.contains("name"));
    EXPECT_FALSE(obj.contains("evses")) << "an empty optional list is left out";
    EXPECT_TRUE(obj.contains("coordinates"));
    EXPECT_TRUE(obj.contains("last_updated"));
}

TEST(Model, ShippedDataFilesAreValidAndRoundTrip) {
    expect_data_file_round_trips<Location>("data/cpo/locations.json");
    expect_data_file_round_trips<Tariff>("data/cpo/tariffs.json");
    expect_data_file_round_trips<Session>("data/cpo/sessions.json");
    expect_data_file_round_trips<Cdr>("data/cpo/cdrs.json");
    expect_data_file_round_trips<Token>("data/msp/tokens.json");
}

TEST(Model, LocationFieldsAreReadFromTheWire) {
    const auto doc = parse_json(read_file(std::string(SCN_SOURCE_DIR) + "/data/cpo/locations.json"));
    const auto loc = from_json<Location>(doc.get_array()[0]);
    EXPECT_EQ(loc.id, "Loc1");
    ASSERT_EQ(loc.evses.size(), 2u);
    EXPECT_EQ(loc.evses[0].uid, "CH-CPO-S1E100001");
    EXPECT_EQ(loc.evses[0].connectors[0].power_type, PowerType::AC_3_PHASE);
    EXPECT_EQ(loc.evses[0].connectors[0].max_voltage, 220);
    EXPECT_EQ(loc.evses[0].connectors[0].tariff_ids, std::vector<std::string>{"1"});
    ASSERT_TRUE(loc.operator_);
    EXPECT_TRUE(to_json(loc).get_object().contains("operator"));
    EXPECT_NE(loc.find_evse("CH-CPO-S1E100002"), nullptr);
    EXPECT_EQ(loc.find_evse("nope"), nullptr);
}

TEST(Model, TolerantReading) {
    // Unknown members are ignored; 2.2.1 additions are accepted; unknown informational enum values are dropped.
    const auto evse = from_json<Evse>(parse_json(R"({"uid":"E1","status":"AVAILABLE","future_member":{"x":1},
        "capabilities":["RFID_READER","TELEPORTATION","START_SESSION_CONNECTOR_REQUIRED"],
        "connectors":[{"id":"1","standard":"GBT_AC","format":"CABLE","power_type":"AC_2_PHASE_SPLIT",
                       "max_voltage":230,"max_amperage":16,"last_updated":"2019-10-14T15:45:11Z"}],
        "last_updated":"2019-10-14T15:45:11Z"})"));
    EXPECT_EQ(evse.capabilities,
              (std::vector<Capability>{Capability::RFID_READER, Capability::START_SESSION_CONNECTOR_REQUIRED}));
    EXPECT_EQ(evse.connectors[0].standard, ConnectorType::GBT_AC);
    const auto start = from_json<StartSession>(parse_json(R"({"response_url":"http://m/r","location_id":"Loc1",
        "evse_uid":"E1","connector_id":"1","token":{"country_code":"CH","party_id":"MSP","uid":"0","type":"AD_HOC_USER",
        "contract_id":"0","issuer":"test MSP","valid":true,"whitelist":"NEVER","last_updated":"2019-10-14T15:45:11.353Z"}})"));
    EXPECT_EQ(start.connector_id, "1");
    EXPECT_FALSE(to_json(start).get_object().contains("connector_id")) << "a 2.2 peer is not sent 2.2.1 members";
    // null counts as absent
    const auto price = from_json<Price>(parse_json(R"({"excl_vat":1,"incl_vat":null})"));
    EXPECT_FALSE(price.incl_vat);
}

TEST(Enums, EveryValueRoundTripsAndUnknownValuesAreRefused) {
    auto check = [](auto e) {
        using E = decltype(e);
        const auto& names = enum_names<E>();
        ASSERT_FALSE(names.empty());
        for (std::size_t i = 0; i < names.size(); ++i) {
            const auto v = static_cast<E>(i);
            EXPECT_EQ(enum_from_string<E>(to_string(v)), v) << names[i];
        }
        EXPECT_FALSE(enum_from_string<E>("NOT_A_VALUE"));
        EXPECT_FALSE(enum_from_string<E>(""));
    };
    check(Role{});
    check(ImageCategory{});
    check(EnergySourceCategory{});
    check(EnvironmentalImpactCategory{});
    check(TokenType{});
    check(ConnectorType{});
    check(ConnectorFormat{});
    check(PowerType{});
    check(InterfaceRole{});
    check(Status{});
    check(Capability{});
    check(ParkingType{});
    check(ParkingRestriction{});
    check(Facility{});
    check(TariffType{});
    check(TariffDimensionType{});
    check(DayOfWeek{});
    check(ReservationRestrictionType{});
    check(AuthMethod{});
    check(CdrDimensionType{});
    check(SessionStatus{});
    check(ProfileType{});
    check(ChargingPreferencesResponse{});
    check(WhitelistType{});
    check(AllowedType{});
    check(CommandType{});
    check(CommandResponseType{});
    check(CommandResultType{});
    check(ConnectionStatus{});
    EXPECT_EQ(to_string(ConnectorType::IEC_60309_2_single_16), "IEC_60309_2_single_16") << "mixed case is kept";
    EXPECT_EQ(enum_names<ConnectorType>().size(), 40u);
    EXPECT_EQ(enum_names<Role>().size(), 7u);
    EXPECT_FALSE(enum_from_string<Status>("available")) << "values are case-sensitive";
}

TEST(SessionPatch, AppendsChargingPeriodsAndReplacesOtherMembers) {
    auto stored =
        parse_json(read_file(std::string(SCN_SOURCE_DIR) + "/data/cpo/sessions.json")).get_array()[0].get_object();
    apply_session_patch(stored, parse_json(R"({"kwh":13.5,"status":"ACTIVE","last_updated":"2019-10-14T10:05:00Z",
        "charging_periods":[{"start_date_time":"2019-10-14T10:00:00Z","dimensions":[{"type":"ENERGY","volume":1.5}]}]})"));
    const auto s = from_json<Session>(stored);
    EXPECT_EQ(s.kwh, 13.5);
    EXPECT_EQ(s.status, SessionStatus::ACTIVE);
    ASSERT_EQ(s.charging_periods.size(), 2u);
    EXPECT_EQ(s.charging_periods[1].dimensions[0].volume, 1.5);
    apply_session_patch(stored, parse_json(R"({"kwh":14,"last_updated":"2019-10-14T10:06:00Z"})"));
    EXPECT_EQ(from_json<Session>(stored).charging_periods.size(), 2u) << "absent periods change nothing";
}

TEST(SessionPatch, RefusesPatchesWithoutLastUpdatedOrThatBreakTheSession) {
    auto stored =
        parse_json(read_file(std::string(SCN_SOURCE_DIR) + "/data/cpo/sessions.json")).get_array()[0].get_object();
    const auto before = stored;
    EXPECT_THROW(apply_session_patch(stored, parse_json(R"({"kwh":1})")), ParseError);
    EXPECT_THROW(
        apply_session_patch(stored, parse_json(R"({"status":"SLEEPING","last_updated":"2019-10-14T10:06:00Z"})")),
        ParseError);
    EXPECT_THROW(apply_session_patch(stored, parse_json(R"([1])")), ParseError);
    EXPECT_EQ(stored, before) << "a refused patch changes nothing";
}

TEST(Model, IntegersThatDoNotFitAreRefusedNotWrapped) {
    // Found by fuzz_tariff_pricing: a step_size of 1e68 was converted to an integer (undefined behaviour).
    using scn::scpi::PriceComponent;
    const auto read = [](const char* step) {
        return scn::scpi::from_json<PriceComponent>(
            boost::json::parse(std::string(R"({"type":"ENERGY","price":0.25,"vat":7.7,"step_size":)") + step + "}"));
    };
    EXPECT_EQ(read("1000").step_size, 1000);
    EXPECT_EQ(read("900.0").step_size, 900) << "a whole double is a whole number";
    for (const char* bad : {"1e68", "-1e68", "3000000000", "18446744073709551615", "1.5"}) {
        try {
            (void)read(bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const scn::scpi::ParseError& e) {
            EXPECT_NE(std::string(e.what()).find("step_size"), std::string::npos) << e.what();
        }
    }
}
