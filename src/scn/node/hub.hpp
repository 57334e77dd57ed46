#pragma once

// Requests addressed to the hub itself (SCPI-To = the node's own identity, OCPI 2.2, transport and format, "Message
// Routing"):
// - a broadcast push (POST, PUT or PATCH of Locations, Tariffs or Tokens on a receiver interface) goes to every
//   connected party of the roles it is meant for, and the hub answers the sender at once;
// - a GET of a whole list (Locations, Tariffs, Sessions, CDRs, Tokens) is answered by the hub with the objects of
//   every connected party that offers the list, merged and paged by the hub;
// - anything else is answered as the reference node answers an unknown recipient (4001).

#include <scn/node/forwarder.hpp>
#include <scn/node/route_handlers.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>

namespace scn::node {

class Hub {
public:
    Hub(NodeContext& node, Forwarder& forwarder, Signing& signing)
        : node_(node), forwarder_(forwarder), signing_(signing) {}

    /// Answers a checked request whose recipient is the hub; `sender` is the sending party's platform.
    boost::asio::awaitable<http::Response> answer(Exchange& x, std::int64_t sender);

    /// Most objects a merged list gathers from all parties together, and pages read from one party.
    static constexpr std::size_t kMaxMergedObjects = 10'000;
    static constexpr int kMaxPagesPerParty = 100;
    /// The largest page of a merged list.
    static constexpr std::size_t kMaxLimit = 1'000;

private:
    http::Response broadcast(Exchange& x, std::int64_t sender);
    boost::asio::awaitable<http::Response> merged_list(Exchange& x, std::int64_t sender);
    /// The hub's own answer: FROM the hub TO the sender, signed when signing is active.
    http::Response answered(const Exchange& x, http::Response response) const;

    NodeContext& node_;
    Forwarder& forwarder_;
    Signing& signing_;
};

}  // namespace scn::node
