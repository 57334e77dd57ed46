// `scn-tools sandbox`: a whole SCN in one process and one terminal: the embedded registry, the local node on 8080,
// the mock CPO on 3000 and the mock MSP on 3001, registered and connected.
#include <scn/cli/common.hpp>
#include <scn/core/random.hpp>
#include <scn/node/node_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fstream>
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
    const core::Logger log("sandbox", sink);
    if (options.chain || options.registry_address) {
        std::cerr << "scn-tools sandbox: --chain is not available in this build yet; the sandbox uses the embedded "
                     "registry\n";
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
        cfg.registry.path = dir / "registry.db";
        cfg.cpo.data_dir = resolve_data_dir(cfg.cpo.data_dir);
        cfg.msp.data_dir = resolve_data_dir(cfg.msp.data_dir);
        const auto keys = load_or_create_keys(dir / "keys.json");

        boost::asio::io_context ioc(1);
        registry::EmbeddedRegistry registry(cfg.registry.path);
        node::NodeStore node_store(cfg.node.db, core::system_clock());
        party::PartyStore cpo_store(cfg.cpo.db, core::system_clock());
        party::PartyStore msp_store(cfg.msp.db, core::system_clock());
        node::NodeServer node(
            ioc, cfg.node, node_store,
            [&registry](std::string_view cc, std::string_view pid) { return registry.store().party_by_ocpi(cc, pid); },
            keys.node, core::Logger("node", sink));
        party::Cpo cpo(ioc, cfg.cpo, cpo_store, core::Logger("cpo", sink));
        party::Msp msp(ioc, cfg.msp, msp_store, core::Logger("msp", sink));
        node.start();
        if (registry.store().get_node(keys.node.address().lower()) != node.url()) {
            registry.set_node(keys.node, node.url());
        }
        cpo.start_all();
        msp.start_all();
        http::Client client(ioc.get_executor());

        int exit_code = 0;
        int connected = 0;
        std::map<std::string, std::string> tokens;
        const auto join = [&](party::PartyServer& party, party::PartyStore& store, const eth::PrivateKey& signer,
                              std::function<void(const party::Peer&)> set_peer) {
            auto done = [&, set_peer](const party::NodeConnection& c) {
                party.accept_token(c.token_b);
                set_peer(c.peer());
                tokens[party.name()] = c.token_c;
                if (++connected == 2) {
                    log.info("To send requests as the CPO, use Authorization Token " + tokens["CPO"]);
                    log.info("To send requests as the MSP, use Authorization Token " + tokens["MSP"]);
                    log.info("Try: " + curl_example(tokens["MSP"]));
                    log.info("Sandbox ready (state in " + dir.string() + "); Ctrl-C stops it");
                }
            };
            if (const auto stored = party::stored_connection(store)) {
                done(*stored);
                return;
            }
            party::RegistryAccess access{[&registry](const std::string& cc, const std::string& pid) {
                                             return registry.store().party_by_ocpi(cc, pid);
                                         },
                                         [&registry, &signer](const config::RoleConfig& role, const std::string& op) {
                                             registry.set_party(signer, role.country_code, role.party_id,
                                                                {*registry::role_from_string(role.role)},
                                                                eth::Address::parse(op));
                                         }};
            boost::asio::co_spawn(
                ioc,
                party::register_with_node(party, store, client, node.url(), node_store.create_planned_platform(),
                                          std::move(access), core::Logger(party.name() == "CPO" ? "cpo" : "msp", sink)),
                [&, done](std::exception_ptr e, party::NodeConnection c) {
                    if (e) {
                        try {
                            std::rethrow_exception(e);
                        } catch (const std::exception& ex) {
                            log.error(party.name() + " could not register: " + ex.what());
                        }
                        exit_code = 1;
                        ioc.stop();
                        return;
                    }
                    done(c);
                });
        };
        join(cpo, cpo_store, keys.cpo, [&](const party::Peer& p) { cpo.set_peer(p); });
        join(msp, msp_store, keys.msp, [&](const party::Peer& p) { msp.set_peer(p); });

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
        std::cerr << "scn-tools sandbox: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
