#include <scn/node/errors.hpp>
#include <scn/node/proxy_urls.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>

namespace scn::node {

std::string ProxyUrls::resolve(std::string_view id, const PartyRef& from, const PartyRef& to) {
    auto stored = node_.store.proxy(id, from, to);
    if (!stored) {
        throw errors::proxied_resource_not_found();
    }
    return std::move(*stored);
}

void ProxyUrls::forget(std::string_view id) {
    node_.store.delete_proxy(id);
}

std::string ProxyUrls::next_page(const std::string& next, const std::string& module, const PartyRef& from,
                                 const PartyRef& to) {
    const auto id = node_.store.add_proxy(next, from, to);
    return node_.url + "/scpi/sender/2.2/" + module + "/page/" + std::to_string(id);
}

std::string ProxyUrls::cdr_location(const std::string& location, const PartyRef& from, const PartyRef& to) {
    const auto id = node_.store.add_proxy(location, from, to);
    return node_.url + "/scpi/receiver/2.2/cdrs/" + std::to_string(id);
}

std::string ProxyUrls::result_url(const std::string& response_url, std::string_view result_path, const PartyRef& from,
                                  const PartyRef& to) {
    // The recipient calls it: the proxy is stored for requests from `to` to `from`.
    const auto id = node_.store.add_proxy(response_url, to, from);
    return node_.url + std::string(result_path) + std::to_string(id);
}

bool ProxyUrls::on_party_servers(const std::string& url, std::int64_t platform) {
    const auto origin = [](std::string_view u) -> std::string {
        const auto parsed = boost::urls::parse_uri(u);
        if (!parsed) {
            return {};
        }
        return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host()) + ":" +
               std::string(parsed->port());
    };
    const auto wanted = origin(url);
    if (wanted.empty()) {
        return false;
    }
    if (const auto p = node_.store.platform(platform); p && origin(p->versions_url) == wanted) {
        return true;
    }
    const auto endpoints = node_.store.endpoints(platform);
    return std::any_of(endpoints.begin(), endpoints.end(), [&](const Endpoint& e) { return origin(e.url) == wanted; });
}

std::string ProxyUrls::command_result_path(std::string_view command) {
    return "/scpi/sender/2.2/commands/" + std::string(command) + "/";
}

std::string_view ProxyUrls::charging_result_path() {
    return "/scpi/2.2/sender/chargingprofiles/result/";
}

}  // namespace scn::node
