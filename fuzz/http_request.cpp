// An HTTP/1.1 request as a peer may send it, through the parser the server uses and the accessors handlers call.
#include <scn/http/parsers.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    scn::http::Request req;
    scn::http::detail::RequestParser parser(req, 64 * 1024, 16 * 1024);
    boost::beast::error_code ec;
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    // Fed in pieces, as a socket delivers them.
    while (!rest.empty() && !ec && !parser.is_done()) {
        const auto piece = rest.substr(0, 7 + rest.size() % 13);
        const auto used = parser.put(boost::asio::buffer(piece.data(), piece.size()), ec);
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            rest.remove_prefix(used);
            if (used == 0) {
                break;
            }
            continue;
        }
        rest.remove_prefix(used);
    }
    if (parser.is_header_done()) {
        (void)req.header("Authorization");
        (void)req.header("x-request-id");
        for (const auto& [name, value] : req.headers) {
            (void)name;
            (void)value;
        }
    }
    return 0;
}
