// Subcommands whose implementation has not landed yet say so plainly instead of pretending to work.
#include <scn/cli/options.hpp>

#include <iostream>

namespace scn::cli {
namespace {

int not_yet(const char* what) {
    std::cerr << "scn-tools " << what << ": not available in this build yet\n";
    return 2;
}

}  // namespace

int run_request(const GlobalOptions&, const RequestOptions&) {
    return not_yet("request");
}

}  // namespace scn::cli
