// An SCN-Signature header or `scn_signature` member: Base64 of compressed JSON, as any party may send it.
#include <scn/eth/notary.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto signature =
            scn::eth::notary::deserialize(std::string_view(reinterpret_cast<const char*>(data), size));
        const boost::json::value values{{"headers", boost::json::object{}}, {"body", nullptr}};
        (void)scn::eth::notary::verify(signature, values);
    } catch (const scn::eth::notary::NotaryError&) {
    }
    return 0;
}
