#include <scn/cli/app.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace scn::cli {

int run(int argc, char** argv) {
    CLI::App app{
        "scn-tools: mock SCPI parties, a local SCN node and registry tools for Smart Charging Network developers",
        "scn-tools"};
    app.set_version_flag("-V,--version", std::string("scn-tools ") + SCN_VERSION);
    app.require_subcommand(1);
    app.add_subcommand("mock", "Run a mock CPO or MSP");
    app.add_subcommand("node", "Run a local SCN node");
    app.add_subcommand("sandbox", "Run a whole SCN (registry, node, CPO, MSP) on this machine");
    app.add_subcommand("registry", "Read and write the SCN Registry");
    app.add_subcommand("request", "Send an SCPI request as a configured party");
    app.add_subcommand("generate", "Generate test data");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    std::cerr << "scn-tools: this command is not available yet\n";
    return 2;
}

}  // namespace scn::cli
