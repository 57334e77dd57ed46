// `scn-tools mock --cpo|--msp`: runs a mock party until Ctrl-C.
#include <scn/cli/common.hpp>
#include <scn/core/base64.hpp>
#include <scn/http/server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {

namespace {

namespace asio = boost::asio;

/// Connects the party to its node: the stored connection while the node still accepts it, else registration with
/// TOKEN_A (and SIGNER_KEY / SPENDER_KEY when the registry listing is missing).
asio::awaitable<party::NodeConnection> connect(party::PartyServer& server, party::PartyStore& store,
                                               http::Client& client, registry::Registry& registry,
                                               const config::Config& cfg, const core::Logger& log) {
    if (auto stored = party::stored_connection(store)) {
        const auto state = co_await party::check_connection(client, *stored);
        if (state == party::ConnectionState::accepted) {
            co_return *stored;
        }
        if (state == party::ConnectionState::unreachable) {
            log.warn("the node at " + stored->node_url +
                     " is not reachable now; using the stored connection (requests fail until the node is back)");
            co_return *stored;
        }
        log.warn("the node no longer accepts the stored TOKEN_C; registering again (needs TOKEN_A)");
    }
    const char* token_a = std::getenv("TOKEN_A");
    party::ListingKeys keys{key_from_env("SIGNER_KEY"), key_from_env("SPENDER_KEY")};
    registry.on_progress([log](const std::string& m) { log.info("Registry: " + m); });
    co_return co_await party::register_with_node(server, store, client, cfg.node_url, token_a != nullptr ? token_a : "",
                                                 registry, std::move(keys), log);
}

}  // namespace

int run_mock(const GlobalOptions& global, const MockOptions& options) {
    const bool is_cpo = options.party == MockOptions::Party::cpo;
    const std::string name = is_cpo ? "CPO" : "MSP";
    auto sink = core::default_sink();
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
    core::use_background_console();
    const core::Logger log("", sink);
    try {
        const auto cfg = load_config(global, log);
        config::PartyConfig party = is_cpo ? cfg.cpo : cfg.msp;
        if (options.port) {
            // The public URL follows the port when it named the configured one (http://localhost:3000 → :<port>).
            const std::string old_port = ":" + std::to_string(party.port);
            if (party.public_url.ends_with(old_port)) {
                party.public_url.replace(party.public_url.size() - old_port.size(), old_port.size(),
                                         ":" + std::to_string(*options.port));
            }
            party.port = *options.port;
        }
        if (options.data_dir) {
            party.data_dir = *options.data_dir;
        }
        if (options.db) {
            party.db = *options.db;
        }
        if (options.protocol) {
            party.protocol = *options.protocol;
        }
        if (options.console_buffer) {
            party.console_buffer = *options.console_buffer;
        }
        // Plain OCPI has no node and no registry: such a party always runs on its own.
        const bool ocpi = party.protocol == scpi::ocpi_dialect().name;
        const bool offline = options.offline || ocpi;
        party.data_dir = resolve_data_dir(party.data_dir);
        log.info("Starting " + name + " server with the data in " + party.data_dir.string() + "...");
        if (options.control_port) {
            party.control_port = *options.control_port;
        }
        if (options.register_only) {
            party.control_port = 0;  // it exits once registered: nothing to control
        }
        boost::asio::io_context ioc(1);
        core::VirtualClock clock;  // real time until a test moves it on through the control API
        party::PartyStore store(party.db, clock);
        std::unique_ptr<party::Cpo> cpo;
        std::unique_ptr<party::Msp> msp;
        party::PartyServer* server = nullptr;
        if (is_cpo) {
            cpo = std::make_unique<party::Cpo>(ioc, party, store, log, clock);
            server = cpo.get();
        } else {
            msp = std::make_unique<party::Msp>(ioc, party, store, log, clock);
            server = msp.get();
        }
        const auto control = make_control(ioc, *server, clock, party, core::Logger("control", sink));
        const auto set_peer = [&](party::Peer peer) { is_cpo ? cpo->set_peer(peer) : msp->set_peer(peer); };
        std::optional<party::Peer> stored_peer;
        if (party.peer && party.peer->token_a.empty()) {
            set_peer({party.peer->token, party.peer->url});
        } else if (party.peer) {
            stored_peer = party::stored_peer_registration(*server, store, party.peer->url);
            if (stored_peer) {
                set_peer(*stored_peer);
            }
        }
        start_or_explain(
            "the " + name,
            "another " + name + " running? Stop it, or use --port or \"" + (is_cpo ? "cpo" : "msp") + ".port\"",
            [&] { is_cpo ? cpo->start_all() : msp->start_all(); });
        log.info(name + " server listening for " + (ocpi ? "OCPI 2.2.1" : "SCPI") + " requests");
        if (control) {
            start_or_explain("the " + name + "'s control API",
                             std::string("another ") + name + " running? Stop it, or use --control-port or \"" +
                                 (is_cpo ? "cpo" : "msp") + ".control_port\" (0 turns it off)",
                             [&] { control->start(); });
            log.info("Control API: " + control->url() + "/control");
            if (party.console_buffer > 0) {
                log.info("Console: " + control->url() + "/console");
            }
        }
        int exit_code = 0;
        http::Client peer_client(ioc.get_executor());
        // The peer reads this party's versions during the handshake: it runs once the server listens, and again
        // every 5 s for 5 minutes while the peer is not up yet.
        const auto register_with_peer = [&]() -> asio::awaitable<void> {
            asio::steady_timer wait(ioc);
            for (int attempt = 1; attempt <= 60; ++attempt) {
                try {
                    auto peer = co_await party::register_with_peer(*server, store, peer_client, party.peer->url,
                                                                   party.peer->token_a);
                    log.info("Registered with " + peer.versions_url +
                             " by the credentials handshake; requests to "
                             "it use its TOKEN_C");
                    set_peer(std::move(peer));
                    co_return;
                } catch (const std::exception& e) {
                    log.warn(std::string("registration with the peer failed (trying again in 5 s): ") + e.what());
                }
                wait.expires_after(std::chrono::seconds(5));
                co_await wait.async_wait(asio::use_awaitable);
            }
            log.error("gave up registering with " + party.peer->url + "; check peer.url and peer.token_a");
        };
        if (party.peer && !party.peer->token_a.empty() && !stored_peer) {
            log.info("Registering with " + party.peer->url + " by the credentials handshake...");
            asio::co_spawn(ioc, register_with_peer(), asio::detached);
        }
        std::unique_ptr<http::Client> client;
        std::unique_ptr<registry::Registry> registry;
        if (offline) {
            const auto token = server->offline_token();
            log.info("Accepting requests with Authorization Token " + token);
            if (ocpi) {
                log.info("Versions: " + server->versions_url() + " (send the token Base64-encoded: Token " +
                         core::base64_encode(token) + ")");
            }
        } else {
            client = std::make_unique<http::Client>(ioc.get_executor());
            registry = registry::make_registry(cfg.registry, *client, cfg.stage);
            asio::co_spawn(
                ioc, connect(*server, store, *client, *registry, cfg, log),
                [&](std::exception_ptr e, party::NodeConnection connection) {
                    if (e) {
                        try {
                            std::rethrow_exception(e);
                        } catch (const std::exception& ex) {
                            log.error(std::string("registration failed: ") + ex.what());
                        }
                        exit_code = 1;
                        is_cpo ? cpo->stop_all() : msp->stop_all();
                        ioc.stop();
                        return;
                    }
                    server->accept_token(connection.token_b);
                    server->set_signer(party::stored_signer(store));
                    is_cpo ? cpo->set_peer(connection.peer()) : msp->set_peer(connection.peer());
                    log.info("To send requests as the " + name + ", use Authorization Token " + connection.token_c);
                    if (options.register_only) {
                        is_cpo ? cpo->stop_all() : msp->stop_all();
                        ioc.stop();
                    }
                });
        }
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping " + name + " server...");
            is_cpo ? cpo->stop_all() : msp->stop_all();
            if (control) {
                control->stop();
            }
            ioc.stop();
        });
        ioc.run();
        return exit_code;
    } catch (const std::exception& e) {
        sink->flush();
        std::cerr << "scn-tools mock: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
