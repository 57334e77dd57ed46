#include <scn/scpi/sessions.hpp>

namespace scn::scpi {

void apply_session_patch(boost::json::object& stored, const boost::json::value& patch) {
    if (!patch.is_object()) {
        throw ParseError("$", "a PATCH body must be a JSON object");
    }
    const auto& p = patch.get_object();
    if (!p.contains("last_updated")) {
        throw ParseError("$.last_updated", "missing required member (every PATCH must carry last_updated)");
    }
    boost::json::object merged = stored;
    for (const auto& member : p) {
        if (member.key() == "charging_periods") {
            if (!member.value().is_array()) {
                throw ParseError("$.charging_periods", "expected a list");
            }
            auto& periods = merged["charging_periods"];
            if (!periods.is_array()) {
                periods = boost::json::array();
            }
            for (const auto& period : member.value().get_array()) {
                periods.get_array().push_back(period);
            }
        } else {
            merged[member.key()] = member.value();
        }
    }
    (void)from_json<Session>(merged);  // the result must still be a valid Session
    stored = std::move(merged);
}

}  // namespace scn::scpi
