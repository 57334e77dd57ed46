#pragma once

// The mock parties as the integration tests run them: on free ports of 127.0.0.1, with the shipped data.
#include <scn/config/config.hpp>

#include <chrono>
#include <filesystem>

namespace scn::test {

/// The CPO's or MSP's default configuration on a free port, reading the repository's data, with session pushes
/// every second.
inline config::PartyConfig local_party_config(bool cpo) {
    auto c = cpo ? config::defaults().cpo : config::defaults().msp;
    c.port = 0;
    c.public_url.clear();
    c.data_dir = std::filesystem::path(SCN_SOURCE_DIR) / (cpo ? "data/cpo" : "data/msp");
    if (cpo) {
        c.session_update_interval = std::chrono::seconds(1);
    }
    return c;
}

}  // namespace scn::test
