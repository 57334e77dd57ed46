#pragma once

#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/party/token_store.hpp>
#include <scn/pricing/tariff_pricing.hpp>
#include <scn/scpi/chargingprofiles.hpp>
#include <scn/scpi/commands.hpp>
#include <scn/scpi/locations.hpp>
#include <scn/scpi/sessions.hpp>
#include <scn/store/cache_warmer.hpp>
#include <scn/store/catalog.hpp>

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>

namespace scn::party {

/// The mock Charge Point Operator: serves its locations, tariffs, sessions and CDRs (sessions and CDRs to the eMSP
/// whose token they carry), receives the tokens eMSPs push and their commands, authorizes tokens presented at its
/// chargers, simulates charging (PENDING, ACTIVE, COMPLETED) with periodic session pushes, at most at the limit of the
/// charging profile an eMSP set on the session, PATCHes EVSE status changes to the eMSPs, and sends a CDR priced from
/// the connector's tariff when a session ends.
class Cpo final : public PartyServer {
public:
    /// Loads and validates the data directory; throws std::runtime_error naming the file, path and reason.
    Cpo(boost::asio::io_context& ioc, const config::PartyConfig& config, PartyStore& store, core::Logger log,
        const core::Clock& clock = core::system_clock());
    ~Cpo() override;

    /// Starts the server, the delivery of pushes and the charging of sessions that were active at the last stop.
    std::uint16_t start_all();
    void stop_all();

    /// Where pushes go: set when registered with a node, or to a bilateral peer.
    void set_peer(std::optional<Peer> peer);

    /// Carries out every START_SESSION answered and not yet begun (see starting_), at once. Timers and the shutdown
    /// use it; requests use catch_up().
    void settle_starts();
    /// Whether STARTs answered before now have yet to begin: a request other than a START_SESSION, the control API's
    /// included, then awaits catch_up() first, so that it sees what the STARTs before it did.
    [[nodiscard]] bool starts_pending() const { return !starting_.empty(); }
    /// Begins the STARTs queued before the call, a slice at a time (set_start_window()): between slices, deliveries and
    /// other requests run, so that a long queue does not hold the event loop. STARTs queued meanwhile are left to their
    /// window.
    boost::asio::awaitable<void> catch_up() override;
    /// Queued STARTs begin once no START came for `quiet` (the end of a burst), or `limit` after their answer at the
    /// latest (a burst that does not end); defaults kStartQuiet and kStartLimit. They are begun `slice` at a time,
    /// at least one each time (default kTickSlice, and kCatchUpSlice while a request waits for them).
    void set_start_window(std::chrono::milliseconds quiet, std::chrono::milliseconds limit,
                          std::optional<std::chrono::microseconds> slice = std::nullopt) {
        start_quiet_ = quiet;
        start_limit_ = limit;
        start_slice_ = slice.value_or(kTickSlice);
        catch_up_slice_ = slice.value_or(kCatchUpSlice);
    }
    /// A started session is pushed once in its first state (PENDING, or RESERVATION) after the command result, and
    /// turns ACTIVE when the charger begins, about a second after the start.
    static constexpr std::chrono::milliseconds kAnnounceDelay{500};
    static constexpr std::chrono::milliseconds kStartQuiet{50};
    static constexpr std::chrono::milliseconds kStartLimit{2000};
    /// How long one batch of ticks (or of STARTs begun) runs at most before the event loop serves what else waits.
    static constexpr std::chrono::milliseconds kTickSlice{5};
    /// A request waiting for the STARTs before it (catch_up()), and timed work that fell due together (after()), give
    /// the event loop back this often: longer than kTickSlice, as each slice commits its writes.
    static constexpr std::chrono::milliseconds kCatchUpSlice{25};

    /// Largest page the list endpoints return (X-Limit).
    static constexpr std::size_t kMaxLimit = 100;
    /// Parsed locations kept at most (see parsed_locations_).
    static constexpr std::size_t kParsedLocations = 20'000;
    /// Runs `fn` after `delay` on the event loop, unless the CPO is gone by then (results, a stopping charger). What
    /// falls due together runs in the order it was asked for, kCatchUpSlice at a time (set_start_window()): thousands
    /// of STOPs a second later do not hold requests for the half second their sessions take to finish, and what runs
    /// together is committed together.
    void after(std::chrono::milliseconds delay, std::function<void()> fn);
    /// How many locations are held parsed: after start-up, all of a data set of at most kParsedLocations with
    /// `warm_data` on (parse_locations()).
    [[nodiscard]] std::size_t locations_in_memory() const { return parsed_locations_.size(); }

    /// A command's immediate answer and the envelope status it goes out with (2003 for an unknown location).
    struct CommandOutcome {
        scpi::CommandResponse response;
        int status_code = 1000;
    };

    /// What happened when a driver presented a token at a charger.
    struct StartAtCharger {
        /// Why a start was refused.
        enum class Refusal {
            none,
            unknown_location,
            unknown_evse,
            evse_not_available,
            unknown_token,  ///< not stored here, and its eMSP does not know it (2004)
            not_allowed,    ///< invalid, or the eMSP answered BLOCKED, EXPIRED, NO_CREDIT or NOT_ALLOWED
            msp_unreachable,
        };
        std::optional<std::string> session_id;  ///< the started session
        Refusal refusal = Refusal::none;
        std::optional<scpi::AllowedType> allowed;  ///< the eMSP's answer when it was asked
        std::string message;                       ///< why, in words
        [[nodiscard]] bool started() const { return session_id.has_value(); }
    };

    /// A driver presents `token_uid` at an EVSE (the charger's own authorization, OCPI 2.2 §12.4.4 WhitelistType):
    /// a token stored here that is valid with whitelist ALWAYS, ALLOWED or ALLOWED_OFFLINE starts at once
    /// (auth_method WHITELIST); a stored ALWAYS token that is not valid is refused; otherwise (whitelist NEVER, not
    /// valid, or not stored) the token's eMSP is asked in real time (POST `{tokens}/{uid}/authorize` on its tokens
    /// SENDER interface, through the peer, with LocationReferences) and the session starts only when it answers
    /// ALLOWED (auth_method AUTH_REQUEST, with its authorization_reference). A token not stored here is asked of the
    /// eMSPs status_recipients() names, until one knows it. The session is pushed to the token's eMSP like a
    /// commanded one. Never blocks: eMSPs are asked asynchronously (at most 5 s each).
    boost::asio::awaitable<StartAtCharger> start_at_charger(std::string location_id, std::string evse_uid,
                                                            std::string token_uid);

    /// The tokens eMSPs pushed to this CPO.
    [[nodiscard]] TokenStore& tokens() { return tokens_; }

    // What the control API does to the CPO (cpo_control.cpp).

    /// The answer and result the next command of a kind gets instead of the simulated ones. A result other than
    /// ACCEPTED means the command takes no effect; nullopt: no result is ever posted (a silent charger).
    struct ScriptedCommand {
        scpi::CommandResponseType response = scpi::CommandResponseType::ACCEPTED;
        std::optional<scpi::CommandResultType> result = scpi::CommandResultType::ACCEPTED;
        std::chrono::milliseconds delay{0};  ///< before the result is posted
    };
    void script_command(scpi::CommandType type, ScriptedCommand next) { scripted_[type] = next; }
    /// The scripts not used yet, by command: {"START_SESSION": {"response", "result", "delay_ms"}}.
    [[nodiscard]] boost::json::object scripted_json() const;
    /// Sets the status of the EVSE `evse_uid` (in `location_id`, or found among the locations) as its charger reports
    /// it, and pushes the change; false when there is no such EVSE. Throws std::invalid_argument when the data set is
    /// too large to search and no location is given.
    bool control_evse_status(const std::string& evse_uid, const std::optional<std::string>& location_id,
                             scpi::Status status);
    /// The EVSEs (of the first 100 locations) with their status, the running sessions and reservations.
    [[nodiscard]] boost::json::object control_state();
    /// After the clock moved on from `from`: each ACTIVE session's updates that fell due in the skipped time are
    /// sent (at most 1,000 per session), then one at the new time; expired reservations end.
    void clock_advanced(core::TimePoint from);
    /// Back to the data the CPO started with: running sessions, reservations, stored sessions and CDRs, queued pushes
    /// and scripted commands are dropped, EVSE statuses and the shipped sessions and CDRs restored. Tokens received,
    /// connections and credentials stay.
    void reset();

protected:
    void add_routes(http::Router& router) override;
    [[nodiscard]] std::vector<ServedEndpoint> endpoints() const override;
    void on_bilateral_peer(std::optional<Peer> peer) override;  ///< set_peer (party_credentials.cpp)
    /// Every request but a START_SESSION is served after the STARTs answered before it (catch_up()).
    bool owes_before(const http::Request& request) const override;

private:
    /// One running session's simulation state: PENDING (or RESERVATION when a reservation's token started) until
    /// the charger begins, then ACTIVE until stopped.
    /// What a session push is.
    enum class PushKind {
        notable,   ///< a change of status: logged at info; replaces a state of the session not delivered yet
        routine,   ///< one of an ACTIVE session's periodic updates: as notable, logged at debug
        catch_up,  ///< an update that fell due while the clock was moved on: logged at debug, each one delivered
    };

    struct Charging {
        scpi::Session session;
        double power_kw = 0;
        std::string tariff_id;
        scpi::RoutingHeaders to_msp;  ///< from the CPO to the party that started the session
        std::string correlation;
        core::TimePoint last_tick{};
        bool announced = false;  ///< the not-yet-ACTIVE state has been pushed
        /// When its next tick is due (clock time), while it is in the agenda.
        std::optional<core::TimePoint> next_tick;
        /// What pricing needs of the location (read once, at the first price): its time zone and the connector's
        /// current (amperes), which a session does not change.
        struct Site {
            pricing::TimeZone zone;
            std::optional<double> current;
        };
        std::optional<Site> site;
        /// From `from` on (until the next step), the charger delivers at most `kw` (min of power_kw and the limit).
        struct PowerStep {
            core::TimePoint from{};
            double kw = 0;
        };
        /// The power over time that charging profiles imposed, past and planned, in order; empty: power_kw always.
        std::vector<PowerStep> power_steps;
        std::optional<scpi::ChargingProfile> profile;  ///< the profile in force, its start_date_time filled in
        /// The time `session`'s periods, energy and cost were computed for; behind `last_tick` after a routine
        /// tick, until the state is sent or read (bring_up_to_date()).
        core::TimePoint priced_at{};
    };

    /// Where a session can start now: the location as it was (shared, never changed), its EVSE and connector, and
    /// the token's own reservation there, which the start consumes.
    struct Placement {
        std::shared_ptr<const scpi::Location> location;
        const scpi::Evse* evse = nullptr;            ///< in *location
        const scpi::Connector* connector = nullptr;  ///< in *evse
        std::optional<Reservation> reservation;
    };
    /// How a session is authorized and to whom it is pushed.
    struct Authorization {
        scpi::CdrToken token;
        scpi::AuthMethod method = scpi::AuthMethod::COMMAND;
        std::optional<std::string> reference;
        scpi::RoutingHeaders to_msp;
        std::string correlation;
    };

    void load_data();
    /// The location, parsed once and shared until it changes; nullptr when there is none.
    [[nodiscard]] std::shared_ptr<const scpi::Location> location(std::string_view id) const;
    /// Changes an EVSE's status and PATCHes it to every status_recipients() party (OCPI 2.2 §8.2.2).
    void set_evse_status(const std::string& location_id, const std::string& evse_uid, scpi::Status status);
    /// Who is told about EVSE status changes: the eMSPs the node reports as connected; bilaterally (no
    /// HubClientInfo) the eMSPs that own tokens or sessions here. Routing headers from this CPO to each.
    [[nodiscard]] std::vector<scpi::RoutingHeaders> status_recipients();
    [[nodiscard]] scpi::RoutingHeaders to_party(const std::string& country_code, const std::string& party_id) const;
    /// Remembers the eMSP of a session (for status_recipients()).
    void note_session_owner(const scpi::CdrToken& token);

    /// A sessions or CDRs list page: all of them for a caller without SCPI-From headers, else only those whose
    /// cdr_token belongs to the calling party.
    using ListCount = std::function<std::size_t(const store::TimeWindow&)>;
    using ListPage = std::function<void(const store::TimeWindow&, std::size_t offset, std::size_t limit,
                                        const std::function<void(std::string_view)>& emit)>;
    http::Response owned_list(const http::Request& req, std::string_view path, const ListCount& count,
                              const ListPage& page);

    void add_token_routes(http::Router& router);
    http::Response put_token(http::Request& req, bool patch);
    http::Response get_token(http::Request& req);

    http::Response command(http::Request& req);
    /// Where `token_uid` may start charging, or the refusal (REJECTED; 2003 for an unknown location).
    std::variant<Placement, CommandOutcome> place(const std::string& location_id,
                                                  const std::optional<std::string>& evse_uid,
                                                  const std::optional<std::string>& connector_id,
                                                  const std::string& token_uid);
    /// Starts a session (PENDING, or the reservation's session) at `where`; returns its id.
    std::string begin_session(const Placement& where, const Authorization& auth);
    /// A START_SESSION answered ACCEPTED whose charger has not begun: its EVSE is held (claimed_) meanwhile.
    struct PendingStart {
        Placement where;
        Authorization auth;
        std::string response_url;
        std::optional<std::chrono::milliseconds> result_delay;  ///< scripted
        std::chrono::steady_clock::time_point received;
    };
    /// Queues a START for the charger: it begins at the end of its burst of STARTs (set_start_window()), or before the
    /// next other request, whichever is first (start_session()).
    void queue_start(PendingStart start);
    /// Sets the starter's timer for when the oldest queued START is next due.
    void arm_starter();
    /// Begins queued STARTs in one transaction: all of them, or for `budget` at most (at least one).
    void run_starts(std::optional<std::chrono::microseconds> budget);
    /// Whether a queued START holds the EVSE.
    [[nodiscard]] bool claimed(const std::string& location_id, const std::string& evse_uid) const;
    CommandOutcome start_session(const scpi::StartSession& cmd, const scpi::RoutingHeaders& routing,
                                 const std::string& correlation);
    CommandOutcome stop_session(const scpi::StopSession& cmd, const scpi::RoutingHeaders& routing,
                                const std::string& correlation);
    CommandOutcome reserve_now(const scpi::ReserveNow& cmd, const scpi::RoutingHeaders& routing,
                               const std::string& correlation);
    CommandOutcome cancel_reservation(const scpi::CancelReservation& cmd, const scpi::RoutingHeaders& routing,
                                      const std::string& correlation);
    CommandOutcome unlock_connector(const scpi::UnlockConnector& cmd, const scpi::RoutingHeaders& routing,
                                    const std::string& correlation);
    /// Posts a CommandResult to `response_url` a moment later (after the command's answer went out).
    void send_result(const std::string& response_url, scpi::CommandResultType result, const std::string& message,
                     const scpi::RoutingHeaders& to_msp, const std::string& correlation);

    /// The charging profiles receiver (OCPI 2.2 §14.2.2): PUT, GET and DELETE of a session's profile.
    void add_charging_profile_routes(http::Router& router);
    http::Response set_charging_profile(http::Request& req);
    http::Response get_charging_profile(http::Request& req);
    http::Response clear_charging_profile(http::Request& req);
    /// PUTs the ActiveChargingProfile of `c` to its eMSP's chargingprofiles SENDER interface (OCPI 2.2 §14.2.1.2).
    void push_active_profile(const Charging& c, core::TimePoint now);
    /// PUT of a driver's charging preferences on a session (OCPI 2.2 §9.2.1.3).
    http::Response set_charging_preferences(http::Request& req);
    /// The caller's ACTIVE session `session_id` on a charger that takes profiles, or why not.
    std::variant<Charging*, scpi::ChargingProfileResponseType> profile_target(std::string_view session_id,
                                                                              const scpi::RoutingHeaders& routing);
    /// Replaces the power plan of `c` from `now` on: what `profile` allows (nullopt: the connector's full power).
    void apply_profile(Charging& c, std::optional<scpi::ChargingProfile> profile, core::TimePoint now);
    /// Posts a charging profile result (JSON text) to `response_url` a moment later, like a command result.
    void send_profile_result(const std::string& response_url, std::string body, const scpi::RoutingHeaders& to_msp,
                             const std::string& correlation);
    /// The power (kW) `c` charges at, at `t`.
    [[nodiscard]] static double power_at(const Charging& c, core::TimePoint t);
    /// The charging periods of `c` from its start to `end`: one run of pricing::build_periods per constant power.
    [[nodiscard]] static std::vector<scpi::ChargingPeriod> charging_periods(const Charging& c,
                                                                            const scpi::Tariff* tariff,
                                                                            const pricing::TimeZone& zone,
                                                                            core::TimePoint end,
                                                                            std::optional<double> current);
    /// The power plan and profile of `c` for persist(), and back for resume_charging().
    [[nodiscard]] static boost::json::value limits_json(const Charging& c);
    static void restore_limits(Charging& c, const boost::json::object& state);

    void resume_charging();
    /// The session's next tick is `delay` from now (replacing the one planned).
    void schedule(const std::string& session_id, std::chrono::milliseconds delay);
    /// Takes the session out of the agenda.
    void unschedule(Charging& c);
    /// Sets the one timer of all sessions for the first tick of the agenda, or no earlier than `ticker_floor_`.
    void arm_ticker();
    /// The timer fired: every session whose tick is due is ticked, their writes in one transaction.
    void run_ticks();
    /// At info, every few seconds while many sessions charge: what charging and delivery are doing.
    void log_summary(core::TimePoint now);
    void tick(const std::string& session_id);
    /// An ACTIVE session's state at `at` (priced so far, profile ends) is stored and pushed.
    void update(Charging& c, core::TimePoint at, PushKind kind = PushKind::routine);
    /// Whether the charging profile in force on the session has run its duration by `at`.
    static bool profile_ended(const Charging& c, core::TimePoint at);
    /// Prices the session up to its last tick, unless that is done already.
    void bring_up_to_date(Charging& c);
    /// The newest state of a charging session (key `session:<id>`) for the delivery, priced when it goes out.
    std::optional<LiveMessage> render_live(const std::string& key);
    /// Writes the stored copies of sessions whose routine updates were not written yet (before they are read).
    void flush_sessions();
    /// A scripted command's answer, or nullopt when it is to run as usual (cpo_control.cpp).
    std::optional<CommandOutcome> scripted_command(scpi::CommandType type, const boost::json::value& body,
                                                   const ScriptedCommand& next, const scpi::RoutingHeaders& routing,
                                                   const std::string& correlation);
    void finish(const std::string& session_id);
    /// Charging periods, energy and cost of an ACTIVE session up to `now` (OCPI 2.2 §9.3.1, priced per §11).
    pricing::PricedCdr price_so_far(Charging& c, core::TimePoint now);
    /// Queues the session's state for its eMSP; `text` is its JSON when already written.
    void push_session(const scpi::Session& session, const scpi::RoutingHeaders& to_msp, const std::string& correlation,
                      const std::optional<std::string>& text = std::nullopt, PushKind kind = PushKind::notable);
    void persist(const Charging& c);
    void expire_reservations();
    /// The session a reservation created, its recipient and the RESERVE_NOW's response_url (kept in settings).
    struct ReservationSession {
        std::string session_id;
        scpi::RoutingHeaders to_msp;
        std::string correlation;
        std::string response_url;
    };
    void save_reservation_session(const std::string& reservation_id, const ReservationSession& r);
    [[nodiscard]] std::optional<ReservationSession> reservation_session(const std::string& reservation_id);
    /// Ends a reservation's session that was never used (COMPLETED, OCPI 2.2 §9.1) and forgets it.
    void end_reservation_session(const std::string& reservation_id);

    http::Client client_;
    Delivery delivery_;
    TokenStore tokens_;
    std::set<std::pair<std::string, std::string>> session_owners_;  ///< eMSPs of stored sessions, upper-cased
    std::optional<Peer> peer_;
    store::Catalog locations_;
    /// Locations parsed lately, so that a command and its session's ticks do not parse the same one again; a location
    /// changes only in set_evse_status(), which puts the new one here. Emptied when it reaches kParsedLocations.
    mutable std::unordered_map<std::string, std::shared_ptr<const scpi::Location>> parsed_locations_;
    std::unique_ptr<store::CacheWarmer> warmer_;  ///< reads a generated data set into the page cache
    std::uint64_t data_generation_ = 0;           ///< counts load_data() calls: a parse of older data stops
    /// Parses the locations from `offset` on into parsed_locations_, kTickSlice at a time between other work, so that
    /// the first command at a location costs what later ones do. Started by load_data() for a data set that fits.
    void parse_locations(std::size_t offset, std::uint64_t generation, std::chrono::steady_clock::time_point began);
    store::Catalog tariffs_catalog_;
    std::map<std::string, scpi::Tariff> tariffs_;
    std::map<std::string, std::unique_ptr<Charging>> charging_;
    /// Charging sessions whose stored copy is older than their last tick (flush_sessions()).
    std::set<std::string> unsaved_;
    std::map<scpi::CommandType, ScriptedCommand> scripted_;
    /// The delay before the next command result is posted, when scripted.
    std::optional<std::chrono::milliseconds> result_delay_;
    boost::asio::steady_timer reservations_timer_;
    /// Charging sessions by the time of their next tick: one timer for all of them (`ticker_`), armed for the first.
    std::set<std::pair<core::TimePoint, std::string>> agenda_;
    boost::asio::steady_timer ticker_;
    std::optional<std::chrono::steady_clock::time_point> ticker_at_;  ///< when the armed ticker fires
    /// START_SESSIONs answered and not begun, in order, and the EVSEs they hold ("location\nevse"). A burst of STARTs
    /// is answered first and carried out after it, so that each answer costs no more than reading the command.
    std::deque<PendingStart> starting_;
    std::set<std::string> claimed_;
    boost::asio::steady_timer starter_;
    /// after(): what is due when, in the order asked for at equal times, and the one timer for the earliest.
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> later_;
    boost::asio::steady_timer later_timer_;
    /// Sets later_timer_ for the earliest of later_ (a wait already set is cancelled and does nothing).
    void arm_later();
    /// Runs what is due in later_ for a slice, then posts itself for the rest or sets the timer for what is next.
    void run_later();
    bool starter_armed_ = false;
    std::uint64_t starts_queued_ = 0;  ///< STARTs ever queued: the last one's number (taken ones are this - queue size)
    std::chrono::milliseconds start_quiet_ = kStartQuiet;
    std::chrono::milliseconds start_limit_ = kStartLimit;
    std::chrono::microseconds start_slice_ = kTickSlice;
    std::chrono::microseconds catch_up_slice_ = kCatchUpSlice;
    core::TimePoint ticker_floor_{};  ///< the ticker fires no earlier than this (ticks come in batches)
    core::TimePoint last_summary_{};
    /// Timer handlers hold a weak reference: a handler already queued when the CPO goes away does nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace scn::party
