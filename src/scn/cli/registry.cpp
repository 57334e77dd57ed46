// `scn-tools registry …`: read and write the SCN Registry, on a chain or in the embedded file.
#include <scn/cli/common.hpp>
#include <scn/http/client.hpp>
#include <scn/registry/backend.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;

eth::PrivateKey signer_key() {
    auto key = key_from_env("SIGNER_KEY");
    if (!key) {
        throw std::runtime_error(
            "set SIGNER_KEY to the private key that signs this change (0x followed by 64 hex digits); SPENDER_KEY may "
            "name a funded key that pays for it");
    }
    return *key;
}

json::object party_json(const registry::PartyListing& p) {
    json::array roles;
    for (const auto r : p.roles) {
        roles.push_back(json::string(registry::to_string(r)));
    }
    return {{"country_code", p.country_code}, {"party_id", p.party_id},         {"address", p.address},
            {"roles", std::move(roles)},      {"operator", p.operator_address}, {"node", p.node_url}};
}

std::string party_line(const registry::PartyListing& p) {
    std::string roles;
    for (const auto r : p.roles) {
        roles += roles.empty() ? "" : ",";
        roles += registry::to_string(r);
    }
    return p.country_code + "/" + p.party_id + "  " + roles + "  party " + p.address + "  node " + p.node_url +
           " (operator " + p.operator_address + ")";
}

void need_args(const RegistryOptions& o, std::size_t n, const char* usage) {
    if (o.args.size() != n) {
        throw std::runtime_error(std::string("usage: scn-tools registry ") + usage);
    }
}

asio::awaitable<int> run_action(registry::Registry& reg, const RegistryOptions& o) {
    const auto& a = o.action;
    if (a == "list-nodes") {
        json::array out;
        for (const auto& n : co_await reg.nodes()) {
            if (o.json) {
                out.push_back(json::object{{"operator", n.operator_address}, {"url", n.url}});
            } else {
                std::cout << n.url << "  operator " << n.operator_address << "\n";
            }
        }
        if (o.json) {
            std::cout << json::serialize(out) << "\n";
        }
    } else if (a == "get-node") {
        need_args(o, 1, "get-node <operator address>");
        const auto op = eth::Address::parse(o.args[0]);
        const auto url = co_await reg.node(op);
        if (o.json) {
            std::cout << json::serialize(json::object{{"operator", op.lower()}, {"url", url}}) << "\n";
        } else {
            std::cout << (url.empty() ? "no node listed for " + o.args[0] : url) << "\n";
        }
        co_return url.empty() ? 1 : 0;
    } else if (a == "list-parties") {
        json::array out;
        for (const auto& p : co_await reg.parties()) {
            if (o.json) {
                out.push_back(party_json(p));
            } else {
                std::cout << party_line(p) << "\n";
            }
        }
        if (o.json) {
            std::cout << json::serialize(out) << "\n";
        }
    } else if (a == "get-party") {
        std::optional<registry::PartyListing> p;
        if (o.address) {
            const auto address = eth::Address::parse(*o.address);
            p = co_await reg.party_by_address(address);
        } else {
            need_args(o, 2, "get-party <country_code> <party_id>   (or --address 0x…)");
            p = co_await reg.party(o.args[0], o.args[1]);
        }
        if (!p) {
            std::cout << (o.json ? "null" : "not listed") << "\n";
            co_return 1;
        }
        std::cout << (o.json ? json::serialize(party_json(*p)) : party_line(*p)) << "\n";
    } else if (a == "set-node") {
        need_args(o, 1, "set-node <node url>   (signed with SIGNER_KEY, the operator's key)");
        const auto key = signer_key();
        const auto spender = key_from_env("SPENDER_KEY");
        const registry::Signers who{key, spender ? &*spender : nullptr};
        co_await reg.set_node(who, o.args[0]);
        std::cout << "Listed node " << o.args[0] << " for operator " << key.address().checksummed() << "\n";
    } else if (a == "set-party") {
        need_args(o, 2, "set-party <country_code> <party_id> --role CPO --operator 0x…   (signed with SIGNER_KEY)");
        if (!o.operator_address) {
            throw std::runtime_error(
                "--operator is required: the address of the node operator (see GET /scn/registry/node-info on your "
                "node)");
        }
        std::vector<registry::Role> roles;
        for (const auto& r : o.roles) {
            const auto role = registry::role_from_string(r);
            if (!role) {
                throw std::runtime_error("unknown role " + r + " (expected CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP)");
            }
            roles.push_back(*role);
        }
        const auto op = eth::Address::parse(*o.operator_address);
        const auto key = signer_key();
        const auto spender = key_from_env("SPENDER_KEY");
        const registry::Signers who{key, spender ? &*spender : nullptr};
        co_await reg.set_party(who, o.args[0], o.args[1], roles, op);
        std::cout << "Listed " << o.args[0] << "/" << o.args[1] << " for party " << key.address().checksummed() << "\n";
    } else if (a == "delete-party") {
        const auto key = signer_key();
        const auto spender = key_from_env("SPENDER_KEY");
        const registry::Signers who{key, spender ? &*spender : nullptr};
        co_await reg.delete_party(who);
        std::cout << "Deleted the listing of party " << key.address().checksummed() << "\n";
    }
    co_return 0;
}

}  // namespace

int run_registry(const GlobalOptions& global, const RegistryOptions& o) {
    // Output is for scripts (`| jq`): only warnings and errors are logged, and they go to stderr.
    auto quiet = std::make_shared<core::ConsoleSink>();
    quiet->set_min_level(core::LogLevel::warn);
    const core::Logger log("", quiet);
    try {
        const auto cfg = load_config(global, log);
        return run_to_completion<int>([&](asio::io_context& ioc) -> asio::awaitable<int> {
            http::Client http(ioc.get_executor());
            const auto reg = registry::make_registry(cfg.registry, http, cfg.stage);
            // Progress of transactions goes to stderr, so stdout stays the command's answer.
            reg->on_progress([](const std::string& m) { std::cerr << m << "\n"; });
            co_return co_await run_action(*reg, o);
        });
    } catch (const std::exception& e) {
        std::cerr << "scn-tools registry: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
