#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/signing.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/json.hpp>

namespace scn::node {
namespace json = boost::json;

namespace {

/// Whether `signer` is the party's registry address or its operator.
bool signed_by(const std::string& signer, const std::optional<registry::PartyListing>& listing) {
    return listing && (signer == listing->address || signer == listing->operator_address);
}

}  // namespace

boost::asio::awaitable<eth::notary::Signature> Signing::verify_request(const RoutedRequest& request) {
    if (!request.signature) {
        throw errors::missing_signature();
    }
    eth::notary::Signature signature;
    try {
        signature = eth::notary::deserialize(*request.signature);
    } catch (const eth::notary::NotaryError& e) {
        throw errors::invalid(std::string("Invalid signature: ") + e.what());
    }
    const auto result = eth::notary::verify(signature, request.notary_values());
    if (!result.valid()) {
        throw errors::invalid("Invalid signature: " + result.error + ".");
    }
    const auto listing = co_await node_.registry.party(core::ascii_upper(request.from.country_code),
                                                       core::ascii_upper(request.from.party_id));
    const std::string actual = result.signer->lower();
    if (!signed_by(actual, listing)) {
        const std::string none = "(not listed)";
        throw errors::invalid("Actual signatory " + actual + " differs from expected signatory " +
                              (listing ? listing->address : none) + " (party) or " +
                              (listing ? listing->operator_address : none) + " (operator)");
    }
    co_return signature;
}

std::string Signing::rewrite(eth::notary::Signature previous, json::object originals, const json::value& values) const {
    return eth::notary::serialize(
        eth::notary::rewrite(std::move(previous), std::move(originals), values, node_.wallet));
}

boost::asio::awaitable<void> Signing::verify_answer(const http::Response& answer,
                                                    std::optional<std::int64_t> status_code,
                                                    const PartyRef& recipient) {
    using scpi::StatusCode;
    if (status_code == static_cast<int>(StatusCode::hub_timeout) ||
        status_code == static_cast<int>(StatusCode::hub_connection_problem)) {
        co_return;  // no answer came: the routing error stands
    }
    const auto listing =
        co_await node_.registry.party(core::ascii_upper(recipient.country_code), core::ascii_upper(recipient.party_id));
    std::optional<std::string> problem;
    boost::system::error_code ec;
    const auto envelope = json::parse(answer.body, ec);
    const auto* member = !ec && envelope.is_object() ? envelope.get_object().if_contains("scn_signature") : nullptr;
    if (member == nullptr || !member->is_string()) {
        problem = "Missing SCN Signature";
    } else {
        try {
            const auto result = eth::notary::verify(eth::notary::deserialize(member->get_string()),
                                                    service::response_values(envelope.get_object(), answer.headers));
            if (!result.valid()) {
                problem = result.error;
            } else if (const std::string actual = result.signer->lower(); !signed_by(actual, listing)) {
                problem = "Actual signatory " + actual + " differs from the recipient's registry address or operator";
            }
        } catch (const eth::notary::NotaryError& e) {
            problem = e.what();
        }
    }
    if (problem) {
        throw errors::bad_answer("Unable to verify response signature: " + *problem);
    }
}

void Signing::resign_answer(http::Response& answer, json::object originals) const {
    if (originals.empty()) {
        return;  // nothing signed was changed: the answer goes back as the recipient sent it
    }
    boost::system::error_code ec;
    auto envelope = json::parse(answer.body, ec);
    const auto* member = !ec && envelope.is_object() ? envelope.get_object().if_contains("scn_signature") : nullptr;
    if (member == nullptr || !member->is_string()) {
        return;
    }
    try {
        auto signature = eth::notary::deserialize(member->get_string());
        auto& object = envelope.get_object();
        const auto values = service::response_values(object, answer.headers);
        object["scn_signature"] = rewrite(std::move(signature), std::move(originals), values);
        answer.body = scpi::dump(envelope);
    } catch (const eth::notary::NotaryError&) {
        // not a signature the node can keep: the answer goes back as it came
    }
}

void Signing::sign_envelope(http::Response& response) const {
    boost::system::error_code ec;
    auto envelope = json::parse(response.body, ec);
    if (ec || !envelope.is_object()) {
        return;
    }
    response.body = service::with_signature(std::move(envelope.get_object()), response.headers, node_.wallet);
}

}  // namespace scn::node
