#include <scn/console/exchange.hpp>
#include <scn/core/datetime.hpp>
#include <scn/core/text.hpp>
#include <scn/http/message.hpp>
#include <scn/party/interceptor.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace scn::party {
namespace json = boost::json;

namespace {

/// The query with `limit` at most `max` (added when absent).
std::string with_limit(std::string_view query, std::size_t max) {
    std::string out;
    bool found = false;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        const auto amp = query.find('&', pos);
        const auto piece = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        if (!piece.empty()) {
            std::string part(piece);
            if (piece.starts_with("limit=")) {
                found = true;
                std::size_t asked = max;
                try {
                    asked = std::stoull(std::string(piece.substr(6)));
                } catch (const std::exception&) {
                    asked = max;  // the party itself refuses what is not a number; here only a smaller page matters
                }
                part = "limit=" + std::to_string(std::min(asked, max));
            }
            out += (out.empty() ? "" : "&") + part;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
    }
    if (!found) {
        out += (out.empty() ? "" : "&") + std::string("limit=") + std::to_string(max);
    }
    return out;
}

}  // namespace

std::vector<FaultRule> parse_faults(const json::value& v) {
    const auto* list = v.if_array();
    if (list == nullptr) {
        throw std::invalid_argument(
            "expected an array of faults, e.g. [{\"module\": \"locations\", \"http_status\": 503}]");
    }
    std::vector<FaultRule> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = "[" + std::to_string(i) + "]";
        const auto* o = (*list)[i].if_object();
        if (o == nullptr) {
            throw std::invalid_argument(where + ": expected an object");
        }
        FaultRule r;
        for (const auto& [key, value] : *o) {
            const std::string name = where + "." + std::string(key);
            const auto integer = [&](std::int64_t min, std::int64_t max) {
                const auto* n = value.if_int64();
                const auto* u = value.if_uint64();
                const std::int64_t x = n != nullptr ? *n : (u != nullptr ? static_cast<std::int64_t>(*u) : min - 1);
                if ((n == nullptr && u == nullptr) || x < min || x > max) {
                    throw std::invalid_argument(name + ": expected an integer from " + std::to_string(min) + " to " +
                                                std::to_string(max));
                }
                return x;
            };
            const auto boolean = [&] {
                if (!value.is_bool()) {
                    throw std::invalid_argument(name + ": expected true or false");
                }
                return value.get_bool();
            };
            if (key == "module" || key == "method") {
                if (!value.is_string()) {
                    throw std::invalid_argument(name + ": expected a string");
                }
                (key == "module" ? r.module : r.method) =
                    key == "module" ? core::ascii_lower(value.get_string()) : core::ascii_upper(value.get_string());
            } else if (key == "http_status") {
                r.http_status = static_cast<unsigned>(integer(100, 599));
            } else if (key == "scpi_status") {
                r.scpi_status = static_cast<int>(integer(1000, 4999));
            } else if (key == "delay_ms") {
                r.delay = std::chrono::milliseconds(integer(0, 600'000));
            } else if (key == "close_connection") {
                r.close_connection = boolean();
            } else if (key == "malformed_body") {
                r.malformed_body = boolean();
            } else if (key == "page_limit") {
                r.page_limit = static_cast<std::size_t>(integer(1, 1000));
            } else if (key == "count") {
                r.count = integer(1, 1'000'000'000);
            } else {
                throw std::invalid_argument(name +
                                            ": unknown member (known: module, method, http_status, scpi_status, "
                                            "delay_ms, close_connection, malformed_body, page_limit, count)");
            }
        }
        static constexpr std::array kMethods{"", "GET", "POST", "PUT", "PATCH", "DELETE"};
        if (std::find(kMethods.begin(), kMethods.end(), r.method) == kMethods.end()) {
            throw std::invalid_argument(where + ".method: expected GET, POST, PUT, PATCH or DELETE");
        }
        if (!r.http_status && !r.scpi_status && r.delay.count() == 0 && !r.close_connection && !r.malformed_body &&
            !r.page_limit) {
            throw std::invalid_argument(where +
                                        ": a fault needs at least one of http_status, scpi_status, delay_ms, "
                                        "close_connection, malformed_body, page_limit");
        }
        out.push_back(std::move(r));
    }
    return out;
}

json::value to_json(const FaultRule& r) {
    json::object o;
    o["module"] = r.module.empty() ? "*" : r.module;
    if (!r.method.empty()) {
        o["method"] = r.method;
    }
    if (r.http_status) {
        o["http_status"] = *r.http_status;
    }
    if (r.scpi_status) {
        o["scpi_status"] = *r.scpi_status;
    }
    if (r.delay.count() > 0) {
        o["delay_ms"] = r.delay.count();
    }
    if (r.close_connection) {
        o["close_connection"] = true;
    }
    if (r.malformed_body) {
        o["malformed_body"] = true;
    }
    if (r.page_limit) {
        o["page_limit"] = *r.page_limit;
    }
    if (r.count) {
        o["count"] = *r.count;
    }
    o["hits"] = r.hits;
    return o;
}

json::value to_json(const ReceivedRequest& r) {
    json::object o;
    o["seq"] = r.seq;
    o["at"] = core::format_datetime(r.at);
    o["module"] = Interceptor::module_of(r.path);
    o["method"] = r.method;
    o["path"] = r.path;
    o["query"] = r.query;
    json::object headers;
    std::size_t pos = 0;
    while (pos < r.headers.size()) {
        const auto end = r.headers.find('\n', pos);
        const std::string_view line(r.headers.data() + pos, (end == std::string::npos ? r.headers.size() : end) - pos);
        const auto colon = line.find(": ");
        if (colon != std::string_view::npos) {
            headers[line.substr(0, colon)] = line.substr(colon + 2);
        }
        pos = end == std::string::npos ? r.headers.size() : end + 1;
    }
    o["headers"] = std::move(headers);
    boost::system::error_code ec;
    auto body = r.body.empty() || r.body_cut ? json::value() : json::parse(r.body, ec);
    // JSON as JSON, anything else (or the start of a long body) as the text received
    o["body"] = ec || r.body_cut ? json::value(r.body) : std::move(body);
    if (r.body_cut) {
        o["body_cut"] = true;
    }
    o["status"] = r.status;
    return o;
}

std::string Interceptor::module_of(std::string_view path) {
    return console::module_of(path);  // the console names the modules of the same paths
}

std::optional<FaultRule> Interceptor::take_fault(const std::string& module, std::string_view method) {
    const std::lock_guard lock(mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        const bool module_matches = it->module.empty() || it->module == "*" || it->module == module;
        const bool method_matches = it->method.empty() || it->method == method;
        if (!module_matches || !method_matches) {
            continue;
        }
        ++it->hits;
        FaultRule hit = *it;
        if (it->count && --*it->count == 0) {
            faults_.erase(it);
            has_faults_ = !faults_.empty();
        }
        return hit;
    }
    return std::nullopt;
}

std::uint64_t Interceptor::record(const http::Request& request, console::Exchange* exchange) {
    ReceivedRequest r;
    r.at = clock_.now();
    r.method = request.method_name;
    r.path = dialect_->path(request.path);  // as it was sent: an OCPI party's requests arrive translated
    r.query = request.query;
    std::size_t size = 0;
    for (const auto& [name, value] : request.headers) {
        size += name.size() + value.size() + 3;
    }
    r.headers.reserve(size);
    for (const auto& [name, value] : request.headers) {
        r.headers.append(dialect_->header(name)).append(": ").append(value).push_back('\n');
    }
    r.body_cut = request.body.size() > kMaxRecordedBody;
    r.body = request.body.substr(0, kMaxRecordedBody);
    if (exchange != nullptr) {  // the console keeps the same record, its body cut to the console's size
        exchange->direction = console::Direction::in;
        exchange->at = r.at;
        exchange->method = r.method;
        exchange->path = r.path;
        exchange->query = r.query;
        exchange->request_headers = request.headers;  // a copy into the room it had
        console::copy_body(exchange->request_body, request.body, console_->body_cap());
    }
    const auto bytes = [](const ReceivedRequest& x) {
        return x.path.size() + x.query.size() + x.headers.size() + x.body.size();
    };
    const std::lock_guard lock(mutex_);
    r.seq = next_seq_++;
    received_bytes_ += bytes(r);
    received_.push_back(std::move(r));
    while (received_.size() > kMaxReceived || (received_.size() > 1 && received_bytes_ > kMaxReceivedBytes)) {
        received_bytes_ -= bytes(received_.front());
        received_.pop_front();
    }
    return received_.back().seq;
}

unsigned Interceptor::status_of(std::uint64_t seq) const {
    const std::lock_guard lock(mutex_);
    for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
        if (it->seq == seq) {
            return it->status;
        }
    }
    return 0;
}

void Interceptor::record_status(std::uint64_t seq, unsigned status) {
    const std::lock_guard lock(mutex_);
    for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
        if (it->seq == seq) {
            it->status = status;
            return;
        }
    }
}

boost::asio::awaitable<http::Response> Interceptor::handle(http::Request& request, const http::Handler& handler) {
    if (console_ == nullptr) {
        co_return co_await answer(request, handler, record(request, nullptr));
    }
    auto kept = console_->take();
    auto& x = *kept;
    const auto seq = record(request, &x);
    const auto started = std::chrono::steady_clock::now();
    http::Response res;
    try {
        res = co_await answer(request, handler, seq);
    } catch (...) {
        // Answered by the server's error boundary: the console shows the status it was recorded with.
        x.latency = std::chrono::steady_clock::now() - started;
        x.status = status_of(seq);
        x.response_headers.clear();
        console::copy_body(x.response_body, {}, 0);
        console_->record(std::move(kept));
        throw;
    }
    x.latency = std::chrono::steady_clock::now() - started;
    x.status = res.close_unanswered ? 0 : res.status;
    x.response_headers = res.headers;
    console::keep_response(x.response_body, res, console_->body_cap());
    console_->record(std::move(kept));
    co_return res;
}

boost::asio::awaitable<http::Response> Interceptor::answer(http::Request& request, const http::Handler& handler,
                                                           std::uint64_t seq) {
    std::optional<FaultRule> fault;
    if (has_faults_.load(std::memory_order_relaxed)) {
        fault = take_fault(module_of(request.path), request.method_name);
    }
    if (fault && fault->delay.count() > 0) {
        boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor);
        wait.expires_after(fault->delay);
        co_await wait.async_wait(boost::asio::use_awaitable);
    }
    http::Response res;
    if (fault && fault->close_connection) {
        res.close_unanswered = true;
    } else if (fault && (fault->http_status || fault->scpi_status)) {
        const unsigned http_status = fault->http_status.value_or(200);
        const int scpi_status = fault->scpi_status.value_or(http_status >= 500 ? 3000 : 2000);
        res = http::Response::json(
            http_status, scpi::envelope(scpi_status, "fault injected by the control API", nullptr, clock_.now()));
    } else {
        if (fault && fault->page_limit) {
            request.query = with_limit(request.query, *fault->page_limit);
        }
        try {
            res = co_await handler(request);
        } catch (const scpi::Error& e) {  // answered by the server's error boundary
            record_status(seq, e.http_status());
            throw;
        } catch (const scpi::ParseError&) {
            record_status(seq, 400);
            throw;
        } catch (...) {
            record_status(seq, 500);
            throw;
        }
        if (fault && fault->page_limit && res.headers.get("X-Limit")) {
            res.headers.set("X-Limit", std::to_string(*fault->page_limit));
        }
        if (fault && fault->malformed_body) {
            res.inline_file();
            res.body = res.body.substr(0, res.body.size() / 2);  // cut in the middle: not JSON any more
            if (res.body.empty()) {
                res.body = "{\"status_code\":";
            }
        }
    }
    record_status(seq, res.close_unanswered ? 0 : res.status);
    co_return res;
}

void Interceptor::set_faults(std::vector<FaultRule> faults) {
    const std::lock_guard lock(mutex_);
    faults_ = std::move(faults);
    has_faults_ = !faults_.empty();
}

void Interceptor::clear_faults() {
    const std::lock_guard lock(mutex_);
    faults_.clear();
    has_faults_ = false;
}

std::vector<FaultRule> Interceptor::faults() const {
    const std::lock_guard lock(mutex_);
    return faults_;
}

std::vector<ReceivedRequest> Interceptor::received(std::string_view module, std::uint64_t after_seq,
                                                   std::optional<core::TimePoint> since_time) const {
    const std::lock_guard lock(mutex_);
    std::vector<ReceivedRequest> out;
    for (const auto& r : received_) {
        if (r.seq > after_seq && (!since_time || r.at >= *since_time) &&
            (module.empty() || module_of(r.path) == module)) {
            out.push_back(r);
        }
    }
    return out;
}

void Interceptor::clear_received() {
    const std::lock_guard lock(mutex_);
    received_.clear();
    received_bytes_ = 0;
}

}  // namespace scn::party
