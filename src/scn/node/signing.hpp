#pragma once

// The node's part in SCN-Signature (OCN node behaviour §6): when signing is active, what it verifies of requests
// and answers, and how it re-signs values it changes.

#include <scn/eth/notary.hpp>
#include <scn/http/message.hpp>
#include <scn/node/node_context.hpp>
#include <scn/node/routed_request.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace scn::node {

class Signing {
public:
    explicit Signing(NodeContext& node) : node_(node) {}

    /// The node-wide setting (`node.signatures`): every routed request must be signed, every answer too.
    [[nodiscard]] bool required_by_node() const { return node_.config.signatures; }

    /// §6.3: the request's SCN-Signature verifies against what arrived and was made by the sending party or its
    /// registry operator. Throws 2001 (errors::missing_signature, `Invalid signature: …`, `Actual signatory …`).
    boost::asio::awaitable<eth::notary::Signature> verify_request(const RoutedRequest& request);

    /// The sender's signature kept as a rewrite of the values the node changed (`originals`: JSON path → previous
    /// value), signed again by the node over `values`; serialised for the SCN-Signature header.
    [[nodiscard]] std::string rewrite(eth::notary::Signature previous, boost::json::object originals,
                                      const boost::json::value& values) const;

    /// §6.3: an answer must carry an `scn_signature` of the recipient or its registry operator; throws 3000
    /// `Unable to verify response signature: …` otherwise. Answers that stand for no answer (4002, 4003) pass.
    boost::asio::awaitable<void> verify_answer(const http::Response& answer, std::optional<std::int64_t> status_code,
                                               const PartyRef& recipient);

    /// After the node changed signed headers of an answer (`originals` holds their previous values): the answer's
    /// signature kept as a rewrite and the node's own signature. Nothing when nothing signed was changed.
    void resign_answer(http::Response& answer, boost::json::object originals) const;

    /// An envelope the node writes itself, signed with its wallet (§1.2: even with signing inactive).
    void sign_envelope(http::Response& response) const;

private:
    NodeContext& node_;
};

}  // namespace scn::node
