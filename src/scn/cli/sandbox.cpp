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
#include <thread>
#include <unistd.h>

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

/// Written when the sandbox is ready, removed when it stops: what `--wait-ready` reads.
std::filesystem::path ready_file(const std::filesystem::path& dir) {
    return dir / "ready.json";
}

void write_ready_file(const std::filesystem::path& dir, const json::object& content) {
    const auto tmp = dir / "ready.json.tmp";
    {
        std::ofstream out(tmp);
        out << json::serialize(content) << "\n";
    }
    ::chmod(tmp.c_str(), 0600);  // the tokens in it are the sandbox's credentials
    std::filesystem::rename(tmp, ready_file(dir));
}

/// The process id of a live sandbox whose ready file is in `dir`, if any.
std::optional<std::int64_t> running_sandbox(const std::filesystem::path& dir) {
    std::ifstream in(ready_file(dir));
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    const auto doc = json::parse(text.str(), ec);
    const auto* pid = !ec && doc.is_object() ? doc.as_object().if_contains("pid") : nullptr;
    if (pid == nullptr || !pid->is_int64() || pid->as_int64() == ::getpid()) {
        return std::nullopt;
    }
    // A sandbox killed without its clean stop leaves the file behind, and its pid may be someone else's by now:
    // only a live process running a sandbox counts.
    std::ifstream cmdline("/proc/" + std::to_string(pid->as_int64()) + "/cmdline", std::ios::binary);
    std::stringstream args;
    args << cmdline.rdbuf();
    if (args.str().find(std::string("sandbox") + '\0') == std::string::npos) {
        return std::nullopt;
    }
    return pid->as_int64();
}

/// Whether something answers HTTP at `url` (any status: a 401 from a party is an answer).
bool answers(const std::string& url) {
    try {
        http::ClientRequest req{http::Method::get, url, {}, {}};
        req.connect_timeout = std::chrono::milliseconds(500);
        req.timeout = std::chrono::seconds(2);
        return http::send_blocking(req).status != 0;
    } catch (const http::ClientError&) {
        return false;
    }
}

/// Why the sandbox of `dir` is not ready yet, or nullopt with its ready file read into `out`.
std::optional<std::string> not_ready(const std::filesystem::path& dir, json::object& out) {
    std::ifstream in(ready_file(dir));
    if (!in) {
        return "no sandbox has said it is ready in " + dir.string();
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(text.str(), ec);
    if (ec || !doc.is_object()) {
        return ready_file(dir).string() + " is not readable yet";
    }
    out = std::move(doc.as_object());
    if (!running_sandbox(dir)) {
        return "the sandbox that wrote " + ready_file(dir).string() + " is no longer running";
    }
    for (const char* part : {"node", "cpo", "msp"}) {
        const auto* url = out.if_contains(std::string(part) + "_url");
        if (url == nullptr || !url->is_string()) {
            return ready_file(dir).string() + " names no " + part + " URL";
        }
        const std::string probe =
            std::string(url->as_string()) + (part == std::string("node") ? "/health" : "/scpi/versions");
        if (!answers(probe)) {
            return std::string("the ") + part + " does not answer at " + probe;
        }
    }
    return std::nullopt;
}

int wait_ready(const SandboxOptions& options) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(options.wait_timeout_s);
    std::string why;
    while (true) {
        json::object ready;
        const auto problem = not_ready(options.dir, ready);
        if (!problem) {
            std::cout << "SCN_NODE_URL=" << ready.at("node_url").as_string().c_str() << "\n"
                      << "SCN_CPO_TOKEN=" << ready.at("cpo_token").as_string().c_str() << "\n"
                      << "SCN_MSP_TOKEN=" << ready.at("msp_token").as_string().c_str() << "\n";
            for (const auto& [key, name] :
                 {std::pair{"cpo_control_url", "SCN_CPO_CONTROL"}, std::pair{"msp_control_url", "SCN_MSP_CONTROL"}}) {
                if (const auto* url = ready.if_contains(key); url != nullptr && url->is_string()) {
                    std::cout << name << "=" << url->get_string().c_str() << "\n";
                }
            }
            return 0;
        }
        why = *problem;
        if (std::chrono::steady_clock::now() >= until) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::cerr << "scn-tools sandbox: not ready after " << options.wait_timeout_s << " s: " << why << "\n";
    return 1;
}

}  // namespace

int run_sandbox(const GlobalOptions& global, const SandboxOptions& options) {
    auto sink = std::make_shared<core::ConsoleSink>(/*show_source=*/true);
    sink->set_min_level(global.verbose ? core::LogLevel::debug : core::LogLevel::info);
    sink->start_background_writer();
    const core::Logger log("sandbox", sink);
    if (options.wait_ready) {
        return wait_ready(options);
    }
    if (options.registry_address && !options.chain) {
        std::cerr << "scn-tools sandbox: --registry-address needs --chain (the JSON-RPC URL of that chain)\n";
        return 2;
    }
    try {
        const auto& dir = options.dir;
        std::filesystem::create_directories(dir);
        if (const auto owner = running_sandbox(dir)) {
            sink->flush();
            std::cerr << "scn-tools sandbox: another sandbox (pid " << *owner << ") is running with --dir "
                      << dir.string() << "; stop it first\n";
            return 1;
        }
        if (options.reset) {
            for (const char* f : {"registry.db", "node.db", "cpo.db", "msp.db", "keys.json"}) {
                for (const char* suffix : {"", "-wal", "-shm"}) {
                    std::filesystem::remove(dir / (std::string(f) + suffix));
                }
            }
        }
        auto cfg = global.config_given ? load_config(global, log) : config::defaults();
        if (cfg.cpo.protocol != "scpi-2.2" || cfg.msp.protocol != "scpi-2.2") {
            throw std::runtime_error(
                "the sandbox is an SCN network and speaks SCPI 2.2; run OCPI 2.2.1 parties with "
                "`scn-tools mock --cpo --protocol ocpi-2.2.1` (and --msp)");
        }
        cfg.node.api_key = cfg.node.api_key.empty() ? "randomkey" : cfg.node.api_key;
        cfg.node.db = dir / "node.db";
        if (options.console_buffer) {
            cfg.node.console_buffer = cfg.cpo.console_buffer = cfg.msp.console_buffer = *options.console_buffer;
        }
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
        // The parties' time: real time until a test moves it on through a control API (both parties follow).
        core::VirtualClock clock;
        party::PartyStore cpo_store(cfg.cpo.db, clock);
        party::PartyStore msp_store(cfg.msp.db, clock);
        node::NodeServer node(ioc, cfg.node, node_store, *registry, keys.node, core::Logger("node", sink));
        party::Cpo cpo(ioc, cfg.cpo, cpo_store, core::Logger("cpo", sink), clock);
        party::Msp msp(ioc, cfg.msp, msp_store, core::Logger("msp", sink), clock);
        const auto busy = [](const char* key) {
            return std::string("another sandbox running? Stop it, or change \"") + key + "\" in a --config file";
        };
        const auto cpo_control = make_control(ioc, cpo, clock, cfg.cpo, core::Logger("cpo-control", sink));
        const auto msp_control = make_control(ioc, msp, clock, cfg.msp, core::Logger("msp-control", sink));
        start_or_explain("the node", busy("node.port"), [&] { node.start(); });
        start_or_explain("the CPO", busy("cpo.port"), [&] { cpo.start_all(); });
        start_or_explain("the MSP", busy("msp.port"), [&] { msp.start_all(); });
        if (cpo_control) {
            start_or_explain("the CPO's control API", busy("cpo.control_port"), [&] { cpo_control->start(); });
            cpo_control->set_sibling(&msp);
        }
        if (msp_control) {
            start_or_explain("the MSP's control API", busy("msp.control_port"), [&] { msp_control->start(); });
            msp_control->set_sibling(&cpo);
        }
        std::filesystem::remove(ready_file(dir));  // ready again only once this run is
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
            boost::json::object ready{{"pid", static_cast<std::int64_t>(::getpid())},
                                      {"node_url", node_url},
                                      {"cpo_url", cpo.public_url()},
                                      {"msp_url", msp.public_url()},
                                      {"cpo_token", c.token_c},
                                      {"msp_token", m.token_c}};
            if (cpo_control) {
                ready["cpo_control_url"] = cpo_control->url();
                log.info("The CPO's control API: " + cpo_control->url() + "/control");
                if (cfg.cpo.console_buffer > 0) {
                    log.info("The CPO's console: " + cpo_control->url() + "/console");
                }
            }
            if (msp_control) {
                ready["msp_control_url"] = msp_control->url();
                log.info("The MSP's control API: " + msp_control->url() + "/control");
                if (cfg.msp.console_buffer > 0) {
                    log.info("The MSP's console: " + msp_control->url() + "/console");
                }
            }
            write_ready_file(dir, ready);
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
            for (auto* control : {cpo_control.get(), msp_control.get()}) {
                if (control != nullptr) {
                    control->stop();
                }
            }
            ioc.stop();
        });

        boost::asio::steady_timer grace(ioc);
        http::on_stop_signal(ioc, [&](int) {
            log.info("Stopping the sandbox...");
            cpo.stop_all();
            msp.stop_all();
            node.stop();
            for (auto* control : {cpo_control.get(), msp_control.get()}) {
                if (control != nullptr) {
                    control->stop();
                }
            }
            grace.expires_after(std::chrono::milliseconds(300));  // let answers in flight go out
            grace.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
        });
        ioc.run();
        std::filesystem::remove(ready_file(dir));
        return exit_code;
    } catch (const std::exception& e) {
        sink->flush();
        std::cerr << "scn-tools sandbox: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
