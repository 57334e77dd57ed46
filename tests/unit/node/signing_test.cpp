// The node's signing layer on its own, without sockets: what it verifies of requests and answers, with the
// reference node's wording, and what it signs.
#include <scn/eth/notary.hpp>
#include <scn/node/signing.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <future>

#include "node_fixture.hpp"

using namespace scn;
using namespace scn::node;
namespace json = boost::json;

namespace {

class SigningTest : public test::NodeFixture {
protected:
    eth::PrivateKey msp_key = eth::PrivateKey::generate();
    eth::PrivateKey cpo_key = eth::PrivateKey::generate();

    void SetUp() override {
        registry.registry().set_node(wallet, "http://node.test");
        registry.registry().set_party(msp_key, "CH", "MSP", {registry::Role::emsp}, wallet.address());
        registry.registry().set_party(cpo_key, "CH", "CPO", {registry::Role::cpo}, wallet.address());
    }

    RoutedRequest request() {
        RoutedRequest r;
        r.from = {"CH", "MSP"};
        r.to = {"CH", "CPO"};
        r.correlation_id = "c-1";
        r.query = {{"limit", "3"}};
        return r;
    }

    /// Runs a coroutine of the signing layer to its end; "" when it completed, else the error's status and text.
    template <typename Awaitable>
    std::string outcome(Awaitable a) {
        std::promise<std::string> result;
        boost::asio::co_spawn(
            ioc,
            [&]() -> boost::asio::awaitable<void> {
                try {
                    (void)co_await std::move(a);
                    result.set_value("");
                } catch (const scpi::Error& e) {
                    result.set_value(std::to_string(e.status_code()) + " " + e.what());
                }
            },
            boost::asio::detached);
        ioc.restart();
        ioc.run();
        return result.get_future().get();
    }
};

}  // namespace

TEST_F(SigningTest, ARequestMustBeSignedByTheSendingPartyOverWhatArrived) {
    auto r = request();
    EXPECT_EQ(outcome(signing.verify_request(r)), "2001 Missing SCN Signature");
    r.signature = "not a signature";
    EXPECT_TRUE(outcome(signing.verify_request(r)).starts_with("2001 Invalid signature: "));
    r.signature = eth::notary::serialize(eth::notary::sign(r.notary_values(), msp_key));
    EXPECT_EQ(outcome(signing.verify_request(r)), "") << "signed by the party itself";
    auto modified = r;
    modified.query = {{"limit", "4"}};
    EXPECT_EQ(outcome(signing.verify_request(modified)), "2001 Invalid signature: Request has been modified.");
    const auto stranger = eth::PrivateKey::generate();
    r.signature = eth::notary::serialize(eth::notary::sign(r.notary_values(), stranger));
    const auto refused = outcome(signing.verify_request(r));
    EXPECT_TRUE(refused.starts_with("2001 Actual signatory " + stranger.address().lower())) << refused;
    r.signature = eth::notary::serialize(eth::notary::sign(r.notary_values(), wallet));
    EXPECT_EQ(outcome(signing.verify_request(r)), "") << "or by its registry operator";
}

TEST_F(SigningTest, AnAnswerMustBeSignedByTheRecipientUnlessNoAnswerCame) {
    auto answer = service::ok(json::value(json::object{{"id", "Loc1"}}), clock);
    EXPECT_EQ(outcome(signing.verify_answer(answer, 1000, {"CH", "CPO"})),
              "3000 Unable to verify response signature: Missing SCN Signature");
    EXPECT_EQ(outcome(signing.verify_answer(answer, 4002, {"CH", "CPO"})), "") << "a timeout stands as it is";
    auto signed_answer = answer;
    signed_answer.body = service::with_signature(json::parse(answer.body).as_object(), signed_answer.headers, cpo_key);
    EXPECT_EQ(outcome(signing.verify_answer(signed_answer, 1000, {"CH", "CPO"})), "");
    const auto wrong = outcome(signing.verify_answer(signed_answer, 1000, {"CH", "MSP"}));
    EXPECT_TRUE(wrong.starts_with("3000 Unable to verify response signature: Actual signatory")) << wrong;
}

TEST_F(SigningTest, TheNodeSignsItsOwnEnvelopesAndRewritesWhatItChanges) {
    auto error = service::error(2001, 400, "Invalid CREDENTIALS_TOKEN_C", clock);
    signing.sign_envelope(error);
    EXPECT_EQ(service::answer_signature_problem(error.body, error.headers), std::nullopt);
    EXPECT_EQ(eth::notary::deserialize(json::parse(error.body).at("scn_signature").as_string()).signatory,
              wallet.address().checksummed());

    // A Link the node proxied: the recipient's signature is kept as a rewrite, the node signs the new value.
    http::Response page = service::ok(json::array{1, 2}, clock);
    page.headers.add("Link", "<http://cpo.test/next>; rel=\"next\"");
    page.body = service::with_signature(json::parse(page.body).as_object(), page.headers, cpo_key);
    page.headers.set("Link", "<http://node.test/page/1>; rel=\"next\"");
    signing.resign_answer(page, json::object{{"$['headers']['link']", "<http://cpo.test/next>; rel=\"next\""}});
    const auto signature = eth::notary::deserialize(json::parse(page.body).at("scn_signature").as_string());
    EXPECT_EQ(signature.signatory, wallet.address().checksummed());
    ASSERT_EQ(signature.rewrites.size(), 1u);
    EXPECT_EQ(signature.rewrites[0].signatory, cpo_key.address().checksummed());
    EXPECT_TRUE(
        eth::notary::verify(signature, service::response_values(json::parse(page.body).as_object(), page.headers))
            .valid());
}
