#pragma once

#include <scn/core/clock.hpp>
#include <scn/store/catalog.hpp>
#include <scn/store/database.hpp>
#include <scn/store/outbox.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scn::store {
class Checkpointer;
}  // namespace scn::store

namespace scn::party {

/// Identifies an object owned by a party: (country_code, party_id, id).
struct ObjectKey {
    std::string country_code;
    std::string party_id;
    std::string id;
};

/// A reservation held by the mock CPO.
struct Reservation {
    std::string id;
    std::string location_id;
    std::string evse_uid;
    std::string token_uid;
    std::string token_json;  ///< the Token object of the RESERVE_NOW
    core::TimePoint expiry{};
    std::string request_json;  ///< the whole ReserveNow body
};

/// A command result received by the mock MSP.
struct CommandResultRecord {
    std::int64_t seq = 0;
    std::string command;
    std::string uid;
    std::string result;
    std::string json;
    core::TimePoint received{};
};

/// Everything a mock party keeps across restarts, in one SQLite file (`cpo.db`, `msp.db`): its credentials and the
/// node's endpoints, sessions (latest state and, for a receiver, history), CDRs, reservations, the charging state
/// of running sessions, received command results, and the outbox of deliveries not yet accepted. Objects are stored
/// as their JSON text; the model is applied by the code that reads them.
class PartyStore {
public:
    PartyStore(const std::filesystem::path& file, const core::Clock& clock);
    ~PartyStore();
    PartyStore(const PartyStore&) = delete;
    PartyStore& operator=(const PartyStore&) = delete;

    // Credentials and other settings.
    [[nodiscard]] std::optional<std::string> setting(std::string_view key);
    void set_setting(std::string_view key, std::string_view value);
    void erase_setting(std::string_view key);
    /// Forgets sessions, CDRs, reservations, charging state, command results and the outbox (dead
    /// letters too), that the shipped data was loaded and which locations were pushed whole to whom; other settings
    /// and the credentials stay (the control API's reset).
    void reset_objects();

    // Sessions: latest state, ordered by last_updated for paging.
    /// Whether a session is stored.
    [[nodiscard]] bool has_session(const ObjectKey& key);
    void put_session(const ObjectKey& key, std::string_view json, core::TimePoint last_updated);
    [[nodiscard]] std::optional<std::string> session(const ObjectKey& key);
    [[nodiscard]] std::size_t count_sessions(const store::TimeWindow& window);
    void page_sessions(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                       const std::function<void(std::string_view)>& emit);

    // CDRs. add_cdr returns the storage number, or nullopt if (country_code, party_id, id) already exists.
    std::optional<std::int64_t> add_cdr(const ObjectKey& key, std::string_view json, core::TimePoint last_updated);
    [[nodiscard]] std::optional<std::string> cdr_by_number(std::int64_t number);
    [[nodiscard]] std::optional<std::string> cdr(const ObjectKey& key);
    [[nodiscard]] std::size_t count_cdrs(const store::TimeWindow& window);
    void page_cdrs(const store::TimeWindow& window, std::size_t offset, std::size_t limit,
                   const std::function<void(std::string_view)>& emit);

    // Reservations (CPO).
    void put_reservation(const Reservation& r);
    [[nodiscard]] std::optional<Reservation> reservation(std::string_view id);
    [[nodiscard]] std::optional<Reservation> reservation_on_evse(std::string_view location_id,
                                                                 std::string_view evse_uid);
    void delete_reservation(std::string_view id);
    /// Removes reservations whose expiry has passed; returns them.
    std::vector<Reservation> expire_reservations(core::TimePoint now);

    // Charging state of running sessions (CPO), as JSON.
    void put_charging(std::string_view session_id, std::string_view state_json);
    void delete_charging(std::string_view session_id);
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> charging();

    // Command results (MSP).
    std::int64_t add_command_result(std::string_view command, std::string_view uid, std::string_view result,
                                    std::string_view json);
    [[nodiscard]] std::vector<CommandResultRecord> command_results(std::string_view command = {},
                                                                   std::string_view uid = {});

    store::Outbox& outbox() { return outbox_; }
    store::Database& database() { return db_; }
    /// Has the write-ahead log copied back into the file on a thread of its own from now on (store::Checkpointer),
    /// so that the event loop that writes seldom stops for it. For the party that serves; tools that open the same
    /// file meanwhile do not.
    void checkpoint_in_background();

private:
    store::Database db_;
    const core::Clock& clock_;
    store::Outbox outbox_;
    std::unique_ptr<store::Checkpointer> checkpointer_;  // last: stops before the database closes
};

}  // namespace scn::party
