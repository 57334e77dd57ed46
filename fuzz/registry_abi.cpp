// Return data of the registry contract, as a chain's JSON-RPC answer delivers it.
#include <scn/eth/registry_abi.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    using namespace scn::eth::registry;
    const auto attempt = [](auto&& decode) {
        try {
            decode();
        } catch (const scn::eth::EthError&) {
        }
    };
    attempt([&] { (void)decode_party_details(bytes); });
    attempt([&] { (void)decode_party_by_address(bytes); });
    attempt([&] { (void)decode_operator(bytes); });
    attempt([&] { (void)decode_string(bytes); });
    attempt([&] { (void)decode_address_array(bytes); });
    attempt([&] { (void)decode_revert_reason(bytes); });
    return 0;
}
