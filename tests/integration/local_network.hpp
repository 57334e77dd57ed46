#pragma once

// A whole network on 127.0.0.1 for the integration tests: the embedded registry, the local node, and the mock CPO and
// MSP listed in the registry (with their own signer keys) and registered with the node by the credentials handshake.
#include <scn/core/log.hpp>
#include <scn/node/node_server.hpp>
#include <scn/party/cpo.hpp>
#include <scn/party/msp.hpp>
#include <scn/party/registration.hpp>
#include <scn/registry/embedded_registry.hpp>
#include <scn/service/scpi_http.hpp>
#include <scn/test/io_thread.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>

#include "local_parties.hpp"

namespace scn::test {

struct LocalNetwork {
    IoThread io;
    std::filesystem::path dir;
    std::shared_ptr<core::CaptureSink> node_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> cpo_log = std::make_shared<core::CaptureSink>();
    std::shared_ptr<core::CaptureSink> msp_log = std::make_shared<core::CaptureSink>();
    std::unique_ptr<registry::EmbeddedBackend> registry;
    std::unique_ptr<node::NodeStore> node_store;
    std::unique_ptr<node::NodeServer> node;
    std::unique_ptr<party::PartyStore> cpo_store, msp_store;
    std::unique_ptr<party::Cpo> cpo;
    std::unique_ptr<party::Msp> msp;
    std::unique_ptr<http::Client> client;
    eth::PrivateKey node_key = eth::PrivateKey::generate();
    party::NodeConnection cpo_connection, msp_connection;
    std::map<std::string, eth::PrivateKey> signers;  ///< the keys the parties were listed with, by party name

    /// `adjust` changes a party's configuration before it starts (`cpo` tells which), `adjust_node` the node's.
    explicit LocalNetwork(std::chrono::milliseconds forward_timeout = std::chrono::seconds(10),
                          const std::function<void(config::PartyConfig&, bool cpo)>& adjust = {},
                          const std::function<void(config::NodeConfig&)>& adjust_node = {})
        : dir(std::filesystem::temp_directory_path() / ("scn-net-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        registry = std::make_unique<registry::EmbeddedBackend>(dir / "registry.db");
        node_store = std::make_unique<node::NodeStore>(dir / "node.db", core::system_clock());
        cpo_store = std::make_unique<party::PartyStore>(dir / "cpo.db", core::system_clock());
        msp_store = std::make_unique<party::PartyStore>(dir / "msp.db", core::system_clock());
        io.run([&] {
            config::NodeConfig nc;
            nc.port = 0;
            nc.public_url.clear();
            nc.api_key = "randomkey";
            nc.forward_timeout = forward_timeout;
            nc.still_alive_interval = std::chrono::seconds(1);
            nc.planned_party_search_interval = std::chrono::seconds(1);
            if (adjust_node) {
                adjust_node(nc);
            }
            node = std::make_unique<node::NodeServer>(io.ioc(), nc, *node_store, *registry, node_key,
                                                      core::Logger("node", node_log));
            node->start();
            registry->registry().set_node(node_key, node->url());
            auto cpo_config = local_party_config(true);
            auto msp_config = local_party_config(false);
            if (adjust) {
                adjust(cpo_config, true);
                adjust(msp_config, false);
            }
            cpo = std::make_unique<party::Cpo>(io.ioc(), cpo_config, *cpo_store, core::Logger("cpo", cpo_log));
            cpo->start_all();
            msp = std::make_unique<party::Msp>(io.ioc(), msp_config, *msp_store, core::Logger("msp", msp_log));
            msp->start_all();
            client = std::make_unique<http::Client>(io.ioc().get_executor());
            return 0;
        });
        cpo_connection = join(*cpo, *cpo_store);
        msp_connection = join(*msp, *msp_store);
        io.run([&] {
            cpo->set_signer(signers.at("CPO"));  // they sign their answers to signed requests
            msp->set_signer(signers.at("MSP"));
            return 0;
        });
        io.run([&] {
            cpo->set_peer(cpo_connection.peer());
            return 0;
        });
    }

    party::NodeConnection join(party::PartyServer& p, party::PartyStore& store) {
        const auto token_a = node_store->create_planned_platform();
        party::ListingKeys keys{eth::PrivateKey::generate(), std::nullopt};
        signers.emplace(p.name(), *keys.signer);
        return io.await(party::register_with_node(p, store, *client, node->url(), token_a, *registry, keys,
                                                  core::Logger("reg", node_log)));
    }

    ~LocalNetwork() {
        io.run([&] {
            cpo->stop_all();
            msp->stop_all();
            node->stop();
            return 0;
        });
        io.stop();  // nothing may run on the objects destroyed next
    }

    /// The MSP calls the node, addressed to CH/CPO.
    service::Reply msp_to_cpo(http::Method m, const std::string& path, std::optional<std::string> body = std::nullopt,
                              std::optional<std::string> token = std::nullopt) {
        service::Call c;
        c.method = m;
        c.url = path.starts_with("http") ? path : node->url() + path;
        c.token = token.value_or(msp_connection.token_c);
        c.routing = scpi::RoutingHeaders{"CH", "MSP", "CH", "CPO"};
        c.body = std::move(body);
        return io.await(service::call(*client, c));
    }
};

}  // namespace scn::test
