#pragma once

// Reads the reference vectors in tests/data/eth (produced by the reference libraries on a local chain).
#include <scn/eth/crypto.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace scn::eth::test {

inline boost::json::value vectors(const std::string& file) {
    std::ifstream in(std::string(SCN_TEST_DATA_DIR) + "/eth/" + file);
    std::stringstream s;
    s << in.rdbuf();
    return boost::json::parse(s.str());
}

inline std::string str(const boost::json::value& v) {
    return std::string(v.as_string());
}

inline Bytes hex(const boost::json::value& v) {
    return from_hex(str(v)).value();
}

inline Hash hash(const boost::json::value& v) {
    const auto b = hex(v);
    Hash h{};
    std::copy(b.begin(), b.end(), h.begin());
    return h;
}

}  // namespace scn::eth::test
