#include <scn/eth/transaction.hpp>

namespace scn::eth {
namespace {

Bytes length_prefix(std::size_t length, std::uint8_t short_base, std::uint8_t long_base) {
    if (length <= 55) {
        return {static_cast<std::uint8_t>(short_base + length)};
    }
    Bytes len;
    for (std::size_t n = length; n > 0; n >>= 8) {
        len.insert(len.begin(), static_cast<std::uint8_t>(n & 0xFF));
    }
    Bytes out{static_cast<std::uint8_t>(long_base + len.size())};
    out.insert(out.end(), len.begin(), len.end());
    return out;
}

Bytes trimmed(std::span<const std::uint8_t> bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && bytes[i] == 0) {
        ++i;
    }
    return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.end());
}

}  // namespace

Bytes to_bytes(const U256& value) {
    Bytes out;
    boost::multiprecision::export_bits(value, std::back_inserter(out), 8);
    return trimmed(out);
}

Bytes rlp::bytes(std::span<const std::uint8_t> data) {
    if (data.size() == 1 && data[0] < 0x80) {
        return {data[0]};
    }
    Bytes out = length_prefix(data.size(), 0x80, 0xB7);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

Bytes rlp::uint(const U256& value) {
    return rlp::bytes(to_bytes(value));
}

Bytes rlp::list(const std::vector<Bytes>& encoded_items) {
    std::size_t total = 0;
    for (const auto& item : encoded_items) {
        total += item.size();
    }
    Bytes out = length_prefix(total, 0xC0, 0xF7);
    for (const auto& item : encoded_items) {
        out.insert(out.end(), item.begin(), item.end());
    }
    return out;
}

Bytes LegacyTransaction::signing_payload() const {
    std::vector<Bytes> fields{rlp::uint(nonce), rlp::uint(gas_price),
                              rlp::uint(gas),   to ? rlp::bytes(to->bytes) : rlp::bytes({}),
                              rlp::uint(value), rlp::bytes(data)};
    if (chain_id) {
        fields.push_back(rlp::uint(*chain_id));
        fields.push_back(rlp::uint(0));
        fields.push_back(rlp::uint(0));
    }
    return rlp::list(fields);
}

SignedTransaction sign(const LegacyTransaction& tx, const PrivateKey& key) {
    SignedTransaction out;
    out.signature = key.sign(tx.signing_hash());
    out.v = tx.chain_id ? *tx.chain_id * 2 + 35 + static_cast<std::uint64_t>(out.signature.recovery_id)
                        : 27 + static_cast<std::uint64_t>(out.signature.recovery_id);
    out.raw = rlp::list({rlp::uint(tx.nonce), rlp::uint(tx.gas_price), rlp::uint(tx.gas),
                         tx.to ? rlp::bytes(tx.to->bytes) : rlp::bytes({}), rlp::uint(tx.value), rlp::bytes(tx.data),
                         rlp::uint(out.v), rlp::bytes(trimmed(out.signature.r)), rlp::bytes(trimmed(out.signature.s))});
    out.hash = keccak256(out.raw);
    return out;
}

}  // namespace scn::eth
