#pragma once

// The URLs the node hands out in place of a party's own (OCN node behaviour §5.5, §5.6): the next-page Link of a
// list, the Location of a pushed CDR and the response_url of commands and charging-profile requests. The original
// is stored, bound to the two parties it was handed between, and the proxy points at the node.

#include <scn/node/node_context.hpp>

#include <string>
#include <string_view>

namespace scn::node {

class ProxyUrls {
public:
    explicit ProxyUrls(NodeContext& node) : node_(node) {}

    /// The URL behind proxy `id` (a number, or a node-to-node alias), stored for requests from `from` to `to`;
    /// throws errors::proxied_resource_not_found for any other id or pair.
    [[nodiscard]] std::string resolve(std::string_view id, const PartyRef& from, const PartyRef& to);
    /// Page links are single-use: the proxy is forgotten once followed.
    void forget(std::string_view id);

    /// `{node}/scpi/sender/2.2/{module}/page/{id}` for a recipient's next-page URL.
    [[nodiscard]] std::string next_page(const std::string& next, const std::string& module, const PartyRef& from,
                                        const PartyRef& to);
    /// `{node}/scpi/receiver/2.2/cdrs/{id}` for the Location of a CDR pushed from `from` to `to`.
    [[nodiscard]] std::string cdr_location(const std::string& location, const PartyRef& from, const PartyRef& to);
    /// The node's result URL for a response_url of `from`'s request to `to`, which `to` will call:
    /// `{node}{result_path}{id}`.
    [[nodiscard]] std::string result_url(const std::string& response_url, std::string_view result_path,
                                         const PartyRef& from, const PartyRef& to);

    /// Whether `url` is on a server of the party connected as `platform` (its versions URL or an endpoint): a URL
    /// another node asks this node to call with that party's token must be.
    [[nodiscard]] bool on_party_servers(const std::string& url, std::int64_t platform);

    /// Where a command result comes back to the node: `/scpi/sender/2.2/commands/{command}/`.
    [[nodiscard]] static std::string command_result_path(std::string_view command);
    /// Where a charging-profile result comes back: `/scpi/2.2/sender/chargingprofiles/result/`.
    [[nodiscard]] static std::string_view charging_result_path();

private:
    NodeContext& node_;
};

}  // namespace scn::node
