#pragma once

#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/tokens.hpp>
#include <scn/store/catalog.hpp>

#include <map>
#include <unordered_set>

namespace scn::party {

/// The mock e-Mobility Service Provider: receives command results, session pushes, CDRs, locations and tariffs
/// (validated, stored, logged), serves its drivers' tokens with real-time authorization, and pushes those tokens to
/// every CPO the node reports as connected.
class Msp final : public PartyServer {
public:
    /// Loads and validates `tokens.json` from the data directory.
    Msp(boost::asio::io_context& ioc, const config::PartyConfig& config, PartyStore& store, core::Logger log,
        const core::Clock& clock = core::system_clock());
    ~Msp() override;

    /// Each session push received is logged at info while at most this many sessions are pushed within
    /// kPushWindow; beyond that at debug, with one summary per window at info.
    static constexpr std::size_t kQuietSessions = 100;
    static constexpr std::chrono::seconds kPushWindow{5};

    /// Starts the server and the delivery of pushes, and queues the tokens for the CPOs already known as connected.
    std::uint16_t start_all();
    void stop_all();
    /// Where the MSP's pushes go (its node, or a bilateral peer); nullopt keeps them queued.
    void set_peer(std::optional<Peer> peer);

    static constexpr std::size_t kMaxLimit = 100;

    // What the control API does to the MSP (in control_server.cpp's terms: state and reset).
    /// Sessions and CDRs received (counts and the latest sessions), command results, drivers, queued pushes.
    [[nodiscard]] boost::json::object control_state();
    /// Forgets received sessions, CDRs and command results and queued pushes; drivers, received locations and
    /// tariffs, connections and credentials stay.
    void reset();

protected:
    void add_routes(http::Router& router) override;
    [[nodiscard]] std::vector<ServedEndpoint> endpoints() const override;
    void on_bilateral_peer(std::optional<Peer> peer) override;  ///< set_peer (party_credentials.cpp)
    /// A CPO that became CONNECTED gets every driver token (OCPI 2.2 §12.2.2 tokens receiver, PUT).
    void on_client_info(const scpi::ClientInfo& info, const std::optional<scpi::ClientInfo>& before) override;

private:
    /// A driver token with the mock's decision data (`mock_authorization`, `mock_allowed_locations` in tokens.json).
    struct Driver {
        scpi::Token token;
        std::optional<scpi::AllowedType> forced;
        std::vector<std::string> allowed_locations;
    };

    http::Response put_session(http::Request& req, bool patch);
    /// Logs a session push received (see kQuietSessions).
    void log_session_push(const scpi::Session& session);
    http::Response post_cdr(http::Request& req);
    /// A CdrToken without country_code or party_id (OCPI 2.2 style): 2001 when strict, else a warning in the log.
    void check_cdr_token(const scpi::CdrToken& token, const std::string& what) const;
    http::Response command_result(http::Request& req);
    http::Response authorize(http::Request& req);
    /// OCPI 2.2 §4.1.2 client-owned objects: when the request names its sender (SCPI-From-* headers), the owner in
    /// the URL ({country_code}/{party_id}) must be that sender; Error 2001 naming both otherwise.
    static void check_owner(const http::Request& req);
    /// Learns from the node's HubClientInfo list which CPOs are connected already (and so gets them the tokens).
    boost::asio::awaitable<void> sync_client_infos(Peer peer);
    /// Queues a PUT of every driver token to `cpo`'s tokens receiver, through the peer.
    void push_tokens(const scpi::ClientInfo& cpo);

    // Locations and tariffs receivers (msp_receivers.cpp).
    void add_receiver_routes(http::Router& router);
    http::Response put_location(http::Request& req, bool patch);
    http::Response get_location(http::Request& req);
    http::Response put_tariff(http::Request& req);
    http::Response get_tariff(http::Request& req);
    http::Response delete_tariff(http::Request& req);

    http::Client client_;
    Delivery delivery_;
    std::optional<Peer> peer_;
    std::vector<Driver> drivers_;
    store::Catalog tokens_;

    /// Session pushes of the current window, for log_session_push().
    struct PushWindow {
        core::TimePoint since{};
        core::TimePoint last{};
        std::unordered_set<std::string> sessions;
        std::size_t pushes = 0;
        std::size_t sessions_before = 0;  ///< sessions pushed in the window just before
        bool busy = false;                ///< pushes are logged at debug
    };
    PushWindow pushes_;
};

}  // namespace scn::party
