// A tariff as a CPO may publish it, priced over a simulated session: pricing must finish (bounded periods) and
// never crash, whatever restrictions and step sizes it carries.
#include <scn/pricing/tariff_pricing.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/model.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    scn::scpi::Tariff tariff;
    try {
        tariff = scn::scpi::from_json<scn::scpi::Tariff>(
            scn::scpi::parse_json(std::string_view(reinterpret_cast<const char*>(data), size)));
    } catch (const scn::scpi::ParseError&) {
        return 0;
    }
    static const scn::pricing::TimeZone zone("Europe/Zurich");
    using namespace std::chrono;
    const scn::pricing::TimePoint start{milliseconds{1'700'000'000'000LL}};
    scn::pricing::SimulatedSession s;
    s.start = start;
    s.charging_end = start + hours(2) + minutes(7);
    s.end = s.charging_end + minutes(45);
    s.power_kw = 11;
    s.current_a = 16;
    try {
        const auto periods = scn::pricing::build_periods(&tariff, zone, s);
        (void)scn::pricing::price_periods(tariff, zone, s.start, s.end, periods);
    } catch (const std::invalid_argument&) {
        // a tariff the pricing refuses (said in the message)
    }
    return 0;
}
