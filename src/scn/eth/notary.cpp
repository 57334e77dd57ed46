#include <scn/core/base64.hpp>
#include <scn/core/text.hpp>
#include <scn/eth/notary.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <charconv>
#include <cmath>

namespace scn::eth::notary {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDecompressed = 8 * 1024 * 1024;

/// An array index as JavaScript recognises one among object keys ("0", "17"; not "07" or "-1").
std::optional<std::uint32_t> index_key(std::string_view key) {
    if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
    if (ec != std::errc() || end != key.data() + key.size() || n >= 0xFFFFFFFFULL) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(n);
}

std::string leaf_text(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return std::string(v.get_string());
        case json::kind::bool_:
            return v.get_bool() ? "true" : "false";
        case json::kind::int64:
            return std::to_string(v.get_int64());
        case json::kind::uint64:
            return std::to_string(v.get_uint64());
        case json::kind::double_:
            return js_number(v.get_double());
        default:
            return {};
    }
}

void walk_into(const json::value& v, const std::string& path, Walk& out) {
    if (v.is_null() || (v.is_string() && v.get_string().empty())) {
        return;
    }
    if (v.is_array()) {
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            walk_into(a[i], path + "[" + std::to_string(i) + "]", out);
        }
        return;
    }
    if (v.is_object()) {
        const auto& o = v.get_object();
        std::vector<std::pair<std::uint32_t, const json::key_value_pair*>> indexed;
        for (const auto& kv : o) {
            if (const auto i = index_key(kv.key())) {
                indexed.emplace_back(*i, &kv);
            }
        }
        std::sort(indexed.begin(), indexed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [i, kv] : indexed) {
            walk_into(kv->value(), path + "['" + std::string(kv->key()) + "']", out);
        }
        for (const auto& kv : o) {
            if (!index_key(kv.key())) {
                walk_into(kv.value(), path + "['" + std::string(kv.key()) + "']", out);
            }
        }
        return;
    }
    out.fields.push_back(path);
    out.message += leaf_text(v);
}

/// Resolves `$['a'][0]['b']` in `values`; nullptr when a step does not exist.
const json::value* resolve(const json::value& values, std::string_view path) {
    if (!path.starts_with("$")) {
        return nullptr;
    }
    path.remove_prefix(1);
    const json::value* at = &values;
    while (!path.empty()) {
        if (path.starts_with("['")) {
            const auto end = path.find("']");
            if (end == std::string_view::npos || !at->is_object()) {
                return nullptr;
            }
            at = at->get_object().if_contains(path.substr(2, end - 2));
            path.remove_prefix(end + 2);
        } else if (path.starts_with("[")) {
            const auto end = path.find(']');
            std::size_t i = 0;
            if (end == std::string_view::npos || !at->is_array() ||
                std::from_chars(path.data() + 1, path.data() + end, i).ec != std::errc()) {
                return nullptr;
            }
            at = i < at->get_array().size() ? &at->get_array()[i] : nullptr;
            path.remove_prefix(end + 1);
        } else {
            return nullptr;
        }
        if (at == nullptr) {
            return nullptr;
        }
    }
    return at;
}

/// Writes `value` at `path` in `values`, creating nothing: the path must exist up to its parent.
void assign(json::value& values, std::string_view path, const json::value& value) {
    const auto last = path.rfind('[');
    if (last == std::string_view::npos) {
        return;
    }
    auto* parent = const_cast<json::value*>(resolve(values, path.substr(0, last)));
    if (parent == nullptr) {
        return;
    }
    const auto step = path.substr(last);
    if (step.starts_with("['") && parent->is_object()) {
        parent->get_object()[step.substr(2, step.size() - 4)] = value;
    } else if (parent->is_array()) {
        std::size_t i = 0;
        if (std::from_chars(step.data() + 1, step.data() + step.size() - 1, i).ec == std::errc() &&
            i < parent->get_array().size()) {
            parent->get_array()[i] = value;
        }
    }
}

/// The message over `fields` as a verifier reads it: each path lower-cased, unresolvable paths contribute "".
std::string message_of(const std::vector<std::string>& fields, const json::value& values) {
    std::string message;
    for (const auto& f : fields) {
        if (const auto* v = resolve(values, core::ascii_lower(f))) {
            message += leaf_text(*v);
        }
    }
    return message;
}

std::string hash_text(std::string_view message) {
    return to_hex(keccak256(message));
}

Hash digest_of(std::string_view hash) {
    // EIP-191 over the 66 ASCII characters of the hex hash, not its 32 bytes.
    return personal_message_hash(std::span(reinterpret_cast<const std::uint8_t*>(hash.data()), hash.size()));
}

std::optional<Address> signer_of(std::string_view hash, std::string_view rsv) {
    const auto bytes = from_hex(rsv);
    if (!bytes || bytes->size() != 65) {
        return std::nullopt;
    }
    eth::Signature sig;
    std::copy(bytes->begin(), bytes->begin() + 32, sig.r.begin());
    std::copy(bytes->begin() + 32, bytes->begin() + 64, sig.s.begin());
    const int v = (*bytes)[64];
    sig.recovery_id = v >= 27 ? v - 27 : v;
    if (sig.recovery_id < 0 || sig.recovery_id > 1) {
        return std::nullopt;
    }
    try {
        return recover(digest_of(hash), sig);
    } catch (const EthError&) {
        return std::nullopt;
    }
}

std::optional<Address> parse_address(std::string_view text) {
    try {
        return Address::parse(core::ascii_lower(text));
    } catch (const EthError&) {
        return std::nullopt;
    }
}

json::object to_json(const Signature& s) {
    json::array fields;
    for (const auto& f : s.fields) {
        fields.emplace_back(f);
    }
    json::array rewrites;
    for (const auto& r : s.rewrites) {
        json::object o;
        o["rewrittenFields"] = r.rewritten_fields;
        o["hash"] = r.hash;
        o["rsv"] = r.rsv;
        o["signatory"] = r.signatory;
        rewrites.push_back(std::move(o));
    }
    json::object o;
    o["fields"] = std::move(fields);
    o["hash"] = s.hash;
    o["rsv"] = s.rsv;
    o["signatory"] = s.signatory;
    o["rewrites"] = std::move(rewrites);
    return o;
}

std::string text_member(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) {
        throw NotaryError("signature JSON without " + std::string(name));
    }
    return std::string(v->get_string());
}

}  // namespace

std::string js_number(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (value == 0) {
        return "0";
    }
    if (std::isinf(value)) {
        return value < 0 ? "-Infinity" : "Infinity";
    }
    // Shortest round-trip digits and the decimal exponent, then ECMAScript's layout rules.
    std::array<char, 64> buf{};
    const auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), std::abs(value), std::chars_format::scientific);
    (void)ec;
    const std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));
    const auto e_at = sci.find('e');
    std::string digits;
    for (const char c : sci.substr(0, e_at)) {
        if (c != '.') {
            digits += c;
        }
    }
    int exponent = 0;
    std::from_chars(sci.data() + e_at + 1 + (sci[e_at + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exponent);
    const int k = static_cast<int>(digits.size());
    const int n = exponent + 1;
    std::string out = value < 0 ? "-" : "";
    if (k <= n && n <= 21) {
        out += digits + std::string(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out += digits.substr(0, static_cast<std::size_t>(n)) + "." + digits.substr(static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
    } else {
        out += digits.substr(0, 1);
        if (k > 1) {
            out += "." + digits.substr(1);
        }
        out += "e" + std::string(n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
    }
    return out;
}

Walk walk(const json::value& values) {
    Walk out;
    walk_into(values, "$", out);
    return out;
}

Signature sign(const json::value& values, const PrivateKey& key) {
    const auto w = walk(values);
    Signature s;
    s.fields = w.fields;
    s.hash = hash_text(w.message);
    s.rsv = to_hex(key.sign(digest_of(s.hash)).rsv());
    s.signatory = key.address().checksummed();
    return s;
}

Signature rewrite(Signature previous, json::object originals, const json::value& values, const PrivateKey& key) {
    Rewrite r{std::move(originals), std::move(previous.hash), std::move(previous.rsv), std::move(previous.signatory)};
    auto next = sign(values, key);
    next.rewrites = std::move(previous.rewrites);
    next.rewrites.push_back(std::move(r));
    return next;
}

std::string serialize(const Signature& s) {
    const std::string text = json::serialize(to_json(s));
    std::string compressed(BrotliEncoderMaxCompressedSize(text.size()), '\0');
    std::size_t size = compressed.size();
    if (BrotliEncoderCompress(4, 22, BROTLI_MODE_GENERIC, text.size(),
                              reinterpret_cast<const std::uint8_t*>(text.data()), &size,
                              reinterpret_cast<std::uint8_t*>(compressed.data())) != BROTLI_TRUE) {
        throw NotaryError("Compression failed");
    }
    compressed.resize(size);
    return core::base64_encode(compressed);
}

Signature deserialize(std::string_view text) {
    const auto compressed = core::base64_decode(text);
    if (!compressed) {
        throw NotaryError("Decompression failed");
    }
    BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    std::string out;
    std::array<std::uint8_t, 16384> chunk{};
    std::size_t available_in = compressed->size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(compressed->data());
    BrotliDecoderResult result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    while (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && out.size() <= kMaxDecompressed) {
        std::size_t available_out = chunk.size();
        std::uint8_t* next_out = chunk.data();
        result = BrotliDecoderDecompressStream(state, &available_in, &next_in, &available_out, &next_out, nullptr);
        out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - available_out);
    }
    BrotliDecoderDestroyInstance(state);
    if (result != BROTLI_DECODER_RESULT_SUCCESS) {
        throw NotaryError("Decompression failed");
    }
    boost::system::error_code ec;
    const auto doc = json::parse(out, ec);
    if (ec || !doc.is_object()) {
        throw NotaryError("signature is not a JSON object");
    }
    const auto& o = doc.get_object();
    Signature s;
    if (const auto* f = o.if_contains("fields"); f != nullptr && f->is_array()) {
        for (const auto& p : f->get_array()) {
            if (p.is_string()) {
                s.fields.emplace_back(p.get_string());
            }
        }
    }
    s.hash = text_member(o, "hash");
    s.rsv = text_member(o, "rsv");
    s.signatory = text_member(o, "signatory");
    if (const auto* rw = o.if_contains("rewrites"); rw != nullptr && rw->is_array()) {
        for (const auto& r : rw->get_array()) {
            if (!r.is_object()) {
                throw NotaryError("rewrite is not an object");
            }
            const auto& ro = r.get_object();
            const auto* fields = ro.if_contains("rewrittenFields");
            s.rewrites.push_back({fields != nullptr && fields->is_object() ? fields->get_object() : json::object(),
                                  text_member(ro, "hash"), text_member(ro, "rsv"), text_member(ro, "signatory")});
        }
    }
    return s;
}

Verification verify(const Signature& s, const json::value& values) {
    if (hash_text(message_of(s.fields, values)) != s.hash) {
        return {"Request has been modified", std::nullopt};
    }
    const auto signer = signer_of(s.hash, s.rsv);
    const auto claimed = parse_address(s.signatory);
    if (!signer || !claimed || *signer != *claimed) {
        return {"Signatories do not match", std::nullopt};
    }
    // Newest rewrite first: undo it, and the message before it must carry that rewrite's signature.
    json::value previous = values;
    for (std::size_t i = s.rewrites.size(); i-- > 0;) {
        const auto& r = s.rewrites[i];
        for (const auto& [path, original] : r.rewritten_fields) {
            assign(previous, core::ascii_lower(path), original);
        }
        const std::string label = "Rewrite " + std::to_string(i) + ": ";
        if (hash_text(message_of(s.fields, previous)) != r.hash) {
            return {label + "Rewritten request hash does not match", std::nullopt};
        }
        const auto rewrite_signer = signer_of(r.hash, r.rsv);
        if (!rewrite_signer || rewrite_signer->checksummed() != r.signatory) {
            return {label + "Rewritten signatory incorrect", std::nullopt};
        }
    }
    return {"", signer};
}

}  // namespace scn::eth::notary
