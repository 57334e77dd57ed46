#include <scn/eth/registry_abi.hpp>
#include <scn/http/server.hpp>
#include <scn/registry/chain.hpp>
#include <scn/test/io_thread.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

using namespace scn::registry;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
namespace eth = scn::eth;

namespace {

const auto kKey = eth::PrivateKey::parse("0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f");
const auto kContract = eth::Address::parse("0x345cA3e014Aaf5dcA488057592ee47305D9B3e10");

/// "Error(string)" revert data for `reason`, with the dirty padding solc 0.5 leaves behind.
std::string revert_data(const std::string& reason) {
    eth::Bytes b{0x08, 0xc3, 0x79, 0xa0};
    eth::Bytes word(32, 0);
    word[31] = 0x20;
    b.insert(b.end(), word.begin(), word.end());
    word[31] = static_cast<std::uint8_t>(reason.size());
    b.insert(b.end(), word.begin(), word.end());
    b.insert(b.end(), reason.begin(), reason.end());
    while (b.size() % 32 != 4) {
        b.push_back(0x62);
    }
    return eth::to_hex(b);
}

/// A scripted chain: each method answers from a handler (a result, or an error object thrown as json::object).
class FakeChain {
public:
    using Handler = std::function<json::value(const json::array& params)>;

    FakeChain(asio::io_context& ioc) : server_(ioc, {}, router()) {
        on("eth_chainId", [](const json::array&) { return json::value("0x9"); });
        on("eth_estimateGas", [](const json::array&) { return json::value("0x30d40"); });
        on("eth_gasPrice", [](const json::array&) { return json::value("0x77359400"); });
        on("eth_getBalance", [](const json::array&) { return json::value("0x3635c9adc5dea00000"); });  // 1000 ether
        on("eth_getTransactionCount", [](const json::array&) { return json::value("0x5"); });
        on("eth_sendRawTransaction", [this](const json::array& p) {
            raw_ = std::string(p.at(0).as_string());
            return json::value(eth::to_hex(eth::keccak256(*eth::from_hex(raw_))));
        });
        on("eth_getTransactionReceipt", [this](const json::array&) -> json::value {
            if (++polls_ < 3) {
                return nullptr;
            }
            return json::object{{"status", "0x1"}, {"blockNumber", "0xc"}, {"gasUsed", "0x33c0b"}};
        });
        port_ = server_.start();
    }
    ~FakeChain() { server_.stop(); }

    void on(const std::string& method, Handler h) {
        const std::lock_guard lock(mutex_);
        handlers_[method] = std::move(h);
    }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
    [[nodiscard]] int count(const std::string& method) {
        const std::lock_guard lock(mutex_);
        return calls_[method];
    }
    [[nodiscard]] std::string raw() {
        const std::lock_guard lock(mutex_);
        return raw_;
    }
    [[nodiscard]] int polls() const { return polls_; }

private:
    scn::http::Router router() {
        scn::http::Router r;
        r.add(scn::http::Method::post, "/", [this](scn::http::Request& req) -> asio::awaitable<scn::http::Response> {
            co_return scn::http::Response::json(200, answer(req.body));
        });
        return r;
    }
    std::string answer(const std::string& body) {
        const auto call = json::parse(body).as_object();
        const std::string method(call.at("method").as_string());
        json::object reply{{"jsonrpc", "2.0"}, {"id", call.at("id")}};
        Handler h;
        {
            const std::lock_guard lock(mutex_);
            ++calls_[method];
            const auto it = handlers_.find(method);
            if (it == handlers_.end()) {
                reply["error"] = {{"code", -32601}, {"message", "method not found"}};
                return json::serialize(reply);
            }
            h = it->second;
        }
        try {
            reply["result"] = h(call.at("params").as_array());
        } catch (const json::object& error) {
            reply["error"] = error;
        }
        return json::serialize(reply);
    }

    scn::http::Server server_;
    std::uint16_t port_ = 0;
    std::mutex mutex_;
    std::map<std::string, Handler> handlers_;
    std::map<std::string, int> calls_;
    std::string raw_;
    std::atomic<int> polls_{0};
};

ChainSettings settings(const FakeChain& chain) {
    ChainSettings s;
    s.rpc = chain.url();
    s.contract = kContract;
    s.chain_id = 9;
    s.call_timeout = 2s;
    s.receipt_timeout = 5s;
    s.poll_interval = 20ms;
    return s;
}

}  // namespace

TEST(RevertReason, EveryClientShape) {
    const auto reason = std::string("Provided operator not registered.");
    // ganache eth_call: hex at error.data
    EXPECT_EQ(revert_reason(JsonRpcError(-32000, "VM Exception while processing transaction: revert " + reason,
                                         json::value(revert_data(reason)))),
              reason);
    // ganache eth_estimateGas: an object with the reason and the hex result
    EXPECT_EQ(revert_reason(JsonRpcError(-32000, "VM Exception", json::object{{"result", revert_data(reason)}})),
              reason);
    EXPECT_EQ(revert_reason(JsonRpcError(-32000, "VM Exception", json::object{{"reason", "No roles provided."}})),
              "No roles provided.");
    // geth: code 3, "execution reverted: …", hex data
    EXPECT_EQ(revert_reason(JsonRpcError(3, "execution reverted: " + reason, json::value(revert_data(reason)))),
              reason);
    // OpenEthereum: "Reverted 0x…" in data
    EXPECT_EQ(
        revert_reason(JsonRpcError(-32015, "VM execution error.", json::value("Reverted " + revert_data(reason)))),
        reason);
    // no data at all: the message carries it
    EXPECT_EQ(revert_reason(JsonRpcError(3, "execution reverted: Domain name already registered.", {})),
              "Domain name already registered.");
    // an invalid role value: invalid opcode, no reason string
    EXPECT_EQ(revert_reason(JsonRpcError(-32000, "VM Exception while processing transaction: invalid opcode", {})),
              "VM Exception while processing transaction: invalid opcode");
    // not a revert
    EXPECT_FALSE(revert_reason(JsonRpcError(-32000, "nonce too low", {})));
}

TEST(Chain, SignsSendsAndWaitsForTheReceipt) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    std::vector<std::string> notes;
    const auto data = eth::registry::encode_set_node("http://localhost:8080");
    const auto receipt = io.await(chain.transact(kKey, data, [&notes](const std::string& m) { notes.push_back(m); }));

    EXPECT_EQ(receipt.block, 12u);
    EXPECT_EQ(receipt.gas_used, 0x33c0bu);
    EXPECT_EQ(fake.polls(), 3) << "the receipt is polled until it is there";
    ASSERT_FALSE(notes.empty());
    EXPECT_NE(notes.front().find("sent, waiting"), std::string::npos);
    // What was sent is the transaction we would sign ourselves: nonce 5, 2 gwei, estimate + 20%, EIP-155 chain 9.
    eth::LegacyTransaction expected;
    expected.nonce = 5;
    expected.gas_price = 2'000'000'000;
    expected.gas = 200'000 + 40'000;
    expected.to = kContract;
    expected.data = data;
    expected.chain_id = 9;
    EXPECT_EQ(fake.raw(), eth::to_hex(eth::sign(expected, kKey).raw));
    EXPECT_EQ(receipt.hash, eth::to_hex(eth::keccak256(*eth::from_hex(fake.raw()))));
}

TEST(Chain, RevertInTheEstimateStopsBeforeAnythingIsSent) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_estimateGas", [](const json::array&) -> json::value {
        throw json::object{{"code", -32000},
                           {"message",
                            "VM Exception while processing transaction: revert Provided operator not "
                            "registered."},
                           {"data", {{"result", revert_data("Provided operator not registered.")}}}};
    });
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    try {
        io.await(chain.transact(kKey, eth::registry::encode_set_node("x"), {}));
        FAIL() << "a revert must throw";
    } catch (const RegistryRefused& e) {
        EXPECT_STREQ(e.what(), "Provided operator not registered.");
    }
    EXPECT_EQ(fake.count("eth_sendRawTransaction"), 0);
}

TEST(Chain, MinedRevertIsExplainedByReplayingTheCall) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_getTransactionReceipt", [](const json::array&) {
        return json::value(json::object{{"status", "0x0"}, {"blockNumber", "0xd"}, {"gasUsed", "0x70ab"}});
    });
    fake.on("eth_call", [](const json::array&) -> json::value {
        throw json::object{{"code", 3},
                           {"message", "execution reverted: Domain name already registered."},
                           {"data", revert_data("Domain name already registered.")}};
    });
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    try {
        io.await(chain.transact(kKey, eth::registry::encode_set_node("x"), {}));
        FAIL();
    } catch (const RegistryRefused& e) {
        EXPECT_NE(std::string(e.what()).find("reverted: Domain name already registered."), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(fake.count("eth_call"), 1);
}

TEST(Chain, WrongChainIdIsRefusedBeforeAnyCall) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_chainId", [](const json::array&) { return json::value("0x12047"); });  // 73799, Volta
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    try {
        io.await(chain.call(eth::registry::encode_get_parties()));
        FAIL();
    } catch (const RegistryUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("chain id 73799, but the registry configuration expects 9"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(fake.count("eth_call"), 0);
}

TEST(Chain, InsufficientFundsAreReportedBeforeSending) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_getBalance", [](const json::array&) { return json::value("0x0"); });
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    try {
        io.await(chain.transact(kKey, eth::registry::encode_set_node("x"), {}));
        FAIL();
    } catch (const RegistryRefused& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("insufficient funds"), std::string::npos) << m;
        EXPECT_NE(m.find(kKey.address().checksummed()), std::string::npos) << m;
        EXPECT_NE(m.find("holds 0 "), std::string::npos) << m;
        EXPECT_NE(m.find("0.00048"), std::string::npos) << "240000 gas at 2 gwei: " << m;
    }
    EXPECT_EQ(fake.count("eth_sendRawTransaction"), 0);
}

TEST(Chain, ReceiptWaitIsBounded) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_getTransactionReceipt", [](const json::array&) { return json::value(nullptr); });
    scn::http::Client http(io.ioc().get_executor());
    auto s = settings(fake);
    s.receipt_timeout = 300ms;
    Chain chain(http, s);
    try {
        io.await(chain.transact(kKey, eth::registry::encode_set_node("x"), {}));
        FAIL();
    } catch (const RegistryUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("was not mined within"), std::string::npos) << e.what();
    }
    EXPECT_GE(fake.count("eth_getTransactionReceipt"), 2);
}

TEST(Chain, SilentRpcTimesOut) {
    scn::test::IoThread io;
    // Accepts connections and never answers.
    asio::ip::tcp::acceptor silent(io.ioc(), {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket held(io.ioc());
    silent.async_accept(held, [](const boost::system::error_code&) {});
    scn::http::Client http(io.ioc().get_executor());
    ChainSettings s;
    s.rpc = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    s.contract = kContract;
    s.call_timeout = 300ms;
    Chain chain(http, s);
    try {
        io.await(chain.call(eth::registry::encode_get_parties()));
        FAIL();
    } catch (const RegistryUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("not reachable"), std::string::npos) << e.what();
    }
    io.run([&] {
        held.close();
        silent.close();
    });
}

TEST(Chain, EmptyCallResultMeansNoContract) {
    scn::test::IoThread io;
    FakeChain fake(io.ioc());
    fake.on("eth_call", [](const json::array&) { return json::value("0x"); });
    scn::http::Client http(io.ioc().get_executor());
    Chain chain(http, settings(fake));
    try {
        io.await(chain.call(eth::registry::encode_get_parties()));
        FAIL();
    } catch (const RegistryUnavailable& e) {
        EXPECT_NE(std::string(e.what()).find("no SCN Registry at 0x345cA3e014Aaf5dcA488057592ee47305D9B3e10"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Chain, BigQuantities) {
    EXPECT_EQ(parse_u256(json::value("0x3635c9adc5dea00000")), eth::U256("1000000000000000000000"));
    EXPECT_THROW((void)parse_u256(json::value("0xzz")), std::invalid_argument);
    EXPECT_THROW((void)parse_u256(json::value(12)), std::invalid_argument);
}

TEST(RevertReason, EveryRevertOfTheVectorFile) {
    std::ifstream in(std::string(SCN_TEST_DATA_DIR) + "/eth/abi.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto reverts = json::parse(text.str()).at("reverts").as_object();
    int checked = 0;
    for (const auto& [name, v] : reverts) {
        const auto* error = v.as_object().if_contains("error");
        if (error == nullptr) {
            continue;  // the mined revert: a receipt, covered by Chain.MinedRevertIsExplainedByReplayingTheCall
        }
        const auto& e = error->as_object();
        const JsonRpcError rpc_error(e.at("code").as_int64(), std::string(e.at("message").as_string()),
                                     e.contains("data") ? e.at("data") : json::value());
        const auto* expected = v.as_object().if_contains("decodedReason");
        const std::string reason = expected != nullptr ? std::string(expected->as_string())
                                                       : std::string(e.at("data").at("reason").as_string());
        EXPECT_EQ(revert_reason(rpc_error), reason) << name;
        ++checked;
    }
    EXPECT_EQ(checked, 5);
    EXPECT_EQ(reverts.at("minedRevert").at("status"), "0x0");
}
