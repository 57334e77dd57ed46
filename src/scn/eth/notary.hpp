#pragma once

// SCN-Signature (the notary format): a wallet signature over selected values of a message (routing headers, query
// parameters, body), carried as base64(Brotli(JSON)) in the `SCN-Signature` header of requests and the
// `scn_signature` member of responses. Nodes that change a signed value keep the previous signature as a rewrite.

#include <scn/eth/crypto.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace scn::eth::notary {

/// An earlier signature over the message before a node changed some of its values.
struct Rewrite {
    boost::json::object rewritten_fields;  ///< JSON path → the value it had
    std::string hash;
    std::string rsv;
    std::string signatory;
};

struct Signature {
    std::vector<std::string> fields;  ///< JSON paths of the signed values, in signing order
    std::string hash;                 ///< "0x" + keccak256 of the concatenated values
    std::string rsv;                  ///< "0x" + r ‖ s ‖ v
    std::string signatory;            ///< EIP-55 address of the signer
    std::vector<Rewrite> rewrites;    ///< rewrites[0] is the original sender's signature
};

class NotaryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The signed fields and the message of `values` ({headers, params, body}): a depth-first walk in member order
/// (integer-like keys first, as JavaScript orders them) that skips null, "" and empty containers.
struct Walk {
    std::vector<std::string> fields;
    std::string message;
};
[[nodiscard]] Walk walk(const boost::json::value& values);

/// ECMAScript Number → String: 2.0 → "2", 1e21 → "1e+21", 1e-7 → "1e-7", 0.25 → "0.25".
[[nodiscard]] std::string js_number(double value);

/// Signs `values` with `key`.
[[nodiscard]] Signature sign(const boost::json::value& values, const PrivateKey& key);

/// Records that the values at `originals`' paths were changed (to what `values` now holds) and signs again with
/// `key`; the previous signature becomes the newest rewrite.
[[nodiscard]] Signature rewrite(Signature previous, boost::json::object originals, const boost::json::value& values,
                                const PrivateKey& key);

/// base64(Brotli quality 4 (JSON)).
[[nodiscard]] std::string serialize(const Signature& signature);
/// The reverse; throws NotaryError("Decompression failed") or for malformed JSON.
[[nodiscard]] Signature deserialize(std::string_view text);

/// The outcome of a verification: `error` is empty when valid, else the reference wording ("Request has been
/// modified", "Signatories do not match", "Rewrite 0: Rewritten request hash does not match", …).
struct Verification {
    std::string error;
    std::optional<Address> signer;
    [[nodiscard]] bool valid() const { return error.empty(); }
};
[[nodiscard]] Verification verify(const Signature& signature, const boost::json::value& values);

}  // namespace scn::eth::notary
