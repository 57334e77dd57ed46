#include <scn/core/hex.hpp>
#include <scn/eth/crypto.hpp>

#include <cryptopp/keccak.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cctype>

namespace scn::eth {
namespace {

secp256k1_context* context() {
    static secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        std::array<unsigned char, 32> seed{};
        // Randomisation only hardens against side channels; signing is correct without it.
        if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) == 1 &&
            secp256k1_context_randomize(c, seed.data()) != 1) {
            seed.fill(0);
        }
        return c;
    }();
    return ctx;
}

Address address_of(const secp256k1_pubkey& pub) {
    std::array<unsigned char, 65> out{};
    std::size_t len = out.size();
    secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    const Hash h = keccak256(std::span(out.data() + 1, 64));
    Address a;
    std::copy(h.begin() + 12, h.end(), a.bytes.begin());
    return a;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes, bool prefix) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out = prefix ? "0x" : "";
    out.reserve(out.size() + bytes.size() * 2);
    for (const auto b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0x0F];
    }
    return out;
}

std::optional<Bytes> from_hex(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
    }
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    Bytes out(text.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = core::hex_value(text[2 * i]);
        const int lo = core::hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return out;
}

Hash keccak256(std::span<const std::uint8_t> data) {
    CryptoPP::Keccak_256 k;
    k.Update(data.data(), data.size());
    Hash h{};
    k.Final(h.data());
    return h;
}

Address Address::parse(std::string_view text) {
    if (text.size() != 42 || !(text.starts_with("0x") || text.starts_with("0X"))) {
        throw EthError("not an address (expected 0x followed by 40 hex digits): \"" + std::string(text) + "\"");
    }
    const auto bytes = from_hex(text);
    if (!bytes) {
        throw EthError("not an address (non-hex characters): \"" + std::string(text) + "\"");
    }
    Address a;
    std::copy(bytes->begin(), bytes->end(), a.bytes.begin());
    const auto digits = text.substr(2);
    const bool has_lower = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; });
    const bool has_upper = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'A' && c <= 'F'; });
    if (has_lower && has_upper && a.checksummed().substr(2) != digits) {
        throw EthError("address checksum (EIP-55) does not match: \"" + std::string(text) + "\"");
    }
    return a;
}

std::string Address::checksummed() const {
    const std::string lower_hex = to_hex(bytes, false);
    const Hash h = keccak256(lower_hex);
    std::string out = "0x";
    for (std::size_t i = 0; i < lower_hex.size(); ++i) {
        const int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0F);
        const char c = lower_hex[i];
        out += (c >= 'a' && nibble >= 8) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    }
    return out;
}

bool Address::is_zero() const {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Bytes Signature::rsv() const {
    Bytes out(r.begin(), r.end());
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(static_cast<std::uint8_t>(27 + recovery_id));
    return out;
}

PrivateKey PrivateKey::parse(std::string_view hex) {
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back())) != 0) {
        hex.remove_suffix(1);
    }
    const auto bytes = from_hex(hex);
    if (!bytes || bytes->size() != 32) {
        throw EthError("a private key must be 64 hex digits (optionally with 0x)");
    }
    PrivateKey k;
    std::copy(bytes->begin(), bytes->end(), k.secret_.begin());
    if (secp256k1_ec_seckey_verify(context(), k.secret_.data()) != 1) {
        throw EthError("the private key is not a valid secp256k1 key (zero or not below the curve order)");
    }
    return k;
}

PrivateKey PrivateKey::generate() {
    PrivateKey k;
    do {
        if (RAND_bytes(k.secret_.data(), static_cast<int>(k.secret_.size())) != 1) {
            throw EthError("the system random generator failed");
        }
    } while (secp256k1_ec_seckey_verify(context(), k.secret_.data()) != 1);
    return k;
}

Address PrivateKey::address() const {
    secp256k1_pubkey pub;
    if (secp256k1_ec_pubkey_create(context(), &pub, secret_.data()) != 1) {
        throw EthError("cannot derive the public key");
    }
    return address_of(pub);
}

Bytes PrivateKey::public_key() const {
    secp256k1_pubkey pub;
    if (secp256k1_ec_pubkey_create(context(), &pub, secret_.data()) != 1) {
        throw EthError("cannot derive the public key");
    }
    Bytes out(65);
    std::size_t len = out.size();
    secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    return out;
}

Signature PrivateKey::sign(const Hash& digest) const {
    secp256k1_ecdsa_recoverable_signature sig;
    if (secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.data(), secret_.data(), nullptr, nullptr) != 1) {
        throw EthError("signing failed");
    }
    std::array<unsigned char, 64> compact{};
    Signature out;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact.data(), &out.recovery_id, &sig);
    std::copy(compact.begin(), compact.begin() + 32, out.r.begin());
    std::copy(compact.begin() + 32, compact.end(), out.s.begin());
    return out;
}

Address recover(const Hash& digest, const Signature& signature) {
    std::array<unsigned char, 64> compact{};
    std::copy(signature.r.begin(), signature.r.end(), compact.begin());
    std::copy(signature.s.begin(), signature.s.end(), compact.begin() + 32);
    secp256k1_ecdsa_recoverable_signature sig;
    if (signature.recovery_id < 0 || signature.recovery_id > 3 ||
        secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, compact.data(), signature.recovery_id) !=
            1) {
        throw EthError("malformed signature");
    }
    secp256k1_pubkey pub;
    if (secp256k1_ecdsa_recover(context(), &pub, &sig, digest.data()) != 1) {
        throw EthError("no public key can be recovered from this signature");
    }
    return address_of(pub);
}

Hash personal_message_hash(std::span<const std::uint8_t> message) {
    const std::string prefix =
        "\x19"
        "Ethereum Signed Message:\n" +
        std::to_string(message.size());
    Bytes data(prefix.begin(), prefix.end());
    data.insert(data.end(), message.begin(), message.end());
    return keccak256(data);
}

}  // namespace scn::eth
