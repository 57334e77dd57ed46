// `scn-tools registry …`: read and write the SCN Registry (the embedded backend; the chain backend is on its way).
#include <scn/cli/common.hpp>
#include <scn/eth/registry_abi.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

namespace scn::cli {
namespace {

namespace json = boost::json;

eth::PrivateKey signer_key() {
    const char* key = std::getenv("SIGNER_KEY");
    if (key == nullptr || *key == '\0') {
        throw std::runtime_error(
            "set SIGNER_KEY to the private key that signs this change (0x followed by 64 hex "
            "digits)");
    }
    try {
        return eth::PrivateKey::parse(key);
    } catch (const eth::EthError& e) {
        throw std::runtime_error(std::string("SIGNER_KEY: ") + e.what());
    }
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

}  // namespace

int run_registry(const GlobalOptions& global, const RegistryOptions& o) {
    // Output is for scripts (`| jq`): only warnings and errors are logged, and they go to stderr.
    auto quiet = std::make_shared<core::ConsoleSink>();
    quiet->set_min_level(core::LogLevel::warn);
    const core::Logger log("", quiet);
    try {
        const auto cfg = load_config(global, log);
        if (cfg.registry.backend != config::RegistryConfig::Backend::embedded) {
            std::cerr << "scn-tools registry: the ethereum backend is not available in this build yet; use "
                         "\"registry\": {\"backend\": \"embedded\"}\n";
            return 2;
        }
        registry::EmbeddedRegistry reg(cfg.registry.path);
        const auto& a = o.action;
        if (a == "list-nodes") {
            json::array out;
            for (const auto& n : reg.store().list_nodes()) {
                if (o.json) {
                    out.push_back({{"operator", n.operator_address}, {"url", n.url}});
                } else {
                    std::cout << n.url << "  operator " << n.operator_address << "\n";
                }
            }
            if (o.json) {
                std::cout << json::serialize(out) << "\n";
            }
        } else if (a == "get-node") {
            need_args(o, 1, "get-node <operator address>");
            const auto url = reg.store().get_node(o.args[0]);
            if (o.json) {
                std::cout << json::serialize(json::object{
                                 {"operator", registry::normalize_address(o.args[0], "operator")}, {"url", url}})
                          << "\n";
            } else {
                std::cout << (url.empty() ? "no node listed for " + o.args[0] : url) << "\n";
            }
            return url.empty() ? 1 : 0;
        } else if (a == "list-parties") {
            json::array out;
            for (const auto& p : reg.store().list_parties()) {
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
                p = reg.store().party_by_address(*o.address);
            } else {
                need_args(o, 2, "get-party <country_code> <party_id>   (or --address 0x…)");
                p = reg.store().party_by_ocpi(o.args[0], o.args[1]);
            }
            if (!p) {
                std::cout << (o.json ? "null" : "not listed") << "\n";
                return 1;
            }
            std::cout << (o.json ? json::serialize(party_json(*p)) : party_line(*p)) << "\n";
        } else if (a == "set-node") {
            need_args(o, 1, "set-node <node url>   (signed with SIGNER_KEY, the operator's key)");
            const auto key = signer_key();
            reg.set_node(key, o.args[0]);
            std::cout << "Listed node " << o.args[0] << " for operator " << key.address().checksummed() << "\n";
        } else if (a == "set-party") {
            need_args(o, 2, "set-party <country_code> <party_id> --role CPO --operator 0x…   (signed with SIGNER_KEY)");
            if (!o.operator_address) {
                throw std::runtime_error(
                    "--operator is required: the address of the node operator (see GET "
                    "/scn/registry/node-info on your node)");
            }
            std::vector<registry::Role> roles;
            for (const auto& r : o.roles) {
                const auto role = registry::role_from_string(r);
                if (!role) {
                    throw std::runtime_error("unknown role " + r + " (expected CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP)");
                }
                roles.push_back(*role);
            }
            const auto key = signer_key();
            reg.set_party(key, o.args[0], o.args[1], roles, eth::Address::parse(*o.operator_address));
            std::cout << "Listed " << o.args[0] << "/" << o.args[1] << " for party " << key.address().checksummed()
                      << "\n";
        } else if (a == "delete-party") {
            const auto key = signer_key();
            const auto digest = eth::registry::delete_party_raw_digest(key.address());
            reg.delete_party_raw(key.address(), key.sign(digest));
            std::cout << "Deleted the listing of party " << key.address().checksummed() << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools registry: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
