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

boost::asio::awaitable<Delivery::Outcome> Delivery::attempt(const Peer& peer, const std::string& method,
                                                            const std::string& target, const std::string& body,
                                                            const std::optional<scpi::RoutingHeaders>& routing,
                                                            const std::string& correlation_id) {
    // `shared` outlives this object; nothing else is touched once `stopped` is set.
    const auto shared = shared_;
    Outcome outcome;
    try {
        const auto url = co_await resolve(peer, target);
        if (shared->stopped) {
            co_return outcome;
        }
        if (!url) {
            outcome.error = "the recipient offers no interface for " + target.substr(0, target.find('/'));
            co_return outcome;
        }
        service::Call c;
        c.method = http::method_from_string(method);
        c.url = *url;
        c.token = peer.token;
        c.dialect = dialect_;
        c.body = body;
        c.routing = routing;
        c.correlation_id = correlation_id;
        if (signer_) {
            c.signer = signer_();
        }
        const bool signed_request = c.signer.has_value();
        const auto reply = co_await service::call(client_, std::move(c));
        if (shared->stopped) {
            co_return outcome;
        }
        const auto problem =
            signed_request && reply.ok() ? service::answer_signature_problem(reply.body, reply.headers) : std::nullopt;
        outcome.ok = reply.ok() && !problem;
        if (!outcome.ok) {
            outcome.error = problem ? "unable to verify the answer's signature: " + *problem : reply.describe();
            outcome.for_good = !problem && refused_for_good(reply);
        }
    } catch (const std::exception& e) {
        if (shared->stopped) {
            co_return outcome;
        }
        outcome.error = e.what();
        reset_endpoints();
    }
    co_return outcome;
}

boost::asio::awaitable<void> Delivery::deliver(Peer peer, store::OutboxMessage m) {
    const auto shared = shared_;
    std::optional<scpi::RoutingHeaders> routing;
    std::string correlation;
    try {
        const auto meta = json::parse(m.meta).as_object();
        if (meta.contains("to_party_id")) {
            routing = scpi::RoutingHeaders{std::string(meta.at("from_country_code").as_string()),
                                           std::string(meta.at("from_party_id").as_string()),
                                           std::string(meta.at("to_country_code").as_string()),
                                           std::string(meta.at("to_party_id").as_string())};
        }
        correlation = std::string(meta.at("correlation_id").as_string());
    } catch (const std::exception&) {
        // written by meta_of(): unreadable only if the database was edited; sent without routing headers
    }
    auto outcome = co_await attempt(peer, m.method, m.target, m.body, routing, correlation);
    if (shared->stopped) {
        co_return;
    }
    outcome.message = std::move(m);
    if (outcomes_.empty()) {
        first_outcome_ = std::chrono::steady_clock::now();
    }
    busy_keys_.erase(outcome.message.key);
    outcomes_.push_back(std::move(outcome));
    --requests_;
    shared->wake.cancel();
}

void Delivery::touch(const std::string& key) {
    auto& l = live_[key];
    l.forgotten = false;
    ++stats_.queued;
    if (l.dirty) {
        ++stats_.replaced;  // the state waiting will be rendered anew when it goes
        return;
    }
    l.dirty = true;
    l.touched = clock_.now();
    if (!l.in_flight) {
        live_order_.push_back(key);
        if (requests_ < static_cast<std::size_t>(std::max(1, policy_.parallel))) {
            shared_->wake.cancel();
        }
    }
}

void Delivery::forget(const std::string& key) {
    const auto it = live_.find(key);
    if (it == live_.end()) {
        return;
    }
    if (it->second.in_flight) {
        it->second.dirty = false;  // erased when the request ends
        it->second.forgotten = true;
    } else {
        live_.erase(it);  // its place in live_order_ is skipped when reached
    }
}

std::optional<core::TimePoint> Delivery::live_oldest() const {
    std::optional<core::TimePoint> oldest;
    const auto consider = [&](const std::string& key) {
        if (const auto it = live_.find(key); it != live_.end() && it->second.dirty) {
            oldest = oldest ? std::min(*oldest, it->second.touched) : it->second.touched;
            return true;
        }
        return false;
    };
    for (const auto& key : live_order_) {
        if (consider(key)) {
            break;  // in the order of their first touches
        }
    }
    for (const auto& [at, key] : live_retry_) {
        consider(key);
    }
    return oldest;
}

void Delivery::send_live(const Peer& peer, std::size_t room, core::TimePoint now) {
    if (!render_) {
        return;
    }
    // Keys whose retry is due queue up again.
    while (!live_retry_.empty() && live_retry_.begin()->first <= now) {
        live_order_.push_back(std::move(live_retry_.begin()->second));
        live_retry_.erase(live_retry_.begin());
    }
    // Keys that have to wait (messages queued for them, or a request of theirs on its way) go to the back. A few
    // keys are looked at per free request, each at most once per call.
    std::size_t looked = 0;
    const std::size_t to_look = std::min(live_order_.size(), room * 8 + 16);
    while (room > 0 && looked < to_look && !live_order_.empty()) {
        ++looked;
        std::string key = std::move(live_order_.front());
        live_order_.pop_front();
        const auto it = live_.find(key);
        if (it == live_.end() || !it->second.dirty || it->second.in_flight) {
            continue;  // forgotten, or back in the order when its request ends
        }
        auto& l = it->second;
        if (busy_keys_.contains(key) || store_.outbox().has_key(key)) {
            live_order_.push_back(std::move(key));
            continue;
        }
        auto m = render_(key);
        if (!m) {
            live_.erase(it);
            continue;
        }
        l.dirty = false;
        l.in_flight = true;
        busy_keys_.insert(key);
        ++requests_;
        --room;
        boost::asio::co_spawn(ioc_, deliver_live(peer, std::move(key), std::move(*m)), boost::asio::detached);
    }
}

boost::asio::awaitable<void> Delivery::deliver_live(Peer peer, std::string key, LiveMessage m) {
    const auto shared = shared_;
    const auto outcome = co_await attempt(peer, m.method, m.target, m.body, m.routing, m.correlation_id);
    if (shared->stopped) {
        co_return;
    }
    --requests_;
    busy_keys_.erase(key);
    shared->wake.cancel();
    const auto it = live_.find(key);
    if (it == live_.end()) {
        co_return;
    }
    auto& l = it->second;
    l.in_flight = false;
    if (l.forgotten) {
        live_.erase(it);
        co_return;
    }
    if (outcome.ok) {
        ++stats_.delivered;
        l.attempts = 0;
        if (!l.dirty) {
            live_.erase(it);  // nothing newer: the key is forgotten until the next touch
            co_return;
        }
    } else {
        ++stats_.failed;
        ++l.attempts;
        // A state that cannot go now goes later, as it is then; a refusal is logged at its first time only.
        if (l.attempts == 1) {
            log_.warn(m.method + " " + m.target +
                      " not delivered, will retry with the state of that moment: " + outcome.error);
        }
        const auto retry_at = clock_.now() + store::Outbox::backoff(l.attempts);
        if (!l.dirty) {
            l.dirty = true;
            l.touched = clock_.now();
        }
        live_retry_.emplace(retry_at, std::move(key));
        co_return;
    }
    live_order_.push_back(std::move(key));
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
                if (busy_keys_.contains(m.key)) {
                    continue;  // the key's newest state is on its way (touch()): this follows it
                }
                in_flight_.push_back(m.id);
                busy_keys_.insert(m.key);
                ++requests_;
                boost::asio::co_spawn(ioc_, deliver(*peer, std::move(m)), boost::asio::detached);
            }
            if (requests_ < parallel) {
                send_live(*peer, parallel - requests_, clock_.now());
            }
            if (requests_ >= parallel && !live_order_.empty()) {
                more_due = true;
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
        if (peer && requests_ < parallel) {
            // Touched keys that had to wait for messages queued before them are looked at again soon; those that
            // failed at their retry time.
            if (!live_order_.empty()) {
                wait = std::min(wait, std::chrono::milliseconds(20));
            }
            if (!live_retry_.empty()) {
                wait = std::min(
                    wait, std::chrono::ceil<std::chrono::milliseconds>(live_retry_.begin()->first - clock_.now()));
            }
            wait = std::max(wait, std::chrono::milliseconds(0));
        }
        shared->wake.expires_after(wait);
        boost::system::error_code ec;
        co_await shared->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
}

}  // namespace scn::party
