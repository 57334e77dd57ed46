#include <scn/eth/registry_abi.hpp>

#include <algorithm>

namespace scn::eth::registry {
namespace {

using Word = std::array<std::uint8_t, 32>;

Word uint_word(std::uint64_t n) {
    Word w{};
    for (int i = 31; i >= 0 && n > 0; --i, n >>= 8) {
        w[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n & 0xFF);
    }
    return w;
}

Word address_word(const Address& a) {
    Word w{};
    std::copy(a.bytes.begin(), a.bytes.end(), w.begin() + 12);
    return w;
}

/// bytesN: left-aligned, right-padded.
Word fixed_bytes_word(std::string_view text, std::size_t n) {
    if (text.size() != n) {
        throw EthError("expected exactly " + std::to_string(n) + " characters, got \"" + std::string(text) + "\"");
    }
    Word w{};
    std::copy(text.begin(), text.end(), w.begin());
    return w;
}

class Encoder {
public:
    explicit Encoder(std::string_view signature) {
        const auto sel = selector(signature);
        out_.assign(sel.begin(), sel.end());
    }
    void word(const Word& w) { head_.push_back(w); }
    void dynamic_uint8_array(const std::vector<std::uint8_t>& values) {
        head_.push_back({});
        pointers_.push_back(head_.size() - 1);
        Bytes tail;
        append(tail, uint_word(values.size()));
        for (const auto v : values) {
            append(tail, uint_word(v));
        }
        tails_.push_back(std::move(tail));
    }
    void dynamic_string(std::string_view s) {
        head_.push_back({});
        pointers_.push_back(head_.size() - 1);
        Bytes tail;
        append(tail, uint_word(s.size()));
        tail.insert(tail.end(), s.begin(), s.end());
        tail.resize(tail.size() + (32 - s.size() % 32) % 32, 0);
        tails_.push_back(std::move(tail));
    }
    Bytes finish() {
        std::size_t offset = head_.size() * 32;
        for (std::size_t i = 0; i < pointers_.size(); ++i) {
            head_[pointers_[i]] = uint_word(offset);
            offset += tails_[i].size();
        }
        for (const auto& w : head_) {
            append(out_, w);
        }
        for (const auto& t : tails_) {
            out_.insert(out_.end(), t.begin(), t.end());
        }
        return std::move(out_);
    }

private:
    static void append(Bytes& b, const Word& w) { b.insert(b.end(), w.begin(), w.end()); }
    Bytes out_;
    std::vector<Word> head_;
    std::vector<std::size_t> pointers_;
    std::vector<Bytes> tails_;
};

class Decoder {
public:
    explicit Decoder(std::span<const std::uint8_t> data) : data_(data) {}

    [[nodiscard]] std::span<const std::uint8_t> word(std::size_t offset) const {
        if (offset + 32 > data_.size() || offset + 32 < offset) {
            throw EthError("return data too short (" + std::to_string(data_.size()) + " bytes)");
        }
        return data_.subspan(offset, 32);
    }
    [[nodiscard]] std::uint64_t uint_at(std::size_t offset) const {
        const auto w = word(offset);
        if (!std::all_of(w.begin(), w.begin() + 24, [](std::uint8_t b) { return b == 0; })) {
            throw EthError("return data holds a number too large for its place");
        }
        std::uint64_t n = 0;
        for (std::size_t i = 24; i < 32; ++i) {
            n = (n << 8) | w[i];
        }
        return n;
    }
    [[nodiscard]] Address address_at(std::size_t offset) const {
        const auto w = word(offset);
        Address a;
        std::copy(w.begin() + 12, w.end(), a.bytes.begin());
        return a;
    }
    /// bytesN read as text, without the zero bytes of an empty value.
    [[nodiscard]] std::string fixed_text_at(std::size_t offset, std::size_t n) const {
        const auto w = word(offset);
        std::string text(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n));
        text.erase(std::find(text.begin(), text.end(), '\0'), text.end());
        return text;
    }
    /// The element count of a dynamic array at `start`, checked against the data: `n` words must follow.
    [[nodiscard]] std::uint64_t array_length(std::uint64_t start) const {
        const auto n = uint_at(start);
        if (n > (data_.size() - start - 32) / 32) {
            throw EthError("return data array of " + std::to_string(n) + " elements runs past the end");
        }
        return n;
    }
    [[nodiscard]] std::vector<std::uint8_t> uint8_array(std::size_t head) const {
        const auto start = uint_at(head);
        const auto n = array_length(start);
        std::vector<std::uint8_t> out;
        for (std::uint64_t i = 0; i < n; ++i) {
            out.push_back(static_cast<std::uint8_t>(uint_at(start + 32 + i * 32)));
        }
        return out;
    }
    [[nodiscard]] std::string string_at(std::size_t head) const {
        const auto start = uint_at(head);
        const auto n = uint_at(start);  // uint_at(start) succeeded: start + 32 <= size
        if (n > data_.size() - start - 32) {
            throw EthError("return data string runs past the end");
        }
        return std::string(data_.begin() + static_cast<std::ptrdiff_t>(start + 32),
                           data_.begin() + static_cast<std::ptrdiff_t>(start + 32 + n));
    }

private:
    std::span<const std::uint8_t> data_;
};

}  // namespace

std::array<std::uint8_t, 4> selector(std::string_view signature) {
    const Hash h = keccak256(signature);
    return {h[0], h[1], h[2], h[3]};
}

Bytes encode_set_node(std::string_view domain) {
    Encoder e("setNode(string)");
    e.dynamic_string(domain);
    return e.finish();
}

Bytes encode_set_party(std::string_view country_code, std::string_view party_id, const std::vector<std::uint8_t>& roles,
                       const Address& operator_address) {
    Encoder e("setParty(bytes2,bytes3,uint8[],address)");
    e.word(fixed_bytes_word(country_code, 2));
    e.word(fixed_bytes_word(party_id, 3));
    e.dynamic_uint8_array(roles);
    e.word(address_word(operator_address));
    return e.finish();
}

Bytes encode_set_party_raw(const Address& party, std::string_view country_code, std::string_view party_id,
                           const std::vector<std::uint8_t>& roles, const Address& operator_address,
                           const Signature& signature) {
    Encoder e("setPartyRaw(address,bytes2,bytes3,uint8[],address,uint8,bytes32,bytes32)");
    e.word(address_word(party));
    e.word(fixed_bytes_word(country_code, 2));
    e.word(fixed_bytes_word(party_id, 3));
    e.dynamic_uint8_array(roles);
    e.word(address_word(operator_address));
    e.word(uint_word(27 + static_cast<std::uint64_t>(signature.recovery_id)));
    e.word(signature.r);
    e.word(signature.s);
    return e.finish();
}

Bytes encode_delete_party_raw(const Address& party, const Signature& signature) {
    Encoder e("deletePartyRaw(address,uint8,bytes32,bytes32)");
    e.word(address_word(party));
    e.word(uint_word(27 + static_cast<std::uint64_t>(signature.recovery_id)));
    e.word(signature.r);
    e.word(signature.s);
    return e.finish();
}

Bytes encode_delete_party() {
    return Encoder("deleteParty()").finish();
}

Bytes encode_set_node_raw(const Address& operator_address, std::string_view domain, const Signature& signature) {
    Encoder e("setNodeRaw(address,string,uint8,bytes32,bytes32)");
    e.word(address_word(operator_address));
    e.dynamic_string(domain);
    e.word(uint_word(27 + static_cast<std::uint64_t>(signature.recovery_id)));
    e.word(signature.r);
    e.word(signature.s);
    return e.finish();
}

Bytes encode_delete_node() {
    return Encoder("deleteNode()").finish();
}

Bytes encode_get_party_details_by_address(const Address& party) {
    Encoder e("getPartyDetailsByAddress(address)");
    e.word(address_word(party));
    return e.finish();
}

Bytes encode_get_party_details_by_ocpi(std::string_view country_code, std::string_view party_id) {
    Encoder e("getPartyDetailsByOcpi(bytes2,bytes3)");
    e.word(fixed_bytes_word(country_code, 2));
    e.word(fixed_bytes_word(party_id, 3));
    return e.finish();
}

Bytes encode_get_operator_by_ocpi(std::string_view country_code, std::string_view party_id) {
    Encoder e("getOperatorByOcpi(bytes2,bytes3)");
    e.word(fixed_bytes_word(country_code, 2));
    e.word(fixed_bytes_word(party_id, 3));
    return e.finish();
}

Bytes encode_get_node(const Address& operator_address) {
    Encoder e("getNode(address)");
    e.word(address_word(operator_address));
    return e.finish();
}

Bytes encode_get_parties() {
    return Encoder("getParties()").finish();
}
Bytes encode_get_node_operators() {
    return Encoder("getNodeOperators()").finish();
}

PartyDetails decode_party_details(std::span<const std::uint8_t> data) {
    const Decoder d(data);
    PartyDetails p;
    p.party = d.address_at(0);
    p.roles = d.uint8_array(32);
    p.modules_sender = d.uint8_array(64);
    p.modules_receiver = d.uint8_array(96);
    p.operator_address = d.address_at(128);
    p.operator_domain = d.string_at(160);
    return p;
}

PartyByAddress decode_party_by_address(std::span<const std::uint8_t> data) {
    const Decoder d(data);
    PartyByAddress p;
    p.country_code = d.fixed_text_at(0, 2);
    p.party_id = d.fixed_text_at(32, 3);
    p.modules_sender = d.uint8_array(64);
    p.modules_receiver = d.uint8_array(96);
    p.roles = d.uint8_array(128);
    p.operator_address = d.address_at(160);
    p.operator_domain = d.string_at(192);
    return p;
}

OperatorInfo decode_operator(std::span<const std::uint8_t> data) {
    const Decoder d(data);
    return {d.address_at(0), d.string_at(32)};
}

std::string decode_string(std::span<const std::uint8_t> data) {
    return Decoder(data).string_at(0);
}

std::vector<Address> decode_address_array(std::span<const std::uint8_t> data) {
    const Decoder d(data);
    const auto start = d.uint_at(0);
    const auto n = d.array_length(start);
    std::vector<Address> out;
    for (std::uint64_t i = 0; i < n; ++i) {
        out.push_back(d.address_at(start + 32 + i * 32));
    }
    return out;
}

Hash set_party_raw_digest(const Address& party, std::string_view country_code, std::string_view party_id,
                          const std::vector<std::uint8_t>& roles, const Address& operator_address) {
    if (country_code.size() != 2 || party_id.size() != 3) {
        throw EthError("country code and party id must be 2 and 3 characters");
    }
    Bytes packed(party.bytes.begin(), party.bytes.end());
    packed.insert(packed.end(), country_code.begin(), country_code.end());
    packed.insert(packed.end(), party_id.begin(), party_id.end());
    for (const auto r : roles) {
        const auto w = uint_word(r);
        packed.insert(packed.end(), w.begin(), w.end());
    }
    packed.insert(packed.end(), operator_address.bytes.begin(), operator_address.bytes.end());
    const Hash param = keccak256(packed);
    return personal_message_hash(param);
}

Hash set_node_raw_digest(const Address& operator_address, std::string_view domain) {
    Bytes packed(operator_address.bytes.begin(), operator_address.bytes.end());
    packed.insert(packed.end(), domain.begin(), domain.end());
    return personal_message_hash(keccak256(packed));
}

Hash delete_party_raw_digest(const Address& party) {
    return personal_message_hash(keccak256(party.bytes));
}

std::optional<std::string> decode_revert_reason(std::span<const std::uint8_t> data) {
    static constexpr std::array<std::uint8_t, 4> kErrorString{0x08, 0xc3, 0x79, 0xa0};
    if (data.size() < 4 + 64 || !std::equal(kErrorString.begin(), kErrorString.end(), data.begin())) {
        return std::nullopt;
    }
    try {
        return Decoder(data.subspan(4)).string_at(0);
    } catch (const EthError&) {
        return std::nullopt;
    }
}

}  // namespace scn::eth::registry
