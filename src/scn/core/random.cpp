#include <scn/core/random.hpp>

#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <random>
#include <stdexcept>

namespace scn::core {

std::vector<std::uint8_t> random_bytes(std::size_t count) {
    std::vector<std::uint8_t> out(count);
    if (count > 0 && RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
        throw std::runtime_error("the system random generator failed");
    }
    return out;
}

namespace {

std::string format_uuid(std::array<std::uint8_t, 16> b) {
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
    static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 0x0F];
    }
    return out;
}

}  // namespace

std::string random_uuid() {
    std::array<std::uint8_t, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        throw std::runtime_error("the system random generator failed");
    }
    return format_uuid(b);
}

std::string request_uuid() {
    thread_local std::mt19937_64 generator = [] {
        const auto seed = random_bytes(32);
        std::seed_seq sequence(seed.begin(), seed.end());
        return std::mt19937_64(sequence);
    }();
    const std::uint64_t words[2] = {generator(), generator()};
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), words, b.size());
    return format_uuid(b);
}

}  // namespace scn::core
