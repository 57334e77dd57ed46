// `scn-tools node`: a local SCN node backed by the embedded registry.
#include <scn/cli/common.hpp>
#include <scn/node/node_server.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {

int run_node(const GlobalOptions& global, const NodeOptions& options) {
    auto sink = core::default_sink();
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
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
        if (cfg.registry.backend != config::RegistryConfig::Backend::embedded) {
            std::cerr << "scn-tools node: the ethereum registry backend is not available in this build yet\n";
            return 2;
        }
        if (nc.api_key.empty()) {
            std::cerr << "scn-tools node: set node.api_key in the configuration (or --api-key): the admin API needs "
                         "it\n";
            return 2;
        }
        node::NodeStore store(nc.db, core::system_clock());
        // The node's wallet: NODE_KEY, else the key generated on the first start and kept in the node's database.
        std::optional<eth::PrivateKey> wallet;
        if (const char* key = std::getenv("NODE_KEY"); key != nullptr && *key != '\0') {
            wallet = eth::PrivateKey::parse(key);
        } else if (const auto stored = store.setting("wallet_key")) {
            wallet = eth::PrivateKey::parse(*stored);
        } else {
            wallet = eth::PrivateKey::generate();
            store.set_setting("wallet_key", wallet->to_hex_secret());
        }
        registry::EmbeddedRegistry registry(cfg.registry.path);
        boost::asio::io_context ioc(1);
        node::NodeServer server(
            ioc, nc, store,
            [&registry](std::string_view cc, std::string_view pid) { return registry.store().party_by_ocpi(cc, pid); },
            *wallet, log);
        server.start();
        if (registry.store().get_node(wallet->address().lower()) != server.url()) {
            try {
                registry.set_node(*wallet, server.url());
            } catch (const registry::RegistryRefused& e) {
                log.warn(std::string("could not list this node in the registry: ") + e.what());
            }
        }
        log.info("SCN node listening on " + server.url() + " (operator address " + wallet->address().lower() + ")");
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping SCN node...");
            server.stop();
            ioc.stop();
        });
        ioc.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools node: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
