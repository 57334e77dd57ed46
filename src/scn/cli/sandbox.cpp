// `scn-tools sandbox`: a whole SCN in one process and one terminal: the embedded registry (or the registry contract
// on a chain), the local node on 8080, the mock CPO on 3000 and the mock MSP on 3001, registered and connected.
#include <scn/cli/common.hpp>
#include <scn/core/random.hpp>
#include <scn/node/node_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

namespace scn::cli {
namespace {

namespace json = boost::json;

/// The sandbox's keys (node wallet, party signers), generated on the first run and kept in `<dir>/keys.json`.
struct SandboxKeys {
    eth::PrivateKey node;
    eth::PrivateKey cpo;
    eth::PrivateKey msp;
};

SandboxKeys load_or_create_keys(const std::filesystem::path& file) {
    if (std::filesystem::exists(file)) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        const auto doc = json::parse(text.str()).as_object();
        return {eth::PrivateKey::parse(doc.at("node").as_string()), eth::PrivateKey::parse(doc.at("cpo").as_string()),
                eth::PrivateKey::parse(doc.at("msp").as_string())};
    }
    SandboxKeys keys{eth::PrivateKey::generate(), eth::PrivateKey::generate(), eth::PrivateKey::generate()};
    std::ofstream out(file);
    out << json::serialize(json::object{{"node", keys.node.to_hex_secret()},
                                        {"cpo", keys.cpo.to_hex_secret()},
                                        {"msp", keys.msp.to_hex_secret()}})
        << "\n";
    out.close();
    ::chmod(file.c_str(), 0600);
    return keys;
}

std::string curl_example(const std::string& token) {
    return "curl -s localhost:8080/scpi/sender/2.2/locations -H \"Authorization: Token " + token +
           "\" -H \"X-Request-ID: 0\" -H \"X-Correlation-ID: 0\" -H \"SCPI-From-Country-Code: CH\" -H "
           "\"SCPI-From-Party-Id: MSP\" -H \"SCPI-To-Country-Code: CH\" -H \"SCPI-To-Party-Id: CPO\"";
}

}  // namespace

int run_sandbox(const GlobalOptions& global, const SandboxOptions& options) {
    auto sink = std::make_shared<core::ConsoleSink>(/*show_source=*/true);
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
    sink->start_background_writer();
    const core::Logger log("sandbox", sink);
    if (options.registry_address && !options.chain) {
        std::cerr << "scn-tools sandbox: --registry-address needs --chain (the JSON-RPC URL of that chain)\n";
        return 2;
    }
    try {
        const auto& dir = options.dir;
        std::filesystem::create_directories(dir);
        if (options.reset) {
            for (const char* f : {"registry.db", "node.db", "cpo.db", "msp.db", "keys.json"}) {
                for (const char* suffix : {"", "-wal", "-shm"}) {
                    std::filesystem::remove(dir / (std::string(f) + suffix));
                }
            }
        }
        auto cfg = global.config_given ? load_config(global, log) : config::defaults();
        cfg.node.api_key = cfg.node.api_key.empty() ? "randomkey" : cfg.node.api_key;
        cfg.node.db = dir / "node.db";
        cfg.cpo.db = dir / "cpo.db";
        cfg.msp.db = dir / "msp.db";
        if (options.chain) {
            cfg.registry.backend = config::RegistryConfig::Backend::ethereum;
            cfg.registry.rpc = *options.chain;
            cfg.registry.address = options.registry_address.value_or(cfg.registry.address);
            if (cfg.registry.address.empty()) {
                cfg.registry.stage = "local";  // the contract package's local deployment address
            }
        }
        const bool on_chain = cfg.registry.backend == config::RegistryConfig::Backend::ethereum;
        if (!on_chain) {
            cfg.registry.path = dir / "registry.db";
        }
        cfg.cpo.data_dir = resolve_data_dir(cfg.cpo.data_dir);
        cfg.msp.data_dir = resolve_data_dir(cfg.msp.data_dir);
        const auto keys = load_or_create_keys(dir / "keys.json");

        // On a chain the sandbox's own keys hold no funds: SPENDER_KEY pays for the listings (first run only).
        const auto spender = on_chain ? key_from_env("SPENDER_KEY") : std::nullopt;
        boost::asio::io_context ioc(1);
        http::Client registry_client(ioc.get_executor());
        const auto registry = registry::make_registry(cfg.registry, registry_client, cfg.stage);
        registry->on_progress([&log](const std::string& m) { log.info("Registry: " + m); });
        node::NodeStore node_store(cfg.node.db, core::system_clock());
        party::PartyStore cpo_store(cfg.cpo.db, core::system_clock());
        party::PartyStore msp_store(cfg.msp.db, core::system_clock());
        node::NodeServer node(ioc, cfg.node, node_store, *registry, keys.node, core::Logger("node", sink));
        party::Cpo cpo(ioc, cfg.cpo, cpo_store, core::Logger("cpo", sink));
        party::Msp msp(ioc, cfg.msp, msp_store, core::Logger("msp", sink));
        node.start();
        cpo.start_all();
        msp.start_all();
        http::Client client(ioc.get_executor());

        int exit_code = 0;
        // Bring-up, one step at a time (on a chain, the spender's transactions must not race for nonces): the node's
        // listing, then each party's stored connection or its registration.
        const auto join = [&](party::PartyServer& party, party::PartyStore& store,
                              const eth::PrivateKey& signer) -> boost::asio::awaitable<party::NodeConnection> {
            if (auto stored = party::stored_connection(store)) {
                co_return *stored;
            }
            party::ListingKeys listing{signer, spender};
            const std::string node_url = node.url();
            co_return co_await party::register_with_node(
                party, store, client, node_url, node_store.create_planned_platform(), *registry, std::move(listing),
                core::Logger(party.name() == "CPO" ? "cpo" : "msp", sink));
        };
        const auto bring_up = [&]() -> boost::asio::awaitable<void> {
            const std::string node_url = node.url();
            if (co_await registry->node(keys.node.address()) != node_url) {
                if (on_chain && !spender) {
                    throw std::runtime_error(
                        "the sandbox's node is not listed on the chain yet: set SPENDER_KEY to a "
                        "funded key of that chain; it pays for the listings of the node, the CPO "
                        "and the MSP (first run only)");
                }
                const registry::Signers who{keys.node, spender ? &*spender : nullptr};
                co_await registry->set_node(who, node_url);
            }
            const auto c = co_await join(cpo, cpo_store, keys.cpo);
            cpo.accept_token(c.token_b);
            cpo.set_signer(keys.cpo);
            cpo.set_peer(c.peer());
            const auto m = co_await join(msp, msp_store, keys.msp);
            msp.accept_token(m.token_b);
            msp.set_signer(keys.msp);
            msp.set_peer(m.peer());
            log.info("To send requests as the CPO, use Authorization Token " + c.token_c);
            log.info("To send requests as the MSP, use Authorization Token " + m.token_c);
            log.info("Try: " + curl_example(m.token_c));
            log.info("Sandbox ready (state in " + dir.string() + ", registry: " + registry->describe() +
                     "); Ctrl-C stops it");
        };
        boost::asio::co_spawn(ioc, bring_up(), [&](std::exception_ptr e) {
            if (!e) {
                return;
            }
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::string hint;
                if (std::string_view(ex.what()).find("Domain name already registered") != std::string_view::npos) {
                    hint = " (another operator already listed " + node.url() +
                           " on this chain, e.g. a sandbox with other keys: use a fresh chain or another "
                           "node.public_url)";
                }
                log.error(std::string("the sandbox could not start: ") + ex.what() + hint);
            }
            exit_code = 1;
            cpo.stop_all();
            msp.stop_all();
            node.stop();
            ioc.stop();
        });

        boost::asio::steady_timer grace(ioc);
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping the sandbox...");
            cpo.stop_all();
            msp.stop_all();
            node.stop();
            grace.expires_after(std::chrono::milliseconds(300));  // let answers in flight go out
            grace.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
        });
        ioc.run();
        return exit_code;
    } catch (const std::exception& e) {
        sink->flush();
        std::cerr << "scn-tools sandbox: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
