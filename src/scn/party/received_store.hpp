#pragma once

#include <scn/core/clock.hpp>
#include <scn/party/party_store.hpp>
#include <scn/store/catalog.hpp>
#include <scn/store/database.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scn::party {

/// Compares two CiStrings (country codes, party ids, object ids): ASCII, case-insensitive.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// What a party receives from others and keeps as pushed: Locations and Tariffs of CPOs (receiver interfaces,
/// OCPI 2.2 §8.2.2 and §11.2.2), and the ClientInfo objects the node pushes (HubClientInfo, OCPI 2.2 §12.2.2).
/// Objects are kept as JSON text per owner (country_code, party_id) and id, with their `last_updated` for ordering.
/// The tables live in the party's database (created on construction when missing); country codes and party ids are
/// kept upper-case, since they are case-insensitive CiStrings.
class ReceivedStore {
public:
    explicit ReceivedStore(store::Database& db);

    // Locations, whole (EVSEs and connectors inside). put_location returns true when the location is new.
    [[nodiscard]] std::optional<std::string> location(const ObjectKey& key);
    bool put_location(const ObjectKey& key, std::string_view json, core::TimePoint last_updated);
    [[nodiscard]] std::size_t count_locations();

    // Tariffs. put_tariff returns true when the tariff is new, delete_tariff whether there was one.
    [[nodiscard]] std::optional<std::string> tariff(const ObjectKey& key);
    bool put_tariff(const ObjectKey& key, std::string_view json, core::TimePoint last_updated);
    bool delete_tariff(const ObjectKey& key);
    [[nodiscard]] std::size_t count_tariffs();

    // Client infos, one per (country_code, party_id), replaced by every PUT; paged by last_updated.
    [[nodiscard]] std::optional<std::string> client_info(std::string_view country_code, std::string_view party_id);
    void put_client_info(std::string_view country_code, std::string_view party_id, std::string_view json,
                         core::TimePoint last_updated);
    [[nodiscard]] std::vector<std::string> client_infos();
    [[nodiscard]] std::size_t count_client_infos(const store::TimeWindow& window);
    void page_client_infos(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                           const std::function<void(std::string_view)>& emit);

private:
    std::optional<std::string> get(std::string_view table, const ObjectKey& key);
    bool put(std::string_view table, const ObjectKey& key, std::string_view json, core::TimePoint last_updated);
    std::size_t count(std::string_view table);

    store::Database& db_;
};

}  // namespace scn::party
