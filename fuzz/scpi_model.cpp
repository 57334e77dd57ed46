// A JSON body read as each SCPI object a party or node accepts; whatever reads must write back and read again to
// the same JSON.
#include <scn/scpi/json.hpp>
#include <scn/scpi/model.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

template <typename T>
void round_trip(const boost::json::value& v) {
    T first;
    try {
        first = scn::scpi::from_json<T>(v);
    } catch (const scn::scpi::ParseError&) {
        return;  // refused with a JSON path: fine
    }
    const auto written = scn::scpi::to_json(first);
    const auto again = scn::scpi::from_json<T>(written);  // must read what it wrote
    if (boost::json::serialize(scn::scpi::to_json(again)) != boost::json::serialize(written)) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    boost::json::value v;
    try {
        v = scn::scpi::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const scn::scpi::ParseError&) {
        return 0;
    }
    using namespace scn::scpi;
    round_trip<Location>(v);
    round_trip<Evse>(v);
    round_trip<Connector>(v);
    round_trip<Session>(v);
    round_trip<Cdr>(v);
    round_trip<Tariff>(v);
    round_trip<Token>(v);
    round_trip<StartSession>(v);
    round_trip<ReserveNow>(v);
    round_trip<CommandResult>(v);
    round_trip<Credentials>(v);
    round_trip<ClientInfo>(v);
    round_trip<LocationReferences>(v);
    return 0;
}
