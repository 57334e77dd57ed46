#include <scn/console/console.hpp>
#include <scn/core/datetime.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

namespace scn::console {
namespace json = boost::json;
using Awaitable = boost::asio::awaitable<http::Response>;

struct Console::Impl {
    Impl(ConsoleOptions o, const core::Clock& c) : options(std::move(o)), clock(c), ring(options.buffer) {}

    ConsoleOptions options;
    const core::Clock& clock;
    Ring<ExchangePtr> ring;
    Parties parties;
    std::uint64_t parties_version = 0;
    std::vector<http::StreamWriter*> streams;  ///< woken by record() and parties_changed()
    std::vector<ExchangePtr> spare;            ///< let go of by the ring, handed out by take()

    void wake_streams() {
        for (auto* s : streams) {
            s->wake();
        }
    }

    boost::asio::awaitable<json::value> parties_json() {
        if (!parties) {
            co_return json::object{{"parties", json::array()}};
        }
        co_return co_await parties();
    }
};

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return n;
}

std::string event(std::string_view name, std::string_view data, std::optional<std::uint64_t> id = std::nullopt) {
    std::string out;
    out.reserve(data.size() + 48);
    if (id) {
        out.append("id: ").append(std::to_string(*id)).push_back('\n');
    }
    out.append("event: ").append(name).push_back('\n');
    out.append("data: ").append(data).append("\n\n");  // serialised JSON has no newline
    return out;
}

http::Response asset_response(std::string_view name) {
    const auto a = asset(name);
    if (a.bytes.empty()) {
        return http::Response::text(404, "Not Found");
    }
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", a.content_type);
    r.headers.set("Cache-Control", "no-cache");
    r.body.assign(a.bytes);
    return r;
}

}  // namespace

Console::Console(ConsoleOptions options, const core::Clock& clock)
    : impl_(std::make_shared<Impl>(std::move(options), clock)) {}

Console::~Console() = default;

Console::ExchangePtr Console::take() {
    auto& spare = impl_->spare;
    if (spare.empty()) {
        return std::make_unique<Exchange>();
    }
    auto x = std::move(spare.back());
    spare.pop_back();
    return x;
}

void Console::record(ExchangePtr x) {
    static constexpr std::size_t kMaxSpare = 16;  // exchanges recorded at once, at most, in the usual case
    auto& ring = impl_->ring;
    x->seq = ring.last_seq() + 1;
    ExchangePtr replaced;
    ring.push(std::move(x), &replaced);
    if (replaced && impl_->spare.size() < kMaxSpare) {
        replaced->response_body.owner.reset();  // the bytes it kept alive are not needed any more
        impl_->spare.push_back(std::move(replaced));
    }
    if (!impl_->streams.empty()) {
        impl_->wake_streams();
    }
}

std::size_t Console::body_cap() const {
    return impl_->options.body_cap;
}

const core::Clock& Console::clock() const {
    return impl_->clock;
}

const Ring<Console::ExchangePtr>& Console::exchanges() const {
    return impl_->ring;
}

std::size_t Console::streams() const {
    return impl_->streams.size();
}

void Console::set_parties(Parties parties) {
    impl_->parties = std::move(parties);
}

void Console::parties_changed() {
    ++impl_->parties_version;
    impl_->wake_streams();
}

boost::asio::awaitable<json::value> Console::snapshot(std::uint64_t after) {
    auto impl = impl_;
    json::object o;
    o["title"] = impl->options.title;
    o["kind"] = impl->options.kind;
    o["buffer"] = impl->ring.capacity();
    o["body_cap"] = impl->options.body_cap;
    o["now"] = core::format_datetime(impl->clock.now());
    o["parties"] = co_await impl->parties_json();
    json::array messages;
    impl->ring.for_each_after(after, [&](std::uint64_t, const ExchangePtr& x) { messages.push_back(to_json(*x)); });
    o["messages"] = std::move(messages);
    o["first_seq"] = impl->ring.first_seq();
    o["last_seq"] = impl->ring.last_seq();  // after the await: what the messages above go up to
    co_return o;
}

void Console::add_routes(http::Router& router) {
    const auto page = [](http::Request&) -> Awaitable { co_return asset_response("index.html"); };
    router.add(http::Method::get, "/console", page);
    router.add(http::Method::get, "/console/console.js",
               [](http::Request&) -> Awaitable { co_return asset_response("console.js"); });
    router.add(http::Method::get, "/console/console.css",
               [](http::Request&) -> Awaitable { co_return asset_response("console.css"); });
    router.add(http::Method::get, "/console/api/snapshot", [this](http::Request& req) -> Awaitable {
        const auto after = number(req.query_param("after").value_or("0")).value_or(0);
        auto body = co_await snapshot(after);
        auto res = http::Response::json(200, json::serialize(body));
        res.headers.set("Cache-Control", "no-store");
        co_return res;
    });
    router.add(http::Method::get, "/console/api/events", [this](http::Request& req) -> Awaitable {
        // Resumes after the last event the page saw (the browser's Last-Event-ID on a reconnect, or ?after=N);
        // without either, only what is recorded from now on.
        std::optional<std::uint64_t> after;
        if (const auto last = req.header("Last-Event-ID")) {
            after = number(*last);
        }
        if (!after) {
            if (const auto q = req.query_param("after")) {
                after = number(*q);
            }
        }
        const std::uint64_t start = after.value_or(impl_->ring.last_seq());
        http::Response res;
        res.status = 200;
        res.headers.set("Content-Type", "text/event-stream");
        res.headers.set("Cache-Control", "no-store");
        res.headers.set("X-Accel-Buffering", "no");
        res.stream = std::make_shared<http::StreamBody>(
            [owner = impl_, start](http::StreamWriter& out) -> boost::asio::awaitable<void> {
                const auto impl = owner;  // in the coroutine's frame: the state lives as long as the stream
                impl->streams.push_back(&out);
                struct Leave {  // unregisters however the stream ends
                    Impl& impl;
                    http::StreamWriter* out;
                    ~Leave() { std::erase(impl.streams, out); }
                } leave{*impl, &out};
                std::uint64_t sent = start;
                std::uint64_t parties_seen = impl->parties_version;
                bool ok = co_await out.write("retry: 2000\n\n");
                while (ok) {
                    std::string batch;
                    if (impl->ring.first_seq() > sent + 1 && sent != 0) {
                        // The page fell behind by more than the ring keeps: it says so and reloads the snapshot.
                        batch += event("gap", json::serialize(json::object{{"first_seq", impl->ring.first_seq()}}));
                    }
                    impl->ring.for_each_after(sent, [&](std::uint64_t seq, const ExchangePtr& x) {
                        batch += event("message", json::serialize(to_json(*x)), seq);
                        sent = seq;
                    });
                    if (parties_seen != impl->parties_version) {
                        parties_seen = impl->parties_version;
                        const auto parties = co_await impl->parties_json();
                        batch += event("parties", json::serialize(parties));
                    }
                    if (!batch.empty()) {
                        ok = co_await out.write(batch);
                        continue;
                    }
                    const auto woken = co_await out.wait(impl->options.heartbeat);
                    if (!woken) {
                        break;  // the server stops
                    }
                    if (impl->ring.last_seq() == sent && parties_seen == impl->parties_version) {
                        ok = co_await out.write(": keep-alive\n\n");
                    }
                }
            });
        co_return res;
    });
}

}  // namespace scn::console
