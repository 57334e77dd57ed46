#include <scn/cli/app.hpp>
#include <scn/cli/options.hpp>

#include <CLI/CLI.hpp>

#include <functional>

namespace scn::cli {

extern const char* const kBuildCommit;  // version_info.cpp, generated at build time

int run(int argc, char** argv) {
    CLI::App app{
        "scn-tools: mock SCPI parties, a local SCN node and SCN Registry tools for Smart Charging Network "
        "developers",
        "scn-tools"};
    app.set_version_flag("-V,--version", std::string("scn-tools ") + SCN_VERSION + " (commit " + kBuildCommit + ")");
    app.require_subcommand(1);
    app.fallthrough();

    GlobalOptions global;
    app.add_option("-c,--config", global.config, "Configuration file (default config/config.json)")
        ->each([&](const std::string&) { global.config_given = true; });
    app.add_flag("-v,--verbose", global.verbose, "Also log debug details");

    std::function<int()> action;

    MockOptions mock;
    auto* mock_cmd = app.add_subcommand("mock", "Run a mock CPO or MSP (registers it first when TOKEN_A is set)");
    auto* cpo_flag = mock_cmd->add_flag_callback(
        "--cpo", [&] { mock.party = MockOptions::Party::cpo; }, "Run the mock Charge Point Operator");
    auto* msp_flag = mock_cmd->add_flag_callback(
        "--msp", [&] { mock.party = MockOptions::Party::msp; }, "Run the mock e-Mobility Service Provider");
    cpo_flag->excludes(msp_flag);
    mock_cmd->add_flag("--offline", mock.offline, "Run without registry or node, for bilateral testing");
    mock_cmd->add_flag("--register-only", mock.register_only, "Register and connect the party, then exit");
    mock_cmd->add_option("--port", mock.port, "Port to listen on (overrides the configuration)");
    mock_cmd->add_option("--control-port", mock.control_port,
                         "Port of the control API (default 3100 for the CPO, 3101 for the MSP; 0 turns it off)");
    mock_cmd->add_option("--data", mock.data_dir, "Data directory (overrides the configuration)");
    mock_cmd->add_option("--db", mock.db, "SQLite database file (overrides the configuration)");
    mock_cmd->add_option("--console-buffer", mock.console_buffer,
                         "Exchanges the console on the control port keeps (default 2000; 0 turns it off)");
    mock_cmd
        ->add_option("--protocol", mock.protocol,
                     "scpi-2.2 (default) or ocpi-2.2.1: plain OCPI 2.2.1 for a bilateral partner, always offline")
        ->check(CLI::IsMember({"scpi-2.2", "ocpi-2.2.1"}));
    mock_cmd->callback([&] {
        if (cpo_flag->count() + msp_flag->count() != 1) {
            throw CLI::ValidationError("mock", "say which party to run: --cpo or --msp");
        }
        action = [&] { return run_mock(global, mock); };
    });

    NodeOptions node;
    auto* node_cmd = app.add_subcommand("node", "Run a local SCN node");
    node_cmd->add_option("--port", node.port, "Port to listen on (default 8080)");
    node_cmd->add_option("--public-url", node.public_url, "URL the node is reached at (default http://localhost:8080)");
    node_cmd->add_option("--api-key", node.api_key, "Admin API key");
    node_cmd->add_option("--db", node.db, "SQLite database file");
    node_cmd->add_option("--console-buffer", node.console_buffer,
                         "Exchanges the console (GET /console) keeps (default 2000; 0 turns it off)");
    node_cmd->callback([&] { action = [&] { return run_node(global, node); }; });

    SandboxOptions sandbox;
    auto* sandbox_cmd = app.add_subcommand("sandbox", "Run a whole SCN on this machine: registry, node, CPO and MSP");
    sandbox_cmd->add_option("--dir", sandbox.dir, "Directory for the sandbox's configuration and state")
        ->capture_default_str();
    sandbox_cmd->add_option("--chain", sandbox.chain,
                            "JSON-RPC URL of a chain to use instead of the embedded registry");
    sandbox_cmd->add_option("--registry-address", sandbox.registry_address, "Registry contract address on --chain");
    sandbox_cmd->add_option("--console-buffer", sandbox.console_buffer,
                            "Exchanges each console (node, CPO, MSP) keeps (default 2000; 0 turns them off)");
    sandbox_cmd->add_flag("--reset", sandbox.reset, "Start from a clean state (deletes the sandbox's databases)");
    auto* wait_flag = sandbox_cmd->add_flag(
        "--wait-ready", sandbox.wait_ready,
        "Start nothing: wait until the sandbox of --dir is ready, then print SCN_NODE_URL, SCN_CPO_TOKEN and "
        "SCN_MSP_TOKEN as shell assignments (for scripts and CI jobs: eval \"$(scn-tools sandbox --wait-ready)\")");
    sandbox_cmd->add_option("--timeout", sandbox.wait_timeout_s, "Seconds --wait-ready waits")
        ->capture_default_str()
        ->needs(wait_flag);
    sandbox_cmd->callback([&] { action = [&] { return run_sandbox(global, sandbox); }; });

    RegistryOptions registry;
    auto* registry_cmd = app.add_subcommand("registry", "Read and write the SCN Registry");
    registry_cmd
        ->add_option("action", registry.action,
                     "get-node, list-nodes, get-party, list-parties, set-node, set-party or delete-party")
        ->required()
        ->check(CLI::IsMember(
            {"get-node", "list-nodes", "get-party", "list-parties", "set-node", "set-party", "delete-party"}));
    registry_cmd->add_option("args", registry.args, "Arguments of the action (e.g. CH CPO, or a node URL)");
    registry_cmd->add_option("--address", registry.address, "Look up or act on this address");
    registry_cmd->add_option("--operator", registry.operator_address, "Node operator address (set-party)");
    registry_cmd->add_option("--role", registry.roles, "Role(s) for set-party: CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP");
    registry_cmd->add_flag("--json", registry.json, "Print JSON for scripts");
    registry_cmd->callback([&] { action = [&] { return run_registry(global, registry); }; });

    OutboxOptions outbox;
    auto* outbox_cmd =
        app.add_subcommand("outbox", "List the pushes a mock party has not delivered yet, or those it gave up on");
    auto* outbox_cpo = outbox_cmd->add_flag_callback(
        "--cpo", [&] { outbox.party = OutboxOptions::Party::cpo; }, "The mock CPO's outbox");
    auto* outbox_msp = outbox_cmd->add_flag_callback(
        "--msp", [&] { outbox.party = OutboxOptions::Party::msp; }, "The mock MSP's outbox");
    outbox_cpo->excludes(outbox_msp);
    outbox_cmd->add_flag("--dead", outbox.dead, "List the dead letters (messages given up on)");
    outbox_cmd->add_flag("--json", outbox.json, "Print JSON for scripts");
    outbox_cmd->add_option("--db", outbox.db, "The party's SQLite database file (overrides the configuration)");
    outbox_cmd->add_option("--retry", outbox.retry, "Queue the dead letter with this id again");
    outbox_cmd->add_option("--limit", outbox.limit, "List at most this many")->capture_default_str();
    outbox_cmd->callback([&] {
        if (outbox_cpo->count() + outbox_msp->count() != 1 && !outbox.db) {
            throw CLI::ValidationError("outbox", "say which party: --cpo or --msp (or its database: --db FILE)");
        }
        action = [&] { return run_outbox(global, outbox); };
    });

    RequestOptions request;
    auto* request_cmd = app.add_subcommand("request", "Send an SCPI request as a configured party through its node");
    request_cmd->add_option("--as", request.as, "Party to send as: cpo or msp")->capture_default_str();
    request_cmd->add_option("--to", request.to, "Recipient as COUNTRY/PARTY, e.g. CH/CPO");
    request_cmd->add_option("words", request.words,
                            "METHOD PATH (get locations/Loc1, post commands/START_SESSION) or a verb: start-session, "
                            "stop-session ID, reserve, cancel-reservation ID, unlock");
    request_cmd->add_option("-d,--data", request.data, "Request body: JSON text or @file");
    request_cmd->add_flag("--all", request.all_pages, "Follow Link headers and print every page");
    request_cmd->add_flag("--raw", request.raw, "Print the response body as received");
    request_cmd->add_option("--location", request.location, "Location id (start-session, reserve, unlock)");
    request_cmd->add_option("--evse", request.evse, "EVSE uid (start-session, reserve, unlock)");
    request_cmd->add_option("--connector", request.connector, "Connector id (start-session, unlock)");
    request_cmd->add_option("--token", request.token_uid, "Driver token uid (start-session, reserve)");
    request_cmd->add_option("--reservation-id", request.reservation_id, "Reservation id (reserve)");
    request_cmd->add_option("--expiry", request.expiry, "Reservation expiry as a DateTime (reserve)");
    request_cmd->add_flag("--sign", request.sign,
                          "Sign the request (SCN-Signature) with the party's key; always so with `signatures` on");
    request_cmd->callback([&] { action = [&] { return run_request(global, request); }; });

    CheckCommandOptions check;
    auto* check_cmd = app.add_subcommand(
        "check", "Check an SCPI party against the protocol, straight at its versions URL or through a node");
    auto* versions_opt =
        check_cmd->add_option("--versions-url", check.versions_url,
                              "The party's versions endpoint (e.g. http://localhost:3000/scpi/versions)");
    auto* node_opt = check_cmd->add_option("--node", check.node, "Check through this SCN node instead");
    versions_opt->excludes(node_opt);
    check_cmd
        ->add_option("--token", check.token,
                     "A token the party accepts; through a node, the TOKEN_C of a party registered there")
        ->required();
    check_cmd->add_option("--role", check.role, "Role of the party under test: cpo or emsp")
        ->required()
        ->check(CLI::IsMember({"cpo", "emsp"}));
    check_cmd->add_option("--from", check.from, "Routing: the calling party as COUNTRY/PARTY (required with --node)");
    check_cmd->add_option("--to", check.to, "Routing: the party under test as COUNTRY/PARTY (required with --node)");
    check_cmd
        ->add_option("--protocol", check.protocol,
                     "scpi-2.2 (default) or ocpi-2.2.1: the party speaks plain OCPI 2.2.1 (checked directly)")
        ->check(CLI::IsMember({"scpi-2.2", "ocpi-2.2.1"}))
        ->capture_default_str();
    check_cmd->add_option("--json", check.json, "Write the report as JSON to this file");
    check_cmd->add_option("--junit", check.junit, "Write the report as JUnit XML to this file");
    check_cmd->add_option("--timeout", check.timeout_s, "Seconds for the whole run")->capture_default_str();
    check_cmd->add_option("--call-timeout", check.call_timeout_s, "Seconds for one request")->capture_default_str();
    check_cmd->add_flag("--active", check.active,
                        "Also provoke behaviour: commands to a CPO (results served by the checker), a location, a "
                        "session and a CDR pushed to an eMSP");
    check_cmd->add_option("--listen", check.listen, "With --active: ADDRESS:PORT to serve command results on")
        ->capture_default_str();
    check_cmd->add_option("--callback-url", check.callback_url,
                          "With --active: the base URL the party reaches that server at (default: the --listen "
                          "address)");
    check_cmd->callback([&] {
        if (!check.versions_url && !check.node) {
            throw CLI::ValidationError("check", "say where the party is: --versions-url URL, or --node URL");
        }
        if (check.node && (!check.from || !check.to)) {
            throw CLI::ValidationError("check", "through a node, give --from and --to (COUNTRY/PARTY)");
        }
        action = [&] { return run_check(global, check); };
    });

    ScenarioOptions scenario;
    auto* scenario_cmd =
        app.add_subcommand("scenario", "Run a scripted journey against the running sandbox, with expectations");
    scenario_cmd->add_option("action", scenario.action, "list, or run")
        ->required()
        ->check(CLI::IsMember({"list", "run"}));
    scenario_cmd->add_option("scenario", scenario.scenario,
                             "A built-in scenario (scn-tools scenario list) or a scenario file (JSON)");
    scenario_cmd->add_option("--dir", scenario.dir, "The running sandbox's --dir")->capture_default_str();
    scenario_cmd->add_option("--seed", scenario.seed, "Seed of the generated uids (default: the scenario's)");
    scenario_cmd->callback([&] { action = [&] { return run_scenario(global, scenario); }; });

    GenerateOptions generate;
    auto* generate_cmd = app.add_subcommand("generate", "Generate test data");
    generate_cmd->add_option("what", generate.what, "What to generate")->check(CLI::IsMember({"locations"}));
    generate_cmd->add_option("--count", generate.count, "How many")->capture_default_str();
    generate_cmd->add_option("--out", generate.out, "Output directory")->capture_default_str();
    generate_cmd->add_option("--seed", generate.seed, "Random seed (same seed, same data)")->capture_default_str();
    generate_cmd
        ->add_option(
            "--format", generate.format,
            "Above 10,000 locations: both (compressed blocks, served from, and plain lines, sent straight from "
            "the page cache when there), compressed (about a tenth of the size) or plain")
        ->check(CLI::IsMember({"both", "compressed", "plain"}))
        ->capture_default_str();
    generate_cmd->callback([&] { action = [&] { return run_generate(global, generate); }; });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return action ? action() : 2;
}

}  // namespace scn::cli
