// The mock CPO's queue of answered STARTs: a START_SESSION is answered at once and its charger begins at the end of
// the burst of STARTs it came in, or before the next other request (OCPI 2.2 §13.1: the answer says the charger was
// told; the result follows).
#include <scn/party/cpo.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace scn::party {

namespace {

std::string claim_key(const std::string& location_id, const std::string& evse_uid) {
    return location_id + '\n' + evse_uid;
}

}  // namespace

bool Cpo::claimed(const std::string& location_id, const std::string& evse_uid) const {
    return !claimed_.empty() && claimed_.contains(claim_key(location_id, evse_uid));
}

void Cpo::queue_start(PendingStart start) {
    claimed_.insert(claim_key(start.where.location->id, start.where.evse->uid));
    ++starts_queued_;
    starting_.push_back(std::move(start));
    arm_starter();
}

void Cpo::arm_starter() {
    if (starter_armed_ || starting_.empty()) {
        return;
    }
    starter_armed_ = true;
    starter_.expires_at(std::min(starting_.back().received + start_quiet_, starting_.front().received + start_limit_));
    starter_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired()) {
            return;
        }
        starter_armed_ = false;
        if (ec || starting_.empty()) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= starting_.back().received + start_quiet_ || now >= starting_.front().received + start_limit_) {
            run_starts(start_slice_);
        }
        arm_starter();
    });
}

void Cpo::run_starts(std::optional<std::chrono::microseconds> budget) {
    if (starting_.empty()) {
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    store::Transaction tx(store_.database());
    for (bool first = true; !starting_.empty(); first = false) {
        if (!first && budget && std::chrono::steady_clock::now() - started >= *budget) {
            break;
        }
        auto start = std::move(starting_.front());
        starting_.pop_front();
        const auto& where = start.where;
        claimed_.erase(claim_key(where.location->id, where.evse->uid));
        auto result = scpi::CommandResultType::ACCEPTED;
        std::string message;
        try {
            store::Transaction one(store_.database());  // a start that fails leaves the others' writes alone
            begin_session(where, start.auth);
            one.commit();
        } catch (const std::exception& e) {
            log_.error("Session at " + where.location->id + "/" + where.evse->uid + " not started: " + e.what());
            result = scpi::CommandResultType::FAILED;
            message = "the charger could not start the session";
        }
        result_delay_ = start.result_delay;
        send_result(start.response_url, result, message, start.auth.to_msp, start.auth.correlation);
    }
    tx.commit();
}

void Cpo::settle_starts() {
    run_starts(std::nullopt);
}

bool Cpo::owes_before(const http::Request& request) const {
    return starts_pending() && request.param("command") != "START_SESSION";
}

boost::asio::awaitable<void> Cpo::catch_up() {
    // The START numbered `last` has begun once no more than the STARTs queued after it are left.
    const auto last = starts_queued_;
    const auto owed = [&] { return starting_.size() > starts_queued_ - last; };
    while (owed()) {
        run_starts(catch_up_slice_);
        if (owed()) {
            co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
        }
    }
}

}  // namespace scn::party
