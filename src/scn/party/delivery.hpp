#pragma once

#include <scn/config/config.hpp>
#include <scn/core/clock.hpp>
#include <scn/core/log.hpp>
#include <scn/eth/crypto.hpp>
#include <scn/http/client.hpp>
#include <scn/party/party_store.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/scpi/versions.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace scn::party {

/// Where a party's outgoing messages go: the node it is connected to, a peer for bilateral testing, or nowhere.
struct Peer {
    std::string token;  ///< sent as `Authorization: Token …`
    std::string versions_url;
};

/// Whether a refusal is final: HTTP 4xx other than 408 and 429, or status 2xxx with an HTTP status that is not
/// 5xx, 408 or 429. Anything else (5xx, 408, 429, status 3xxx/4xxx, a body that is no envelope) may pass later.
[[nodiscard]] bool refused_for_good(const service::Reply& reply);

/// What a Delivery did since it started.
struct DeliveryStats {
    std::uint64_t queued = 0;     ///< messages queued
    std::uint64_t replaced = 0;   ///< of them, states that replaced an undelivered earlier state (send_state())
    std::uint64_t delivered = 0;  ///< accepted by the recipient
    std::uint64_t failed = 0;     ///< attempts that failed (retried later or given up on)
};

/// The newest state of an object, rendered by its owner when a request is free to carry it (Delivery::touch()).
struct LiveMessage {
    std::string method;
    std::string target;  ///< as for Delivery::send()
    std::string body;
    std::optional<scpi::RoutingHeaders> routing;
    std::string correlation_id;
};

/// Delivers the party's outbox: each message is sent until its recipient accepts it (HTTP 2xx and status 1000),
/// retrying with backoff; messages with the same key go in order, up to `policy.parallel` keys at once. Outcomes are
/// written in batches, one transaction each (at most a few milliseconds after the answer; until then the message's
/// key waits). Survives restarts (the outbox is in the store).
/// A message refused for good (refused_for_good()), or failed `policy.max_attempts` times, or failed when older than
/// `policy.max_age`, goes to the outbox's dead-letter list, and the next message of its key follows.
///
/// A message's `target` is either an absolute URL (command results to a response_url) or `<module>/<suffix>`,
/// resolved against the recipient's RECEIVER endpoint for that module (read from its version details, cached), or
/// `sender:<module>/<suffix>`, resolved against its SENDER endpoint.
class Delivery {
public:
    /// `peer` returns where to send now (it may change when the party registers); nullopt keeps messages queued.
    Delivery(boost::asio::io_context& ioc, PartyStore& store, http::Client& client, core::Logger log,
             const core::Clock& clock, std::function<std::optional<Peer>()> peer, config::PushPolicy policy = {});
    ~Delivery();
    Delivery(const Delivery&) = delete;
    Delivery& operator=(const Delivery&) = delete;

    /// Queues a message and wakes the sender. `routing` is sent as the SCPI routing headers (from/to).
    void send(const std::string& key, const std::string& method, const std::string& target, const std::string& body,
              const std::optional<scpi::RoutingHeaders>& routing, const std::string& correlation_id = {});
    /// Queues the newest whole state of an object (a PUT of a session): an undelivered earlier state of it, queued
    /// last under `key`, is replaced (Outbox::put_latest), so a recipient that is slow or away gets the latest state
    /// once instead of every state in turn. Messages queued with send() are never replaced.
    void send_state(const std::string& key, const std::string& method, const std::string& target,
                    const std::string& body, const std::optional<scpi::RoutingHeaders>& routing,
                    const std::string& correlation_id = {});
    /// Renders the newest state of a touched key; nullopt when the object is gone (nothing is sent, the key is
    /// forgotten).
    using LiveRenderer = std::function<std::optional<LiveMessage>(const std::string& key)>;
    void set_live_renderer(LiveRenderer renderer) { render_ = std::move(renderer); }
    /// Says that the object of `key` changed. Nothing is rendered or written now: when a request is free, the live
    /// renderer is asked for the object's newest state and that goes out, so a recipient gets the state current at
    /// the time it is sent, and many changes between two sends cost one request. A touched key goes after the
    /// messages queued for it with send() or send_state() and before those queued while its state is on its way.
    /// Kept in memory only (the owner sends the state again after a restart); a failed attempt is retried with the
    /// outbox's backoff, with the state of that moment, and never given up on.
    void touch(const std::string& key);
    /// Drops a touched key that has not gone out yet (its object ended; a request on its way is not called back).
    void forget(const std::string& key);
    /// Touched keys waiting to go out, and when the longest-waiting of them was touched first.
    [[nodiscard]] std::size_t live_waiting() const { return live_order_.size() + live_retry_.size(); }
    [[nodiscard]] std::optional<core::TimePoint> live_oldest() const;
    [[nodiscard]] const DeliveryStats& stats() const { return stats_; }
    /// Requests on their way now.
    [[nodiscard]] std::size_t in_flight() const { return requests_; }
    void start();
    void stop();
    /// Forgets cached endpoints (after the peer changed).
    void reset_endpoints();
    /// Looks for due messages now (e.g. after a test moved its clock, or a dead letter was queued again).
    void wake();
    void set_policy(const config::PushPolicy& policy) { policy_ = policy; }
    /// Where the key to sign messages with comes from (nullopt: unsigned). A signed message counts as delivered only
    /// when the answer carries a valid `scn_signature`.
    void set_signer(std::function<std::optional<eth::PrivateKey>()> signer) { signer_ = std::move(signer); }
    /// The recipient's dialect: header names, token encoding and the version looked for (default SCPI 2.2).
    void set_dialect(const scpi::Dialect& dialect) { dialect_ = &dialect; }
    [[nodiscard]] const config::PushPolicy& policy() const { return policy_; }

    /// Where the party's own requests go now (the node, a bilateral peer), or nullopt.
    [[nodiscard]] std::optional<Peer> peer() const { return peer_(); }
    /// The URL of the `role` interface of `module` in `peer`'s version details (read as for pushes, and cached);
    /// nullopt when the peer offers none or the delivery stopped. Throws when the versions cannot be read.
    boost::asio::awaitable<std::optional<std::string>> endpoint(const Peer& peer, const std::string& module,
                                                                scpi::InterfaceRole role);

private:
    /// How a request ended, written with the others of its batch.
    struct Outcome {
        store::OutboxMessage message;
        bool ok = false;
        bool for_good = false;
        std::string error;
    };
    static std::string meta_of(const std::optional<scpi::RoutingHeaders>& routing, const std::string& correlation_id);
    /// After a message was queued: the outbox limit, and a wake-up for the sender.
    void queued(std::int64_t id, const std::string& method, const std::string& target);
    boost::asio::awaitable<void> run();
    /// Sends one message and records its outcome.
    boost::asio::awaitable<void> deliver(Peer peer, store::OutboxMessage m);
    /// Sends the newest state of a touched key (rendered by the caller) and records how it went.
    boost::asio::awaitable<void> deliver_live(Peer peer, std::string key, LiveMessage m);
    /// Offers touched keys to free requests: at most `room`, none whose key has messages queued or on their way.
    void send_live(const Peer& peer, std::size_t room, core::TimePoint now);
    /// One request: its outcome (ok, or the error and whether the refusal is final).
    boost::asio::awaitable<Outcome> attempt(const Peer& peer, const std::string& method, const std::string& target,
                                            const std::string& body, const std::optional<scpi::RoutingHeaders>& routing,
                                            const std::string& correlation_id);
    /// Writes the outcomes gathered since the last call, in one transaction.
    void settle();
    boost::asio::awaitable<std::optional<std::string>> resolve(const Peer& peer, const std::string& target);
    /// Reads the peer's version details into `endpoints_` unless they are cached; false when stopped meanwhile.
    boost::asio::awaitable<bool> load_endpoints(const Peer& peer);
    /// After a failed attempt: schedules the next one, or gives the message up.
    void failed(const store::OutboxMessage& m, const std::string& error, bool for_good);

    boost::asio::io_context& ioc_;
    PartyStore& store_;
    http::Client& client_;
    core::Logger log_;
    const core::Clock& clock_;
    std::function<std::optional<Peer>()> peer_;
    config::PushPolicy policy_;
    std::function<std::optional<eth::PrivateKey>()> signer_;
    const scpi::Dialect* dialect_ = &scpi::scpi_dialect();
    std::optional<std::size_t> queued_;                      ///< messages waiting, as last counted (see send())
    std::vector<std::int64_t> in_flight_;                    ///< ids of the messages sent and not settled yet
    std::size_t requests_ = 0;                               ///< requests on their way now
    std::vector<Outcome> outcomes_;                          ///< finished requests not written yet
    std::chrono::steady_clock::time_point first_outcome_{};  ///< when the oldest of them finished
    DeliveryStats stats_;
    /// What the sending coroutine may still touch after the Delivery is gone: it checks `stopped` after every wait.
    struct Shared {
        explicit Shared(boost::asio::io_context& ioc) : wake(ioc, boost::asio::steady_timer::time_point::max()) {}
        boost::asio::steady_timer wake;
        bool stopped = false;
    };
    std::shared_ptr<Shared> shared_;
    /// A touched key: waiting in `live_order_` (dirty), on its way, or both (touched again meanwhile).
    struct Live {
        bool dirty = false;
        bool in_flight = false;
        bool forgotten = false;     ///< forget() while on its way: dropped when the request ends, however it ends
        int attempts = 0;           ///< failed in a row
        core::TimePoint touched{};  ///< first touch since it last went out (clock time)
    };
    LiveRenderer render_;
    std::unordered_map<std::string, Live> live_;
    std::deque<std::string> live_order_;                      ///< dirty keys to go now, longest waiting first
    std::multimap<core::TimePoint, std::string> live_retry_;  ///< failed, by retry time (clock time)
    std::unordered_set<std::string> busy_keys_;               ///< keys with a request on its way (queued or touched)
    std::optional<std::string> endpoints_for_;                // versions URL the cache belongs to
    std::vector<scpi::Endpoint> endpoints_;                   // the peer's version details
};

}  // namespace scn::party
