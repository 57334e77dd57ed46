#pragma once

#include <scn/node/node_store.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace scn::node {

/// What the recipient's rules say about a message from `sender` for `module` (§7 of the node behaviour): nullopt
/// when allowed, else the reference node's message (answered as HTTP 400, status 2000).
[[nodiscard]] std::optional<std::string> rules_refusal(const Rules& recipient_rules, const PartyRef& sender,
                                                       std::string_view module);

/// The module-agnostic form used for HubClientInfo lists and pushes: may `party` be shown to the rules' owner?
[[nodiscard]] bool rules_allow_party(const Rules& rules, const PartyRef& party);

/// The URL of the `rel="next"` entry of a Link header value: entries are separated by ", ", the entry must contain
/// `; rel="next"` and its URL in angle brackets.
[[nodiscard]] std::optional<std::string> next_link(std::string_view link_header);

/// Joins URL parts with exactly one `/` between them, dropping trailing slashes of each part.
[[nodiscard]] std::string join_url(std::string_view base, std::string_view path);

}  // namespace scn::node
