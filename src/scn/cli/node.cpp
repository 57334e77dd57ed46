// `scn-tools node`: a local SCN node, with the embedded registry or the registry contract on a chain.
#include <scn/cli/common.hpp>
#include <scn/node/node_server.hpp>
#include <scn/registry/backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {

int run_node(const GlobalOptions& global, const NodeOptions& options) {
    auto sink = core::default_sink();
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
    core::use_background_console();
    const core::Logger log("", sink);
    try {
        const auto cfg = load_config(global, log);
        config::NodeConfig nc = cfg.node;
        if (options.port) {
            nc.port = *options.port;
        }
        if (options.public_url) {
            nc.public_url = *options.public_url;
        }
        if (options.api_key) {
            nc.api_key = *options.api_key;
        }
        if (options.db) {
            nc.db = *options.db;
        }
        if (options.console_buffer) {
            nc.console_buffer = *options.console_buffer;
        }
        if (nc.api_key.empty()) {
            sink->flush();
            std::cerr << "scn-tools node: set node.api_key in the configuration (or --api-key): the admin API needs "
                         "it\n";
            return 2;
        }
        node::NodeStore store(nc.db, core::system_clock());
        // The node's wallet: NODE_KEY, else the key generated on the first start and kept in the node's database.
        std::optional<eth::PrivateKey> wallet;
        if (auto key = key_from_env("NODE_KEY")) {
            wallet = *key;
        } else if (cfg.registry.backend == config::RegistryConfig::Backend::ethereum) {
            sink->flush();
            std::cerr << "scn-tools node: set NODE_KEY to the node operator's private key (the address its listing "
                         "in the SCN Registry was made with)\n";
            return 2;
        } else if (const auto stored = store.setting("wallet_key")) {
            wallet = eth::PrivateKey::parse(*stored);
        } else {
            wallet = eth::PrivateKey::generate();
            store.set_setting("wallet_key", wallet->to_hex_secret());
        }
        boost::asio::io_context ioc(1);
        http::Client registry_client(ioc.get_executor());
        const auto registry = registry::make_registry(cfg.registry, registry_client, cfg.stage);
        node::NodeServer server(ioc, nc, store, *registry, *wallet, log);
        start_or_explain("the node", "another node running? Stop it, or use --port or \"node.port\"",
                         [&] { server.start(); });
        const bool embedded = cfg.registry.backend == config::RegistryConfig::Backend::embedded;
        // The node's own listing: made here for the embedded registry; on a chain the operator lists the node
        // (`scn-tools registry set-node`, paid from a funded account), so the node only checks it.
        boost::asio::co_spawn(
            ioc,
            [&]() -> boost::asio::awaitable<void> {
                const auto address = wallet->address();
                const auto listed = co_await registry->node(address);
                if (listed == server.url()) {
                    co_return;
                }
                if (embedded) {
                    const registry::Signers who{*wallet};
                    const std::string url = server.url();
                    co_await registry->set_node(who, url);
                } else {
                    const std::string url = server.url();
                    log.warn("this node (operator " + address.checksummed() + ") is listed in the " +
                             registry->describe() + " as \"" + listed + "\", not " + url +
                             ": parties cannot register until it is. List it with SIGNER_KEY=<NODE_KEY> "
                             "scn-tools registry set-node " +
                             url + " (SPENDER_KEY=<a funded key> pays if that account has no funds)");
                }
            },
            [&log](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        log.warn(std::string("could not check this node's registry listing: ") + ex.what());
                    }
                }
            });
        log.info("SCN node listening on " + server.url() + " (operator address " + wallet->address().lower() + ")");
        if (nc.console_buffer > 0) {
            log.info("Console: " + server.url() + "/console");
        }
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping SCN node...");
            server.stop();
            ioc.stop();
        });
        ioc.run();
        return 0;
    } catch (const std::exception& e) {
        sink->flush();
        std::cerr << "scn-tools node: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
