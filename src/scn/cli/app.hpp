#pragma once

namespace scn::cli {

/// The `scn-tools` command line: parses arguments, runs the chosen subcommand, returns the process exit status.
int run(int argc, char** argv);

}  // namespace scn::cli
