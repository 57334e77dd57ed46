// The services the node implements itself: the ScnRules configuration module (§2.8), HubClientInfo (§2.7) and
// its broadcasts to the parties (§9).
#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/core/text.hpp>
#include <scn/node/errors.hpp>
#include <scn/node/node_server.hpp>
#include <scn/node/routing_rules.hpp>
#include <scn/node/scn_message.hpp>
#include <scn/scpi/hubclientinfo.hpp>
#include <scn/scpi/io.hpp>
#include <scn/scpi/json.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>

namespace scn::node {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

namespace {

using core::ascii_upper;

json::object entry_json(const RuleEntry& e) {
    json::array modules;
    for (const auto& m : e.modules) {
        modules.emplace_back(m);
    }
    json::object o;
    o["party_id"] = e.party.party_id;
    o["country_code"] = e.party.country_code;
    o["modules"] = std::move(modules);
    return o;
}

/// A rule entry from the request body; `message` names what is wrong (nullopt when the entry is valid).
struct ParsedEntry {
    RuleEntry entry;
    std::optional<std::string> problem;
};

ParsedEntry parse_entry(const json::value& v, bool single) {
    ParsedEntry out;
    const auto* o = v.if_object();
    const auto* cc = o != nullptr ? o->if_contains("country_code") : nullptr;
    const auto* pid = o != nullptr ? o->if_contains("party_id") : nullptr;
    const auto* modules = o != nullptr ? o->if_contains("modules") : nullptr;
    if (cc == nullptr || !cc->is_string() || pid == nullptr || !pid->is_string()) {
        out.problem = "Rule entries need country_code and party_id";
        return out;
    }
    out.entry.party = {ascii_upper(std::string(cc->get_string())), ascii_upper(std::string(pid->get_string()))};
    if (modules == nullptr || !modules->is_array() || modules->get_array().empty()) {
        out.problem = single ? "Module list is empty" : "Module list of one the party is empty";
        return out;
    }
    for (const auto& m : modules->get_array()) {
        if (!m.is_string() || m.get_string().empty()) {
            out.problem = single ? "Module list is empty" : "One of the element of module list is empty";
            return out;
        }
        out.entry.modules.emplace_back(m.get_string());
    }
    return out;
}

constexpr auto kClientError = scpi::StatusCode::client_error;
constexpr auto kInvalid = scpi::StatusCode::invalid_parameters;
constexpr std::string_view kConflict = "SCN Rules whitelist and blacklist cannot be active at same time";

}  // namespace

void NodeServer::add_rules_routes(http::Router& router) {
    // Served where the reference node serves it, and where it advertises it (§11: the two differ).
    for (const std::string base : {"/scpi/receiver/2.2/scnrules", "/scpi/2.2/receiver/scnrules"}) {
        const auto with_rules = [this](auto change) {
            return [this, change](http::Request& req) -> Awaitable {
                const auto platform = store_.platform_by_token_c(token_of(req));
                if (!platform) {
                    throw errors::invalid_token_c();
                }
                const json::value body = req.body.empty() ? json::value() : scpi::parse_json(req.body);
                Rules rules = store_.rules(platform->id);
                if (const auto refusal = change(rules, body, req)) {
                    throw scpi::Error(refusal->first, 400, refusal->second);
                }
                store_.save_rules(platform->id, rules);
                co_return service::ok(json::value(), clock_);
            };
        };
        using Refusal = std::optional<std::pair<scpi::StatusCode, std::string>>;
        router.add(http::Method::get, base, [this](http::Request& req) -> Awaitable {
            const auto platform = store_.platform_by_token_c(token_of(req));
            if (!platform) {
                throw errors::invalid_token_c();
            }
            const auto rules = store_.rules(platform->id);
            json::array entries;
            for (const auto& e : rules.entries) {
                entries.push_back(entry_json(e));
            }
            json::object data;
            data["signatures"] = rules.signatures;
            data["whitelist"] = {{"active", rules.whitelist_active},
                                 {"list", rules.whitelist_active ? entries : json::array()}};
            data["blacklist"] = {{"active", rules.blacklist_active},
                                 {"list", rules.blacklist_active ? entries : json::array()}};
            co_return service::ok(data, clock_);
        });
        router.add(http::Method::put, base + "/signatures",
                   with_rules([](Rules& r, const json::value&, http::Request&) -> Refusal {
                       r.signatures = !r.signatures;
                       return std::nullopt;
                   }));
        router.add(http::Method::put, base + "/block-all",
                   with_rules([](Rules& r, const json::value&, http::Request&) -> Refusal {
                       if (r.blacklist_active) {
                           return std::pair{kClientError, std::string(kConflict)};
                       }
                       r.whitelist_active = true;
                       r.entries.clear();  // this platform's entries only
                       return std::nullopt;
                   }));
        for (const bool white : {true, false}) {
            const std::string list = white ? "whitelist" : "blacklist";
            router.add(http::Method::put, base + "/" + list,
                       with_rules([white](Rules& r, const json::value& body, http::Request&) -> Refusal {
                           if (!body.is_array()) {
                               return std::pair{kInvalid, std::string("Expected an array of rule entries")};
                           }
                           std::vector<RuleEntry> entries;
                           for (const auto& v : body.get_array()) {
                               auto parsed = parse_entry(v, false);
                               if (parsed.problem) {
                                   return std::pair{kClientError, *parsed.problem};
                               }
                               entries.push_back(std::move(parsed.entry));
                           }
                           bool& mine = white ? r.whitelist_active : r.blacklist_active;
                           const bool other = white ? r.blacklist_active : r.whitelist_active;
                           if (entries.empty()) {
                               mine = false;
                               r.entries.clear();
                               return std::nullopt;
                           }
                           if (other) {
                               return std::pair{kClientError, std::string(kConflict)};
                           }
                           mine = true;
                           r.entries = std::move(entries);
                           return std::nullopt;
                       }));
            router.add(http::Method::post, base + "/" + list,
                       with_rules([white, list](Rules& r, const json::value& body, http::Request&) -> Refusal {
                           auto parsed = parse_entry(body, true);
                           if (parsed.problem) {
                               return std::pair{kClientError, *parsed.problem};
                           }
                           if (white ? r.blacklist_active : r.whitelist_active) {
                               return std::pair{kClientError, std::string(kConflict)};
                           }
                           const bool present =
                               std::any_of(r.entries.begin(), r.entries.end(),
                                           [&](const RuleEntry& e) { return e.party == parsed.entry.party; });
                           if (present) {
                               return std::pair{kInvalid, "Party already on SCN Rules " + list};
                           }
                           (white ? r.whitelist_active : r.blacklist_active) = true;
                           r.entries.push_back(std::move(parsed.entry));
                           return std::nullopt;
                       }));
            router.add(http::Method::del, base + "/" + list + "/{cc}/{pid}",
                       with_rules([white, list](Rules& r, const json::value&, http::Request& req) -> Refusal {
                           const bool mine = white ? r.whitelist_active : r.blacklist_active;
                           const bool other = white ? r.blacklist_active : r.whitelist_active;
                           if (!mine || other) {
                               return std::pair{kClientError, "Cannot delete entry from SCN Rules " + list};
                           }
                           const PartyRef party{ascii_upper(std::string(req.param("cc"))),
                                                ascii_upper(std::string(req.param("pid")))};
                           std::erase_if(r.entries, [&](const RuleEntry& e) { return e.party == party; });
                           (white ? r.whitelist_active : r.blacklist_active) = !r.entries.empty();
                           return std::nullopt;
                       }));
        }
    }
}

void NodeServer::add_hubclientinfo_routes(http::Router& router) {
    router.add(http::Method::get, "/scpi/2.2/hubclientinfo", [this](http::Request& req) -> Awaitable {
        require_headers(req, kRoutingRequestHeaders);
        const auto caller = store_.platform_by_token_c(token_of(req));
        if (!caller) {
            throw errors::invalid_token_c();
        }
        const auto rules = store_.rules(caller->id);
        json::array data;
        std::vector<PartyRef> listed;
        for (const auto& p : store_.platforms()) {
            if (p.status == scpi::ConnectionStatus::PLANNED) {
                continue;
            }
            for (const auto& r : store_.roles(p.id)) {
                listed.push_back({ascii_upper(r.country_code), ascii_upper(r.party_id)});
                if (!rules_allow_party(rules, listed.back())) {
                    continue;
                }
                data.push_back({{"party_id", r.party_id},
                                {"country_code", r.country_code},
                                {"role", scpi::to_string(r.role)},
                                {"status", scpi::to_string(p.status)},
                                {"last_updated", core::format_datetime(p.last_updated)}});
            }
        }
        // Parties the planned-party search found (listed under this node, not connected): PLANNED. The registry is
        // not read here, so the list costs no chain calls.
        // Parties learned from other nodes: reported PLANNED whatever their last status, as the reference node
        // does (§2.7 / §11); their pushes carry the real status.
        for (const auto& [key, info] : remote_clients_) {
            const PartyRef ref{ascii_upper(info.country_code), ascii_upper(info.party_id)};
            if (std::find(listed.begin(), listed.end(), ref) != listed.end() || !rules_allow_party(rules, ref)) {
                continue;
            }
            auto shown = info;
            shown.status = scpi::ConnectionStatus::PLANNED;
            data.push_back(scpi::to_json(shown));
        }
        for (const auto& [key, info] : planned_) {
            const PartyRef ref{ascii_upper(info.country_code), ascii_upper(info.party_id)};
            if (std::find(listed.begin(), listed.end(), ref) != listed.end() || !rules_allow_party(rules, ref)) {
                continue;
            }
            data.push_back(scpi::to_json(info));
        }
        const auto count = std::to_string(data.size());
        json::object envelope;
        envelope["status_code"] = 1000;
        envelope["status_message"] =
            "Pagination request parameters were ignored due to lack of their implementation on the SCN.";
        envelope["data"] = std::move(data);
        envelope["timestamp"] = core::format_datetime(clock_.now());
        auto res = http::Response::json(200, json::serialize(envelope));
        res.headers.add("X-Total-Count", count);
        res.headers.add("X-Limit", count);
        co_return res;
    });
}

void NodeServer::broadcast(std::int64_t changed, scpi::ConnectionStatus status) {
    if (console_) {
        console_->parties_changed();
    }
    for (const auto& r : store_.roles(changed)) {
        scpi::ClientInfo info;
        info.party_id = r.party_id;
        info.country_code = r.country_code;
        info.role = r.role;
        info.status = status;
        info.last_updated = clock_.now();
        broadcast_info(info, changed);
        tell_other_nodes(info);
    }
}

void NodeServer::tell_other_nodes(const scpi::ClientInfo& info) {
    // Fire and forget, as the reference node does: every other node in the registry, body signed by this wallet.
    boost::asio::co_spawn(
        ioc_,
        [](NodeServer* self, std::shared_ptr<bool> running, std::shared_ptr<http::Client> client,
           std::string body) -> boost::asio::awaitable<void> {
            const auto nodes = co_await self->registry_.nodes();
            if (!*running) {
                co_return;
            }
            const std::string own = self->url();
            const std::string signature = sign_message(body, self->wallet_);
            const auto timeout = self->config_.forward_timeout;
            for (const auto& n : nodes) {
                if (n.url == own) {
                    continue;
                }
                http::ClientRequest req;
                req.method = http::Method::put;
                req.url = join_url(n.url, "/scn/client-info");
                req.timeout = timeout;
                req.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
                req.headers.add("SCN-Signature", signature);
                req.headers.add("Content-Type", "application/json");
                req.body = body;
                try {
                    (void)co_await client->send(std::move(req));
                } catch (const std::exception&) {
                    // another node being down is its own business
                }
                if (!*running) {
                    co_return;
                }
            }
        }(this, running_, background_client_, scpi::to_text(info)),
        [log = log_](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log.debug(std::string("client-info to other nodes failed: ") + ex.what());
                }
            }
        });
}

void NodeServer::add_client_info_route(http::Router& router) {
    router.add(http::Method::put, "/scn/client-info", [this](http::Request& req) -> Awaitable {
        static constexpr std::array<std::string_view, 1> kRequired{scpi::header::kSignature};
        require_headers(req, kRequired);
        const auto signature = req.header(scpi::header::kSignature);
        const auto info = scpi::from_json<scpi::ClientInfo>(scpi::parse_json(req.body));
        const std::string cc = ascii_upper(info.country_code);
        const std::string pid = ascii_upper(info.party_id);
        const auto listing = co_await registry_.party(cc, pid);
        const auto signer = message_signer(req.body, *signature);
        const std::string expected = listing ? listing->operator_address : std::string("(not listed)");
        const std::string actual = signer ? signer->lower() : std::string("(unreadable)");
        if (!listing || actual != expected) {
            co_return http::Response::text(400, "Invalid SCN-Signature header. Client registered with operator " +
                                                    expected + " but update signed by " + actual + ".");
        }
        const std::string key = cc + "/" + pid + "/" + std::string(scpi::to_string(info.role));
        const auto known = remote_clients_.find(key);
        if (known == remote_clients_.end() || known->second.status != info.status) {
            remote_clients_[key] = info;
            log_.info(cc + "/" + pid + " is " + std::string(scpi::to_string(info.status)) + " (from its node " +
                      listing->node_url + ")");
            broadcast_info(info, std::nullopt);
        }
        co_return http::Response::text(200, "");
    });
}

void NodeServer::broadcast_info(const scpi::ClientInfo& info, std::optional<std::int64_t> except) {
    const PartyRef about{ascii_upper(info.country_code), ascii_upper(info.party_id)};
    for (const auto& p : store_.platforms()) {
        if (p.id == except || p.status != scpi::ConnectionStatus::CONNECTED || !p.token_b) {
            continue;
        }
        const auto endpoint = store_.endpoint_url(p.id, "hubclientinfo", scpi::InterfaceRole::RECEIVER);
        if (!endpoint || !rules_allow_party(store_.rules(p.id), about)) {
            continue;
        }
        http::ClientRequest req;
        req.method = http::Method::put;
        req.url = *endpoint + "/" + info.country_code + "/" + info.party_id;
        req.timeout = config_.forward_timeout;
        req.connect_timeout = std::min(config_.forward_timeout, std::chrono::milliseconds(5000));
        req.headers.add("Authorization", "Token " + *p.token_b);
        req.headers.add("X-Request-ID", core::random_uuid());
        req.headers.add("X-Correlation-ID", core::random_uuid());
        req.headers.add("Content-Type", "application/json");
        req.body = scpi::to_text(info);
        // Fire and forget: the answer is ignored, a failure only logged.
        boost::asio::co_spawn(
            ioc_,
            [](std::shared_ptr<http::Client> client, http::ClientRequest request,
               core::Logger log) -> boost::asio::awaitable<void> {
                try {
                    (void)co_await client->send(std::move(request));
                } catch (const std::exception& e) {
                    log.debug(std::string("hubclientinfo push failed: ") + e.what());
                }
            }(background_client_, std::move(req), log_),
            boost::asio::detached);
    }
}

void NodeServer::start_tasks() {
    *running_ = true;
    const auto every = [this](std::chrono::milliseconds interval, auto round) {
        if (interval.count() <= 0) {
            return;
        }
        boost::asio::co_spawn(
            ioc_,
            [](NodeServer* self, std::shared_ptr<bool> running, std::chrono::milliseconds period,
               decltype(round) task) -> boost::asio::awaitable<void> {
                boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
                while (*running) {
                    timer.expires_after(period);
                    boost::system::error_code ec;
                    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
                    if (!*running) {
                        break;  // stopped: `self` may be gone
                    }
                    try {
                        co_await (self->*task)();
                    } catch (const std::exception& e) {
                        self->log_.warn(std::string("periodic task failed: ") + e.what());
                    }
                }
            }(this, running_, interval, round),
            boost::asio::detached);
    };
    every(config_.still_alive_interval, &NodeServer::still_alive_round);
    every(config_.planned_party_search_interval, &NodeServer::planned_party_round);
}

boost::asio::awaitable<void> NodeServer::still_alive_round() {
    const auto running = running_;
    const auto now = clock_.now();
    for (const auto& p : store_.platforms()) {
        using scpi::ConnectionStatus;
        if ((p.status != ConnectionStatus::CONNECTED && p.status != ConnectionStatus::OFFLINE) || !p.token_b ||
            now - p.last_updated < config_.still_alive_interval) {
            continue;
        }
        service::Call call;
        call.url = p.versions_url;
        call.token = *p.token_b;
        call.timeout = config_.forward_timeout;
        bool alive = false;
        try {
            const auto reply = co_await service::call(*background_client_, call);
            alive = reply.ok();
        } catch (const std::exception&) {
            alive = false;
        }
        if (!*running) {
            co_return;
        }
        const auto status = alive ? scpi::ConnectionStatus::CONNECTED : scpi::ConnectionStatus::OFFLINE;
        if (alive) {
            store_.renew(p.id);
        }
        if (status != p.status) {
            store_.set_status(p.id, status);
            for (const auto& r : store_.roles(p.id)) {
                log_.info(r.country_code + "/" + r.party_id + " is " + std::string(scpi::to_string(status)));
            }
            broadcast(p.id, status);
        }
    }
}

boost::asio::awaitable<void> NodeServer::planned_party_round() {
    const auto running = running_;
    const auto parties = co_await registry_.parties();
    if (!*running) {
        co_return;
    }
    const std::string self = url();
    const std::string address = wallet_.address().lower();
    for (const auto& party : parties) {
        if (party.node_url != self || party.operator_address != address ||
            store_.platform_of({party.country_code, party.party_id})) {
            continue;
        }
        for (const auto role : party.roles) {
            const std::string key =
                party.country_code + "/" + party.party_id + "/" + std::string(registry::to_string(role));
            if (planned_.contains(key)) {
                continue;
            }
            scpi::ClientInfo info;
            info.party_id = party.party_id;
            info.country_code = party.country_code;
            info.role = scpi::from_json<scpi::Role>(json::value(registry::to_string(role)));
            info.status = scpi::ConnectionStatus::PLANNED;
            info.last_updated = clock_.now();
            planned_.emplace(key, info);
            log_.info(party.country_code + "/" + party.party_id + " is PLANNED (listed under this node)");
            broadcast_info(info, std::nullopt);
            tell_other_nodes(info);
        }
    }
}

}  // namespace scn::node
