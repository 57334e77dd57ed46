#pragma once

#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/commands.hpp>
#include <scn/scpi/locations.hpp>
#include <scn/scpi/sessions.hpp>
#include <scn/store/cache_warmer.hpp>
#include <scn/store/catalog.hpp>

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>

namespace scn::party {

/// The mock Charge Point Operator: serves its locations, tariffs, sessions and CDRs, accepts commands, simulates
/// charging with periodic session pushes, and sends a CDR priced from the connector's tariff when a session ends.
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

    /// Largest page the list endpoints return (X-Limit).
    static constexpr std::size_t kMaxLimit = 100;

    /// A command's immediate answer and the envelope status it goes out with (2003 for an unknown location).
    struct CommandOutcome {
        scpi::CommandResponse response;
        int status_code = 1000;
    };

protected:
    void add_routes(http::Router& router) override;
    [[nodiscard]] std::vector<ServedEndpoint> endpoints() const override;

private:
    /// One running session's simulation state.
    struct Charging {
        scpi::Session session;
        double power_kw = 0;
        std::string tariff_id;
        scpi::RoutingHeaders to_msp;  ///< from the CPO to the party that started the session
        std::string correlation;
        core::TimePoint last_tick{};
        std::unique_ptr<boost::asio::steady_timer> timer;
    };

    void load_data();
    [[nodiscard]] std::optional<scpi::Location> location(std::string_view id) const;
    void save_location(scpi::Location location);
    void set_evse_status(const std::string& location_id, const std::string& evse_uid, scpi::Status status);

    boost::asio::awaitable<http::Response> command(http::Request& req);
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
    void send_result(const std::string& response_url, scpi::CommandResultType result, const std::string& message,
                     const scpi::RoutingHeaders& routing, const std::string& correlation);

    void resume_charging();
    void schedule(const std::string& session_id, std::chrono::milliseconds delay);
    void tick(const std::string& session_id);
    void finish(const std::string& session_id);
    void push_session(const scpi::Session& session, const Charging& c);
    void persist(const Charging& c);
    void expire_reservations();

    http::Client client_;
    Delivery delivery_;
    std::optional<Peer> peer_;
    store::Catalog locations_;
    std::unique_ptr<store::CacheWarmer> warmer_;  ///< reads a generated data set into the page cache
    store::Catalog tariffs_catalog_;
    std::map<std::string, scpi::Tariff> tariffs_;
    std::map<std::string, std::unique_ptr<Charging>> charging_;
    boost::asio::steady_timer reservations_timer_;
    /// Timer handlers hold a weak reference: a handler already queued when the CPO goes away does nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace scn::party
