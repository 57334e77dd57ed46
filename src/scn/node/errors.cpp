#include <scn/node/errors.hpp>

namespace scn::node::errors {

using scpi::Error;
using scpi::StatusCode;

Error missing_header(std::string_view name) {
    return invalid("Missing request header '" + std::string(name) + "' for method parameter of type String");
}

Error invalid(const std::string& message) {
    return {StatusCode::invalid_parameters, 400, message};
}

Error invalid_token_a() {
    return invalid("Invalid CREDENTIALS_TOKEN_A");
}

Error invalid_token_c() {
    return invalid("Invalid CREDENTIALS_TOKEN_C");
}

Error unknown_sender_role() {
    return invalid("Could not find role on sending platform using SCPI-from-* headers");
}

Error bad_country_code(std::string_view value) {
    return invalid("Given country_code \"" + std::string(value) + "\" not 2 characters");
}

Error bad_party_id(std::string_view value) {
    return invalid("Given party-id \"" + std::string(value) + "\" not 3 characters");
}

Error missing_signature() {
    return invalid("Missing SCN Signature");
}

Error module_not_supported() {
    return invalid("Receiver does not support the requested module");
}

Error refused(const std::string& message) {
    return {StatusCode::client_error, 400, message};
}

Error proxied_resource_not_found() {
    return {StatusCode::unknown_location, 404, "Proxied resource not found"};
}

Error bad_answer(const std::string& message) {
    return {StatusCode::server_error, 200, message};
}

Error unusable_api(const std::string& message) {
    return {StatusCode::unusable_api, 200, message};
}

Error no_matching_endpoints(const std::string& message) {
    return {StatusCode::no_matching_endpoints, 200, message};
}

Error receiver_not_registered() {
    return unknown_receiver("Receiver not registered on Smart Charging Network");
}

Error unknown_receiver(const std::string& message) {
    return {StatusCode::unknown_receiver, 200, message};
}

Error timeout(const std::string& message) {
    return {StatusCode::hub_timeout, 200, message};
}

Error unreachable(const std::string& message) {
    return {StatusCode::hub_connection_problem, 200, message};
}

}  // namespace scn::node::errors
