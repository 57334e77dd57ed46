#pragma once

// What the node's parts need to be tested without sockets: an in-memory store and registry, a wallet, and the
// context they share (the node's URL is http://node.test).

#include <scn/node/node_context.hpp>
#include <scn/node/signing.hpp>
#include <scn/registry/embedded_registry.hpp>

#include <gtest/gtest.h>

namespace scn::test {

class NodeFixture : public ::testing::Test {
protected:
    boost::asio::io_context ioc;
    config::NodeConfig config;
    core::ManualClock clock{core::TimePoint{std::chrono::milliseconds{1'700'000'000'000LL}}};
    node::NodeStore store{":memory:", clock};
    registry::EmbeddedBackend registry{":memory:"};
    eth::PrivateKey wallet = eth::PrivateKey::generate();
    http::Client client{ioc.get_executor()};
    node::NodeContext node{ioc,   config, store,   registry,          wallet, core::Logger("node"),
                           clock, client, nullptr, "http://node.test"};
    node::Signing signing{node};
};

}  // namespace scn::test
