#pragma once

// The node-to-node wire format: a routed request serialised as the body of `POST /scn/message`, authenticated by
// the sending node's wallet signature in the `SCN-Signature` header (scn-node.md §5.4).

#include <scn/eth/crypto.hpp>
#include <scn/node/node_store.hpp>
#include <scn/scpi/versions.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scn::node {

struct ScnMessage {
    std::string module;  ///< LOCATIONS, SESSIONS, CDRS, TARIFFS, TOKENS, COMMANDS, CHARGING_PROFILES, …
    scpi::InterfaceRole interface_role = scpi::InterfaceRole::SENDER;  ///< the recipient's interface
    std::string method;                                                ///< GET, POST, PUT, PATCH, DELETE
    std::string request_id;                                            ///< the party's original X-Request-ID
    std::string correlation_id;
    std::optional<std::string> signature;  ///< the sending party's SCN-Signature, if it signed
    PartyRef sender;
    PartyRef receiver;
    std::string url_path;  ///< appended to the recipient's endpoint URL
    std::vector<std::pair<std::string, std::string>> query_params;
    std::optional<std::string> proxy_uid;       ///< commands: the alias the recipient's node records
    std::optional<std::string> proxy_resource;  ///< a stored URL the recipient's node calls as it is
    std::optional<std::string> custom_module_id;
    std::optional<boost::json::value> body;
};

/// Module identifier (`locations`, `chargingprofiles`, …) ↔ the wire enum (`LOCATIONS`, `CHARGING_PROFILES`, …);
/// anything else is a custom module (`CUSTOM`).
[[nodiscard]] std::string module_enum(std::string_view module_id);
/// The module id for a wire enum (nullopt for CUSTOM or unknown values).
[[nodiscard]] std::optional<std::string> module_id(std::string_view module_enum);

/// The body text: members in the reference order, absent members omitted, `Authorization` blanked.
[[nodiscard]] std::string serialize(const ScnMessage& message);
/// Parses a body; throws std::invalid_argument naming what is missing or malformed.
[[nodiscard]] ScnMessage parse_scn_message(std::string_view text);

/// The `SCN-Signature` of a body: personal-message signature over its bytes, r‖s‖v as 130 hex digits, no `0x`.
[[nodiscard]] std::string sign_message(std::string_view body, const eth::PrivateKey& key);
/// The address that signed `body`; nullopt when the signature is malformed or does not recover.
[[nodiscard]] std::optional<eth::Address> message_signer(std::string_view body, std::string_view signature);

}  // namespace scn::node
