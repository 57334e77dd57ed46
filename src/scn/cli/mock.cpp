// `scn-tools mock --cpo|--msp`: runs a mock party until Ctrl-C.
#include <scn/cli/common.hpp>
#include <scn/http/server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {

namespace {

/// Connects the party to its node: the stored connection when there is one, else registration with TOKEN_A (and
/// SIGNER_KEY when the registry listing is missing). Calls `done` on the io thread with the connection, or nullopt
/// after printing why it failed.
void connect(boost::asio::io_context& ioc, party::PartyServer& server, party::PartyStore& store,
             const config::Config& cfg, const MockOptions& options, const core::Logger& log,
             std::function<void(std::optional<party::NodeConnection>)> done) {
    if (auto stored = party::stored_connection(store); stored && !options.register_only) {
        done(stored);
        return;
    }
    const char* token_a = std::getenv("TOKEN_A");
    auto registry = std::make_shared<registry::EmbeddedRegistry>(cfg.registry.path);
    party::RegistryAccess access{
        [registry](const std::string& cc, const std::string& pid) { return registry->store().party_by_ocpi(cc, pid); },
        [registry](const config::RoleConfig& role, const std::string& operator_address) {
            const char* key = std::getenv("SIGNER_KEY");
            if (key == nullptr || *key == '\0') {
                throw std::runtime_error(role.country_code + "/" + role.party_id +
                                         " is not listed in the SCN Registry under this node: set SIGNER_KEY to the "
                                         "private key that signs the listing");
            }
            registry->set_party(eth::PrivateKey::parse(key), role.country_code, role.party_id,
                                {*registry::role_from_string(role.role)}, eth::Address::parse(operator_address));
        }};
    auto client = std::make_shared<http::Client>(ioc.get_executor());
    boost::asio::co_spawn(
        ioc,
        party::register_with_node(server, store, *client, cfg.node_url, token_a != nullptr ? token_a : "",
                                  std::move(access), log),
        [client, registry, done = std::move(done), &log](std::exception_ptr e, party::NodeConnection connection) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log.error(std::string("registration failed: ") + ex.what());
                }
                done(std::nullopt);
                return;
            }
            done(connection);
        });
}

}  // namespace

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
        party.data_dir = resolve_data_dir(party.data_dir);
        if (!options.offline && cfg.registry.backend != config::RegistryConfig::Backend::embedded) {
            std::cerr << "scn-tools mock: registering through a chain (registry backend \"ethereum\") is not "
                         "available in this build yet; use the embedded registry or --offline\n";
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
        int exit_code = 0;
        if (options.offline) {
            log.info("Accepting requests with Authorization Token " + server->offline_token());
        } else {
            connect(ioc, *server, store, cfg, options, log, [&](std::optional<party::NodeConnection> connection) {
                if (!connection) {
                    exit_code = 1;
                    ioc.stop();
                    return;
                }
                server->accept_token(connection->token_b);
                is_cpo ? cpo->set_peer(connection->peer()) : msp->set_peer(connection->peer());
                log.info("To send requests as the " + name + ", use Authorization Token " + connection->token_c);
                if (options.register_only) {
                    ioc.stop();
                }
            });
        }
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping " + name + " server...");
            is_cpo ? cpo->stop_all() : msp->stop_all();
            ioc.stop();
        });
        ioc.run();
        return exit_code;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools mock: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
