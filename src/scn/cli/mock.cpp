// `scn-tools mock --cpo|--msp`: runs a mock party until Ctrl-C.
#include <scn/cli/common.hpp>
#include <scn/http/server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {

int run_mock(const GlobalOptions& global, const MockOptions& options) {
    const bool is_cpo = options.party == MockOptions::Party::cpo;
    const std::string name = is_cpo ? "CPO" : "MSP";
    auto sink = core::default_sink();
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
    const core::Logger log("", sink);
    try {
        const auto cfg = load_config(global, log);
        config::PartyConfig party = is_cpo ? cfg.cpo : cfg.msp;
        if (options.port) {
            party.port = *options.port;
        }
        if (options.data_dir) {
            party.data_dir = *options.data_dir;
        }
        if (options.db) {
            party.db = *options.db;
        }
        const bool has_registration_keys = std::getenv("TOKEN_A") != nullptr || std::getenv("SIGNER_KEY") != nullptr;
        if (!options.offline) {
            std::cerr << "scn-tools mock: registering with a node is not available in this build yet; run with "
                         "--offline to test bilaterally"
                      << (has_registration_keys ? " (TOKEN_A/SIGNER_KEY were ignored)" : "") << "\n";
            return 2;
        }
        log.info("Starting " + name + " server...");
        boost::asio::io_context ioc(1);
        party::PartyStore store(party.db, core::system_clock());
        std::unique_ptr<party::Cpo> cpo;
        std::unique_ptr<party::Msp> msp;
        party::PartyServer* server = nullptr;
        if (is_cpo) {
            cpo = std::make_unique<party::Cpo>(ioc, party, store, log);
            server = cpo.get();
        } else {
            msp = std::make_unique<party::Msp>(ioc, party, store, log);
            server = msp.get();
        }
        if (party.peer) {
            const party::Peer peer{party.peer->token, party.peer->url};
            is_cpo ? cpo->set_peer(peer) : msp->set_peer(peer);
        }
        is_cpo ? cpo->start_all() : msp->start_all();
        log.info(name + " server listening for SCPI requests");
        log.info("Accepting requests with Authorization Token " + server->offline_token());
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping " + name + " server...");
            is_cpo ? cpo->stop_all() : msp->stop_all();
            ioc.stop();
        });
        ioc.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools mock: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
