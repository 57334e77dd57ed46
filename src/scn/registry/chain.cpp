#include <scn/eth/registry_abi.hpp>
#include <scn/registry/chain.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace scn::registry {
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

// GCC 12 cannot keep a brace list's backing array across a co_await ("array used as initializer"): parameter
// arrays are built in statements of their own before they are awaited.
constexpr std::string_view kLatest = "latest";
constexpr std::string_view kPending = "pending";

std::optional<std::string> reason_in_hex(std::string_view text) {
    const auto bytes = eth::from_hex(text);
    if (!bytes) {
        return std::nullopt;
    }
    return eth::registry::decode_revert_reason(*bytes);
}

/// The transaction object of eth_call / eth_estimateGas (built outside coroutines, see above).
json::object call_object(const eth::Address* from, const eth::Address& to, const eth::Bytes& data) {
    json::object o;
    if (from != nullptr) {
        o["from"] = from->lower();
    }
    o["to"] = to.lower();
    o["data"] = eth::to_hex(data);
    return o;
}

std::string ether_text(const eth::U256& wei) {
    // 18 decimals, at most 6 shown: enough to tell "nothing" from "not enough".
    const eth::U256 micro = wei / eth::U256(1'000'000'000'000ULL);
    const std::string whole = (micro / 1'000'000).str();
    std::string frac = (micro % 1'000'000).str();
    frac.insert(0, 6 - frac.size(), '0');
    while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
    }
    return frac.empty() ? whole : whole + "." + frac;
}

}  // namespace

std::optional<std::string> revert_reason(const JsonRpcError& error) {
    const auto& data = error.data();
    if (data.is_string()) {
        std::string_view s = data.get_string();
        if (const auto at = s.find("Reverted "); at != std::string_view::npos) {
            s = s.substr(at + 9);
        }
        if (auto r = reason_in_hex(s)) {
            return r;
        }
    } else if (data.is_object()) {
        const auto& o = data.get_object();
        if (const auto* reason = o.if_contains("reason"); reason != nullptr && reason->is_string()) {
            return std::string(reason->get_string());
        }
        if (const auto* result = o.if_contains("result"); result != nullptr && result->is_string()) {
            if (auto r = reason_in_hex(result->get_string())) {
                return r;
            }
        }
    }
    const std::string_view message = error.what();
    for (const std::string_view marker : {"execution reverted: ", "revert "}) {
        if (const auto at = message.find(marker); at != std::string_view::npos) {
            return std::string(message.substr(at + marker.size()));
        }
    }
    if (message.find("revert") != std::string_view::npos || message.find("invalid opcode") != std::string_view::npos) {
        return std::string(message);
    }
    return std::nullopt;
}

eth::U256 parse_u256(const json::value& v) {
    if (!v.is_string()) {
        throw std::invalid_argument("expected a hex quantity");
    }
    const std::string_view s = v.get_string();
    if (s.size() < 3 || s.size() > 66 || !s.starts_with("0x")) {
        throw std::invalid_argument("not a hex quantity: " + std::string(s));
    }
    eth::U256 n = 0;
    for (const char c : s.substr(2)) {
        int d = 0;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            throw std::invalid_argument("not a hex quantity: " + std::string(s));
        }
        n = (n << 4) | d;
    }
    return n;
}

Chain::Chain(http::Client& http, ChainSettings settings)
    : settings_(std::move(settings)), rpc_(http, settings_.rpc, settings_.call_timeout) {}

asio::awaitable<json::value> Chain::rpc(const char* method, json::array params) {
    try {
        co_return co_await rpc_.call(method, std::move(params));
    } catch (const JsonRpcUnavailable& e) {
        throw RegistryUnavailable(e.what());
    }
}

void Chain::refuse(const JsonRpcError& e, const std::string& what) const {
    if (auto reason = revert_reason(e)) {
        throw RegistryRefused(*reason);
    }
    throw RegistryUnavailable("the chain at " + settings_.rpc + " refused " + what + ": " + e.what());
}

asio::awaitable<std::uint64_t> Chain::chain_id() {
    if (!verified_chain_id_) {
        const auto id = parse_quantity(co_await rpc("eth_chainId", {}));
        if (settings_.chain_id && *settings_.chain_id != id) {
            throw RegistryUnavailable("the chain at " + settings_.rpc + " has chain id " + std::to_string(id) +
                                      ", but the registry configuration expects " +
                                      std::to_string(*settings_.chain_id) +
                                      ": check registry.rpc and registry.stage (or registry.chain_id)");
        }
        verified_chain_id_ = id;
    }
    co_return *verified_chain_id_;
}

asio::awaitable<eth::Bytes> Chain::call(eth::Bytes data) {
    (void)co_await chain_id();
    json::value result;
    try {
        json::array params{call_object(nullptr, settings_.contract, data), kLatest};
        result = co_await rpc("eth_call", std::move(params));
    } catch (const JsonRpcError& e) {
        refuse(e, "a registry read");
    }
    auto bytes = result.is_string() ? eth::from_hex(result.get_string()) : std::nullopt;
    if (!bytes) {
        throw RegistryUnavailable("the chain at " + settings_.rpc +
                                  " answered eth_call with something that is not "
                                  "hex data");
    }
    if (bytes->empty()) {
        throw RegistryUnavailable("there is no SCN Registry at " + settings_.contract.checksummed() +
                                  " on the chain at " + settings_.rpc +
                                  " (the call returned nothing): check registry.address / stage");
    }
    co_return std::move(*bytes);
}

asio::awaitable<Receipt> Chain::transact(const eth::PrivateKey& payer, eth::Bytes data, const Progress& progress) {
    const auto id = co_await chain_id();
    const auto from = payer.address();
    const json::object call = call_object(&from, settings_.contract, data);

    // Gas: the estimate fails with the revert reason when the call would revert, before anything is spent.
    std::uint64_t gas = 0;
    try {
        json::array params{call};
        gas = parse_quantity(co_await rpc("eth_estimateGas", std::move(params)));
    } catch (const JsonRpcError& e) {
        refuse(e, "the transaction");
    }
    gas += gas / 5;  // a 20% margin
    const auto gas_price = parse_u256(co_await rpc("eth_gasPrice", {}));
    json::array balance_params{from.lower(), kLatest};
    const auto balance = parse_u256(co_await rpc("eth_getBalance", std::move(balance_params)));
    const eth::U256 cost = gas_price * gas;
    if (balance < cost) {
        throw RegistryRefused("insufficient funds: " + from.checksummed() + " pays for this transaction and holds " +
                              ether_text(balance) + " but it may cost up to " + ether_text(cost) + " (chain id " +
                              std::to_string(id) +
                              "); fund that account or let a funded SPENDER_KEY "
                              "pay");
    }
    json::array nonce_params{from.lower(), kPending};
    const auto nonce = parse_quantity(co_await rpc("eth_getTransactionCount", std::move(nonce_params)));

    eth::LegacyTransaction tx;
    tx.nonce = nonce;
    tx.gas_price = gas_price;
    tx.gas = gas;
    tx.to = settings_.contract;
    tx.data = std::move(data);
    tx.chain_id = id;
    const auto signed_tx = eth::sign(tx, payer);
    const std::string hash = eth::to_hex(signed_tx.hash);
    try {
        json::array params{eth::to_hex(signed_tx.raw)};
        (void)co_await rpc("eth_sendRawTransaction", std::move(params));
    } catch (const JsonRpcError& e) {
        const std::string message = e.what();
        if (message.find("insufficient funds") != std::string::npos) {
            throw RegistryRefused("insufficient funds: " + from.checksummed() + " cannot pay for the transaction (" +
                                  message + ")");
        }
        refuse(e, "the transaction");
    }
    if (progress) {
        progress("transaction " + hash + " sent, waiting for it to be mined...");
    }

    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + settings_.receipt_timeout;
    auto next_note = started + std::chrono::seconds(10);
    for (;;) {
        json::array params{hash};
        const auto receipt = co_await rpc("eth_getTransactionReceipt", std::move(params));
        if (receipt.is_object()) {
            const auto& r = receipt.get_object();
            Receipt out{hash, 0, 0};
            if (const auto* b = r.if_contains("blockNumber"); b != nullptr && b->is_string()) {
                out.block = parse_quantity(*b);
            }
            if (const auto* g = r.if_contains("gasUsed"); g != nullptr && g->is_string()) {
                out.gas_used = parse_quantity(*g);
            }
            const auto* status = r.if_contains("status");
            if (status != nullptr && status->is_string() && parse_quantity(*status) == 0) {
                // Replay the call to learn why; a mined revert carries no reason of its own.
                std::string why = "no reason given";
                try {
                    json::array replay{call, kLatest};
                    (void)co_await rpc("eth_call", std::move(replay));
                } catch (const JsonRpcError& e) {
                    why = revert_reason(e).value_or(e.what());
                }
                throw RegistryRefused("transaction " + hash + " reverted: " + why);
            }
            co_return out;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            throw RegistryUnavailable(
                "transaction " + hash + " was not mined within " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings_.receipt_timeout).count()) +
                " s; it may still be mined: look the listing up later with scn-tools registry");
        }
        if (progress && now >= next_note) {
            progress("still waiting for transaction " + hash + " (" +
                     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - started).count()) + " s)");
            next_note = now + std::chrono::seconds(10);
        }
        timer.expires_after(std::min<std::chrono::steady_clock::duration>(settings_.poll_interval, deadline - now));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace scn::registry
