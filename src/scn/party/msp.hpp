#pragma once

#include <scn/party/delivery.hpp>
#include <scn/party/party_server.hpp>
#include <scn/scpi/tokens.hpp>
#include <scn/store/catalog.hpp>

#include <map>

namespace scn::party {

/// The mock e-Mobility Service Provider: receives command results, session pushes and CDRs (validated, stored,
/// logged), and serves its drivers' tokens with real-time authorization.
class Msp final : public PartyServer {
public:
    /// Loads and validates `tokens.json` from the data directory.
    Msp(boost::asio::io_context& ioc, const config::PartyConfig& config, PartyStore& store, core::Logger log,
        const core::Clock& clock = core::system_clock());

    std::uint16_t start_all() { return start(); }
    void stop_all() { stop(); }
    /// Where the MSP's own requests go (used by `scn-tools request`); kept for symmetry with the CPO.
    void set_peer(std::optional<Peer> peer) { peer_ = std::move(peer); }

    static constexpr std::size_t kMaxLimit = 100;

protected:
    void add_routes(http::Router& router) override;
    [[nodiscard]] std::vector<ServedEndpoint> endpoints() const override;

private:
    /// A driver token with the mock's decision data (`mock_authorization`, `mock_allowed_locations` in tokens.json).
    struct Driver {
        scpi::Token token;
        std::optional<scpi::AllowedType> forced;
        std::vector<std::string> allowed_locations;
    };

    http::Response put_session(http::Request& req, bool patch);
    http::Response post_cdr(http::Request& req);
    http::Response authorize(http::Request& req);

    std::optional<Peer> peer_;
    std::vector<Driver> drivers_;
    store::Catalog tokens_;
};

}  // namespace scn::party
