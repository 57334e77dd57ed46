#include <scn/party/delivery.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace scn::party {
namespace json = boost::json;

namespace {

/// Outcomes written together at most (one transaction), and how long the first of them waits for others.
constexpr std::size_t kSettleBatch = 64;
constexpr auto kSettleDelay = std::chrono::milliseconds(5);

}  // namespace

bool refused_for_good(const service::Reply& reply) {
    const auto http = reply.http_status;
    if (http >= 500 || http == 408 || http == 429) {
        return false;
    }
    if (http >= 400 && http < 500) {
        return true;
    }
    return reply.status_code >= 2000 && reply.status_code < 3000;
}

Delivery::Delivery(boost::asio::io_context& ioc, PartyStore& store, http::Client& client, core::Logger log,
                   const core::Clock& clock, std::function<std::optional<Peer>()> peer, config::PushPolicy policy)
    : ioc_(ioc),
      store_(store),
      client_(client),
      log_(std::move(log)),
      clock_(clock),
      peer_(std::move(peer)),
      policy_(policy),
      shared_(std::make_shared<Shared>(ioc)) {}

Delivery::~Delivery() {
    stop();
}

std::string Delivery::meta_of(const std::optional<scpi::RoutingHeaders>& routing, const std::string& correlation_id) {
    json::object meta;
    if (routing) {
        meta["from_country_code"] = routing->from_country_code;
        meta["from_party_id"] = routing->from_party_id;
        meta["to_country_code"] = routing->to_country_code;
        meta["to_party_id"] = routing->to_party_id;
    }
    meta["correlation_id"] = correlation_id;
    return json::serialize(meta);
}

void Delivery::send(const std::string& key, const std::string& method, const std::string& target,
                    const std::string& body, const std::optional<scpi::RoutingHeaders>& routing,
                    const std::string& correlation_id) {
    const auto id = store_.outbox().enqueue(key, method, target, body, meta_of(routing, correlation_id), clock_.now());
    queued(id, method, target);
}

void Delivery::send_state(const std::string& key, const std::string& method, const std::string& target,
                          const std::string& body, const std::optional<scpi::RoutingHeaders>& routing,
                          const std::string& correlation_id) {
    const auto q =
        store_.outbox().put_latest(key, method, target, body, meta_of(routing, correlation_id), clock_.now());
    if (q.replaced) {
        ++stats_.queued;
        ++stats_.replaced;
        return;  // nothing more waits than before
    }
    queued(q.id, method, target);
}

void Delivery::queued(std::int64_t id, const std::string& method, const std::string& target) {
    ++stats_.queued;
    // Counting the queue costs a scan: the count is kept, and read again only near the limit (another process,
    // `scn-tools outbox --retry`, may have changed it).
    if (!queued_ || ++*queued_ >= static_cast<std::size_t>(policy_.max_queued)) {
        queued_ = store_.outbox().pending();
    }
    if (*queued_ > static_cast<std::size_t>(policy_.max_queued)) {
        const std::string error = "the outbox is full (" + std::to_string(policy_.max_queued) + " messages waiting)";
        store_.outbox().dead(id, error, clock_.now());
        --*queued_;
        log_.warn(method + " " + target + " (outbox message " + std::to_string(id) +
                  ") moved to the dead letters: " + error);
        return;
    }
    shared_->wake.cancel();
}

void Delivery::wake() {
    shared_->wake.cancel();
}

void Delivery::failed(const store::OutboxMessage& m, const std::string& error, bool for_good) {
    const auto now = clock_.now();
    const int attempts = m.attempts + 1;
    std::string why;
    if (for_good) {
        why = "refused";
    } else if (attempts >= policy_.max_attempts) {
        why = "gave up after " + std::to_string(attempts) + " attempts";
    } else if (now - m.created >= policy_.max_age) {
        why = "gave up after " + std::to_string(attempts) + " attempts in " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - m.created).count()) + " s";
    }
    if (!why.empty()) {
        store_.outbox().dead(m.id, error, now);
        if (queued_ && *queued_ > 0) {
            --*queued_;
        }
        log_.warn(m.method + " " + m.target + " (outbox message " + std::to_string(m.id) +
                  ") moved to the dead letters, " + why + ": " + error);
        return;
    }
    store_.outbox().failed(m.id, error, now + store::Outbox::backoff(attempts));
    log_.warn(m.method + " " + m.target + " not delivered (attempt " + std::to_string(attempts) +
              "), will retry: " + error);
}

void Delivery::start() {
    boost::asio::co_spawn(ioc_, run(), boost::asio::detached);
}

void Delivery::stop() {
    if (!shared_->stopped) {
        try {
            settle();  // what finished before the stop is not sent again
        } catch (const std::exception& e) {
            log_.warn(std::string("outcomes of the last deliveries not recorded: ") + e.what());
        }
    }
    shared_->stopped = true;
    shared_->wake.cancel();
}

void Delivery::reset_endpoints() {
    endpoints_for_.reset();
    endpoints_.clear();
    shared_->wake.cancel();
}

boost::asio::awaitable<bool> Delivery::load_endpoints(const Peer& peer) {
    const auto shared = shared_;
    if (endpoints_for_ == peer.versions_url) {
        co_return true;
    }
    service::Call versions;
    versions.url = peer.versions_url;
    versions.token = peer.token;
    versions.dialect = dialect_;
    const auto list = co_await service::call(client_, versions);
    if (shared->stopped) {
        co_return false;
    }
    if (!list.ok() || !list.data.is_array()) {
        throw std::runtime_error("cannot read versions at " + peer.versions_url + ": " + list.describe());
    }
    std::string details_url;
    for (const auto& v : list.data.get_array()) {
        const auto version = scpi::from_json<scpi::Version>(v);
        if (version.version == dialect_->version) {
            details_url = version.url;
        }
    }
    if (details_url.empty()) {
        throw std::runtime_error(peer.versions_url + " offers no version " + std::string(dialect_->version));
    }
    service::Call details;
    details.url = details_url;
    details.token = peer.token;
    details.dialect = dialect_;
    const auto d = co_await service::call(client_, details);
    if (shared->stopped) {
        co_return false;
    }
    if (!d.ok()) {
        throw std::runtime_error("cannot read version details at " + details_url + ": " + d.describe());
    }
    // Assigned in one step: another coroutine may have been reading the same details meanwhile.
    endpoints_ = scpi::from_json<scpi::VersionDetails>(d.data).endpoints;
    endpoints_for_ = peer.versions_url;
    co_return true;
}

boost::asio::awaitable<std::optional<std::string>> Delivery::endpoint(const Peer& peer, const std::string& module,
                                                                      scpi::InterfaceRole role) {
    if (!co_await load_endpoints(peer)) {
        co_return std::nullopt;
    }
    for (const auto& e : endpoints_) {
        if (e.identifier == module && e.role == role) {
            co_return e.url;
        }
    }
    co_return std::nullopt;
}

boost::asio::awaitable<std::optional<std::string>> Delivery::resolve(const Peer& peer, const std::string& target) {
    if (target.starts_with("http://") || target.starts_with("https://")) {
        co_return target;
    }
    // "sender:<module>/…" addresses the recipient's SENDER interface (e.g. an ActiveChargingProfile update).
    constexpr std::string_view kSender = "sender:";
    const bool sender = target.starts_with(kSender);
    const std::string rest = sender ? target.substr(kSender.size()) : target;
    const auto slash = rest.find('/');
    const auto url = co_await endpoint(peer, rest.substr(0, slash),
                                       sender ? scpi::InterfaceRole::SENDER : scpi::InterfaceRole::RECEIVER);
    if (!url) {
        co_return std::nullopt;
    }
    co_return slash == std::string::npos ? *url : *url + rest.substr(slash);
}

boost::asio::awaitable<void> Delivery::deliver(Peer peer, store::OutboxMessage m) {
    // `shared` outlives this object; nothing else is touched once `stopped` is set.
    const auto shared = shared_;
    Outcome outcome;
    try {
        const auto url = co_await resolve(peer, m.target);
        if (shared->stopped) {
            co_return;
        }
        if (!url) {
            outcome.error = "the recipient offers no interface for " + m.target.substr(0, m.target.find('/'));
        } else {
            service::Call c;
            c.method = http::method_from_string(m.method);
            c.url = *url;
            c.token = peer.token;
            c.dialect = dialect_;
            c.body = m.body;
            const auto meta = json::parse(m.meta).as_object();
            if (meta.contains("to_party_id")) {
                c.routing = scpi::RoutingHeaders{std::string(meta.at("from_country_code").as_string()),
                                                 std::string(meta.at("from_party_id").as_string()),
                                                 std::string(meta.at("to_country_code").as_string()),
                                                 std::string(meta.at("to_party_id").as_string())};
            }
            c.correlation_id = std::string(meta.at("correlation_id").as_string());
            if (signer_) {
                c.signer = signer_();
            }
            const bool signed_request = c.signer.has_value();
            const auto reply = co_await service::call(client_, std::move(c));
            if (shared->stopped) {
                co_return;
            }
            const auto problem = signed_request && reply.ok()
                                     ? service::answer_signature_problem(reply.body, reply.headers)
                                     : std::nullopt;
            outcome.ok = reply.ok() && !problem;
            if (!outcome.ok) {
                outcome.error = problem ? "unable to verify the answer's signature: " + *problem : reply.describe();
                outcome.for_good = !problem && refused_for_good(reply);
            }
        }
    } catch (const std::exception& e) {
        if (shared->stopped) {
            co_return;
        }
        outcome.error = e.what();
        reset_endpoints();
    }
    outcome.message = std::move(m);
    if (outcomes_.empty()) {
        first_outcome_ = std::chrono::steady_clock::now();
    }
    outcomes_.push_back(std::move(outcome));
    --requests_;
    shared->wake.cancel();
}

void Delivery::settle() {
    if (outcomes_.empty()) {
        return;
    }
    auto outcomes = std::move(outcomes_);
    outcomes_.clear();
    // Whatever happens below, the messages are free to be offered again (a delivery not recorded is sent again).
    const std::shared_ptr<void> release(nullptr, [&](void*) {
        for (const auto& o : outcomes) {
            std::erase(in_flight_, o.message.id);
        }
    });
    store::Transaction tx(store_.database());
    for (auto& o : outcomes) {
        if (o.ok) {
            ++stats_.delivered;
            // false: a newer state replaced it while it was on its way; that one is due now.
            if (store_.outbox().delivered(o.message) && queued_ && *queued_ > 0) {
                --*queued_;
            }
        } else {
            ++stats_.failed;
            failed(o.message, o.error, o.for_good);
        }
    }
    tx.commit();
}

boost::asio::awaitable<void> Delivery::run() {
    // `shared` outlives this object; nothing else is touched once `stopped` is set.
    const auto shared = shared_;
    while (!shared->stopped) {
        // Outcomes are written together: when enough have gathered, the oldest has waited long enough, or nothing
        // else is on its way.
        const auto since_first = std::chrono::steady_clock::now() - first_outcome_;
        if (!outcomes_.empty() && (outcomes_.size() >= kSettleBatch || requests_ == 0 || since_first >= kSettleDelay)) {
            try {
                settle();
            } catch (const std::exception& e) {
                log_.error(std::string("outcomes of deliveries not recorded (the messages will be sent again): ") +
                           e.what());
            }
        }
        const auto peer = peer_();
        const auto parallel = static_cast<std::size_t>(std::max(1, policy_.parallel));
        bool more_due = false;  // due messages left for lack of a free slot
        if (peer && requests_ < parallel) {
            const auto room = parallel - requests_;
            auto due = store_.outbox().due(clock_.now(), room, in_flight_);
            more_due = due.size() == room;
            for (auto& m : due) {
                in_flight_.push_back(m.id);
                ++requests_;
                boost::asio::co_spawn(ioc_, deliver(*peer, std::move(m)), boost::asio::detached);
            }
        } else if (peer) {
            more_due = true;
        }
        // Sleep until a request finishes, the next message is due, a new one is queued, outcomes are to be written,
        // or (without a peer) a while.
        auto wait = std::chrono::milliseconds(1000);
        if (peer) {
            wait = std::chrono::milliseconds(60'000);
            if (!more_due) {
                if (const auto next = store_.outbox().next_due(clock_.now())) {
                    wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.now()),
                                      std::chrono::milliseconds(0), wait);
                }
            }
        }
        if (!outcomes_.empty()) {
            wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(kSettleDelay));
        }
        shared->wake.expires_after(wait);
        boost::system::error_code ec;
        co_await shared->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
}

}  // namespace scn::party
