#include <scn/party/location_generator.hpp>
#include <scn/scpi/locations.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace scn;

TEST(LocationGenerator, ProducesValidDistinctDeterministicLocations) {
    party::LocationGenerator a(42);
    party::LocationGenerator b(42);
    std::set<std::string> evse_uids;
    for (std::uint64_t i = 1; i <= 300; ++i) {
        const auto json = a.location(i, "2025-06-01T12:00:00.000Z");
        EXPECT_EQ(json, b.location(i, "2025-06-01T12:00:00.000Z")) << "same seed, same data";
        const auto loc = scpi::from_json<scpi::Location>(scpi::parse_json(json));
        EXPECT_EQ(loc.id, "Loc" + std::to_string(i));
        EXPECT_EQ(loc.country_code, "CH");
        ASSERT_GE(loc.evses.size(), 1u);
        ASSERT_LE(loc.evses.size(), 4u);
        for (const auto& e : loc.evses) {
            EXPECT_TRUE(evse_uids.insert(e.uid).second) << "EVSE uids are unique: " << e.uid;
            ASSERT_FALSE(e.connectors.empty());
            EXPECT_FALSE(e.connectors[0].tariff_ids.empty());
        }
    }
    party::LocationGenerator other(43);
    EXPECT_NE(other.location(1, "2025-06-01T12:00:00.000Z"),
              party::LocationGenerator(42).location(1, "2025-06-01T12:00:00.000Z"));
}
