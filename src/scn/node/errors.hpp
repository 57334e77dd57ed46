#pragma once

// The node's error vocabulary: every error the node answers itself, with the status code, HTTP status and wording
// of the reference node (OCN node behaviour: status codes §1.2, token errors §3, routing errors §5). Handlers throw
// them; the server's error boundary writes the envelope and signs it with the node's wallet.

#include <scn/scpi/protocol.hpp>

#include <string>
#include <string_view>

namespace scn::node::errors {

/// 2001 / 400 `Missing request header '<name>' for method parameter of type String`.
[[nodiscard]] scpi::Error missing_header(std::string_view name);
/// 2001 / 400 with `message`: malformed parameters, headers, bodies or signatures.
[[nodiscard]] scpi::Error invalid(const std::string& message);
/// 2001 / 400 `Invalid CREDENTIALS_TOKEN_A`.
[[nodiscard]] scpi::Error invalid_token_a();
/// 2001 / 400 `Invalid CREDENTIALS_TOKEN_C`.
[[nodiscard]] scpi::Error invalid_token_c();
/// 2001 / 400: the token is valid, but the SCPI-From-* headers name a role of another platform.
[[nodiscard]] scpi::Error unknown_sender_role();
/// 2001 / 400 `Given country_code "X" not 2 characters`.
[[nodiscard]] scpi::Error bad_country_code(std::string_view value);
/// 2001 / 400 `Given party-id "X" not 3 characters`.
[[nodiscard]] scpi::Error bad_party_id(std::string_view value);
/// 2001 / 400 `Missing SCN Signature`.
[[nodiscard]] scpi::Error missing_signature();
/// 2001 / 400 `Receiver does not support the requested module`.
[[nodiscard]] scpi::Error module_not_supported();
/// 2000 / 400: the recipient's whitelist or blacklist refuses the sender.
[[nodiscard]] scpi::Error refused(const std::string& message);
/// 2003 / 404 `Proxied resource not found`.
[[nodiscard]] scpi::Error proxied_resource_not_found();
/// 3000 / 200: the recipient's answer is unusable (not JSON, no valid signature).
[[nodiscard]] scpi::Error bad_answer(const std::string& message);
/// 3001 / 200: a party's versions or version details could not be fetched.
[[nodiscard]] scpi::Error unusable_api(const std::string& message);
/// 3003 / 200: the party offers no version 2.2.
[[nodiscard]] scpi::Error no_matching_endpoints(const std::string& message);
/// 4001 / 200 `Receiver not registered on Smart Charging Network`.
[[nodiscard]] scpi::Error receiver_not_registered();
/// 4001 / 200 with `message` (node-to-node messages).
[[nodiscard]] scpi::Error unknown_receiver(const std::string& message);
/// 4002 / 200: the recipient did not answer in time.
[[nodiscard]] scpi::Error timeout(const std::string& message);
/// 4003 / 200: the recipient could not be reached, or a node's signature did not verify.
[[nodiscard]] scpi::Error unreachable(const std::string& message);

}  // namespace scn::node::errors
