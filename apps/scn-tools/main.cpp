#include <scn/cli/app.hpp>

int main(int argc, char** argv) {
    return scn::cli::run(argc, argv);
}
