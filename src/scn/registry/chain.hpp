#pragma once

#include <scn/eth/transaction.hpp>
#include <scn/registry/json_rpc.hpp>
#include <scn/registry/registry.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace scn::registry {

/// Where a contract lives and how patient to be with the chain.
struct ChainSettings {
    std::string rpc;                                     ///< JSON-RPC URL (http or https)
    eth::Address contract;                               ///< the contract every call and transaction goes to
    std::optional<std::uint64_t> chain_id;               ///< expected chain id; nullopt accepts what the RPC says
    std::chrono::milliseconds call_timeout{15'000};      ///< each JSON-RPC call
    std::chrono::milliseconds receipt_timeout{120'000};  ///< waiting for a transaction to be mined
    std::chrono::milliseconds poll_interval{500};        ///< between receipt polls
};

/// A mined transaction.
struct Receipt {
    std::string hash;
    std::uint64_t block = 0;
    std::uint64_t gas_used = 0;
};

/// Calls and transactions to one contract over JSON-RPC: `eth_call` for reads; for changes a legacy EIP-155
/// transaction (nonce from the pending pool, gas price from the chain, gas from `eth_estimateGas` plus a margin,
/// a funds check before sending), then bounded receipt polling. A revert surfaces as RegistryRefused with the
/// contract's reason whichever error shape the chain uses; an unreachable or wrong chain as RegistryUnavailable.
class Chain {
public:
    Chain(http::Client& http, ChainSettings settings);

    /// The chain id, read once and checked against the expected one.
    boost::asio::awaitable<std::uint64_t> chain_id();
    /// eth_call to the contract at the latest block; returns the return data.
    boost::asio::awaitable<eth::Bytes> call(eth::Bytes data);
    /// Sends `data` to the contract from `payer` and waits for it to be mined.
    boost::asio::awaitable<Receipt> transact(const eth::PrivateKey& payer, eth::Bytes data, const Progress& progress);

    [[nodiscard]] const ChainSettings& settings() const { return settings_; }

private:
    boost::asio::awaitable<boost::json::value> rpc(const char* method, boost::json::array params);
    [[noreturn]] void refuse(const JsonRpcError& e, const std::string& what) const;

    ChainSettings settings_;
    JsonRpcClient rpc_;
    std::optional<std::uint64_t> verified_chain_id_;
};

/// The revert reason in a JSON-RPC error, whatever the client's shape: hex `Error(string)` data at `error.data`,
/// `error.data.result` or after "Reverted"; else the reason in the message ("…: revert X", "execution reverted: X").
/// nullopt when the error is not a revert.
[[nodiscard]] std::optional<std::string> revert_reason(const JsonRpcError& error);

/// A hex quantity of up to 256 bits (balances exceed 64 bits).
[[nodiscard]] eth::U256 parse_u256(const boost::json::value& v);

}  // namespace scn::registry
