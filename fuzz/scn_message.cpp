// A node-to-node message (POST /scn/message) and its wallet signature header, as another node may send them.
#include <scn/node/scn_message.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto m = scn::node::parse_scn_message(text);
        (void)scn::node::serialize(m);
    } catch (const std::invalid_argument&) {
    }
    // The same bytes as a signature of a fixed body.
    (void)scn::node::message_signer("{}", text);
    return 0;
}
