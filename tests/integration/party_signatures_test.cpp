// The mock parties' own SCN-Signatures (OCN notary format): with `signatures` on they sign every request they send
// and every answer, refuse unsigned functional requests, and verify whatever signed message they receive.
#include <scn/eth/notary.hpp>
#include <scn/party/cpo.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <unistd.h>

#include "local_network.hpp"
#include "local_parties.hpp"

using namespace scn;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// A mock CPO called directly (no node) with its offline token.
struct SigningCpo {
    test::IoThread io;
    std::filesystem::path dir;
    std::unique_ptr<party::PartyStore> store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<http::Client> client;
    eth::PrivateKey key = eth::PrivateKey::generate();     ///< the CPO's listing key
    eth::PrivateKey caller = eth::PrivateKey::generate();  ///< the calling MSP's

    explicit SigningCpo(bool signatures)
        : dir(std::filesystem::temp_directory_path() /
              ("scn-sig-" + std::to_string(::getpid()) + (signatures ? "-on" : "-off"))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        io.run([&] {
            auto c = test::local_party_config(true);
            c.warm_data = false;
            c.signatures = signatures;
            cpo = std::make_unique<party::Cpo>(io.ioc(), c, *store, core::Logger("cpo"));
            cpo->set_signer(key);
            cpo->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
    }
    ~SigningCpo() {
        io.run([&] {
            cpo->stop_all();
            return 0;
        });
        io.stop();
        std::filesystem::remove_all(dir);
    }

    /// GET `path` as CH/MSP; `signature` as given (empty: none).
    service::Reply get(const std::string& path, const std::string& signature = {}) {
        service::Call c;
        c.url = cpo->public_url() + path;
        c.token = cpo->offline_token();
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        c.correlation_id = "c-1";
        if (!signature.empty()) {
            c.headers.add("SCN-Signature", signature);
        }
        return io.await(service::call(*client, c));
    }
    /// The notary signature of a GET with `limit` as the only parameter, by the caller.
    [[nodiscard]] std::string signature_for_limit(int limit) const {
        const json::object headers{{"x-correlation-id", "c-1"},
                                   {"scpi-from-country-code", "CH"},
                                   {"scpi-from-party-id", "MSP"},
                                   {"scpi-to-country-code", "CH"},
                                   {"scpi-to-party-id", "CPO"}};
        const json::value values{{"headers", headers}, {"params", {{"limit", limit}}}, {"body", nullptr}};
        return eth::notary::serialize(eth::notary::sign(values, caller));
    }
};

/// The signer of an answer's `scn_signature` after checking it verifies; "" when it has none or it does not.
std::string answer_signatory(const service::Reply& reply) {
    if (service::answer_signature_problem(reply.body, reply.headers)) {
        return "";
    }
    return eth::notary::deserialize(json::parse(reply.body).at("scn_signature").as_string()).signatory;
}

}  // namespace

TEST(PartySignatures, WithSignaturesOnUnsignedFunctionalRequestsAreRefusedAndAnswersSigned) {
    SigningCpo t(true);
    auto r = t.get("/scpi/sender/2.2/locations?limit=3");
    EXPECT_EQ(r.http_status, 400u);
    EXPECT_EQ(r.status_code, 2001);
    EXPECT_EQ(r.status_message.value_or(""), "Missing SCN Signature");

    r = t.get("/scpi/sender/2.2/locations?limit=3", t.signature_for_limit(3));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.as_array().size(), 3u);
    EXPECT_EQ(answer_signatory(r), t.key.address().checksummed()) << "signed by the CPO, over the paging headers";

    // Configuration modules need no signature, and their answers are signed all the same.
    r = t.get("/scpi/versions");
    ASSERT_TRUE(r.ok()) << r.describe();
    r = t.get("/scpi/receiver/2.2/hubclientinfo");
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(answer_signatory(r), t.key.address().checksummed());
}

TEST(PartySignatures, ASignedRequestChangedOnTheWayIsRefusedWhateverTheSetting) {
    for (const bool on : {true, false}) {
        SigningCpo t(on);
        auto r = t.get("/scpi/sender/2.2/locations?limit=4", t.signature_for_limit(3));
        EXPECT_EQ(r.http_status, 400u) << on;
        EXPECT_EQ(r.status_message.value_or(""), "Invalid signature: Request has been modified.") << on;
        r = t.get("/scpi/sender/2.2/locations?limit=3", "bm90IGEgc2lnbmF0dXJl");
        EXPECT_EQ(r.status_code, 2001) << on;
        EXPECT_TRUE(r.status_message.value_or("").starts_with("Invalid signature: ")) << r.describe();
        // Signed and intact: answered, and the answer signed, as a node requires for a signed request.
        r = t.get("/scpi/sender/2.2/locations?limit=3", t.signature_for_limit(3));
        ASSERT_TRUE(r.ok()) << r.describe();
        EXPECT_EQ(answer_signatory(r), t.key.address().checksummed()) << on;
    }
    SigningCpo off(false);
    const auto r = off.get("/scpi/sender/2.2/locations?limit=3");
    ASSERT_TRUE(r.ok()) << "unsigned requests pass with signatures off";
    EXPECT_EQ(answer_signatory(r), "") << "and their answers are not signed";
}

TEST(PartySignatures, PartiesWithSignaturesOnTalkThroughANodeThatRequiresThem) {
    test::LocalNetwork net(10s, [](config::PartyConfig& c, bool) { c.signatures = true; });
    // Both platforms ask the node for signatures: it refuses unsigned requests to either, checks each signer against
    // the sender's registry listing, and each answer against the recipient's.
    for (const auto& token : {net.cpo_connection.token_c, net.msp_connection.token_c}) {
        service::Call toggle;
        toggle.method = http::Method::put;
        toggle.url = net.node->url() + "/scpi/receiver/2.2/scnrules/signatures";
        toggle.token = token;
        ASSERT_TRUE(net.io.await(service::call(*net.client, toggle)).ok());
    }
    net.io.run([&] {
        net.msp->set_peer(net.msp_connection.peer());  // the MSP pushes its tokens through the node, signed
        return 0;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (net.io.run([&] { return net.cpo->tokens().count(); }) < 7 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(net.io.run([&] { return net.cpo->tokens().count(); }), 7u) << "signed token pushes pass the node";

    // Real-time authorization: the CPO's request and the MSP's answer are both signed.
    const auto asked = net.io.await(net.cpo->start_at_charger("Loc2", "CH-CPO-S2E100001", "CH-MSP-APP-0003"));
    ASSERT_TRUE(asked.session_id) << "NEVER-whitelisted token, authorized by the MSP over signed messages";

    // A driver app's START_SESSION: refused by the node unsigned; signed by the MSP's key, the CPO verifies it (with
    // the node's rewrite of response_url), signs its answer, and its result and session pushes pass the node.
    const std::string start = R"({"response_url":")" + net.msp->public_url() +
                              R"(/scpi/sender/2.2/commands/START_SESSION/0","location_id":"Loc1",
                              "evse_uid":"CH-CPO-S1E100001","token":)" +
                              test::token_json("0") + "}";
    auto r = net.msp_to_cpo(http::Method::post, "/scpi/receiver/2.2/commands/START_SESSION", start);
    EXPECT_EQ(r.status_message.value_or(""), "Missing SCN Signature");
    service::Call c;
    c.method = http::Method::post;
    c.url = net.node->url() + "/scpi/receiver/2.2/commands/START_SESSION";
    c.token = net.msp_connection.token_c;
    c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
    c.body = start;
    c.signer = net.signers.at("MSP");
    r = net.io.await(service::call(*net.client, c));
    ASSERT_TRUE(r.ok()) << r.describe();
    EXPECT_EQ(r.data.at("result"), "ACCEPTED");
    EXPECT_EQ(answer_signatory(r), net.signers.at("CPO").address().checksummed());
    ASSERT_TRUE(net.msp_log->wait_for("async command result [START_SESSION 0]: ACCEPTED", 10s));
    ASSERT_TRUE(net.msp_log->wait_for(" ACTIVE - ", 10s)) << "signed session pushes pass the node";
    EXPECT_FALSE(net.cpo_log->contains("unable to verify the answer's signature"));
}
