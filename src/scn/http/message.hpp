#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scn::http {

enum class Method { get, post, put, patch, del, head, options, other };

[[nodiscard]] std::string_view to_string(Method m);
[[nodiscard]] Method method_from_string(std::string_view text);

/// Header fields in arrival order; names compare case-insensitively. Names and values are kept back to back in one
/// buffer (a request's dozen fields cost two allocations, not two each); iteration yields string views into it.
class Headers {
public:
    using Field = std::pair<std::string_view, std::string_view>;

    class const_iterator {
    public:
        using value_type = Field;
        using difference_type = std::ptrdiff_t;
        const_iterator() = default;
        Field operator*() const { return owner_->field(index_); }
        const_iterator& operator++() {
            ++index_;
            return *this;
        }
        const_iterator operator++(int) {
            auto old = *this;
            ++index_;
            return old;
        }
        bool operator==(const const_iterator& other) const { return index_ == other.index_; }

    private:
        friend class Headers;
        const_iterator(const Headers* owner, std::size_t index) : owner_(owner), index_(index) {}
        const Headers* owner_ = nullptr;
        std::size_t index_ = 0;
    };

    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    /// Replaces every field of that name with one.
    void set(std::string_view name, std::string_view value);
    void add(std::string_view name, std::string_view value);
    void remove(std::string_view name);
    [[nodiscard]] bool contains(std::string_view name) const { return get(name).has_value(); }

    [[nodiscard]] const_iterator begin() const { return {this, 0}; }
    [[nodiscard]] const_iterator end() const { return {this, entries_.size()}; }
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] bool empty() const { return entries_.empty(); }
    void reserve(std::size_t n) { entries_.reserve(n); }
    /// Removes every field and keeps the room they took.
    void clear() {
        text_.clear();
        entries_.clear();
    }

private:
    struct Entry {  // the name at `at`, its value right after it
        std::uint32_t at;
        std::uint32_t name_size;
        std::uint32_t value_size;
    };
    [[nodiscard]] std::string_view name_of(const Entry& e) const { return {text_.data() + e.at, e.name_size}; }
    [[nodiscard]] std::string_view value_of(const Entry& e) const {
        return {text_.data() + e.at + e.name_size, e.value_size};
    }
    [[nodiscard]] Field field(std::size_t i) const { return {name_of(entries_[i]), value_of(entries_[i])}; }
    std::string text_;
    std::vector<Entry> entries_;
};

[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// Percent-decodes a URL component ('+' stays '+'); nullopt for a malformed escape.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text);
/// Percent-encodes everything but unreserved characters (RFC 3986).
[[nodiscard]] std::string percent_encode(std::string_view text);
/// `url` with `key=value` query parameters appended (`?` or `&` as needed), each percent-encoded.
[[nodiscard]] std::string with_query(std::string url, const std::vector<std::pair<std::string, std::string>>& query);

/// A request as handlers see it.
struct Request {
    Method method = Method::get;
    std::string method_name;  ///< as received, e.g. "GET"
    std::string target;       ///< raw origin-form target: path and query
    std::string path;         ///< percent-decoded path
    std::string query;        ///< raw query, without '?'
    Headers headers;
    std::string body;
    std::vector<std::pair<std::string, std::string>> path_params;  ///< filled by the router
    std::string remote_address;

    /// A path parameter captured by the router (`{name}` in the pattern); empty if absent.
    [[nodiscard]] std::string_view param(std::string_view name) const;
    /// The first query parameter of that name, percent-decoded.
    [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
    /// Every query parameter in order, percent-decoded.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> query_params() const;
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

/// Part of a response body sent from a file by the kernel (sendfile), without passing through the process.
struct FileSlice {
    std::shared_ptr<const void> owner;  ///< keeps the descriptor open until the response is written
    int fd = -1;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// Part of a response body written from where it is kept (an object held by a data store), without a copy; `owner`
/// keeps the bytes alive until the response is written.
struct SharedBytes {
    std::shared_ptr<const void> owner;
    std::string_view bytes;
};

/// Where a streamed response body goes (Server-Sent Events): the server has sent the head, without Content-Length
/// and with `Connection: close`; the body ends when the stream function returns. Used from the io_context's thread.
class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    /// Sends `bytes` within the server's write timeout; false once the peer is gone or the server stops.
    virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
    /// Waits until wake() is called or `timeout` passes; false once the peer is gone or the server stops.
    virtual boost::asio::awaitable<bool> wait(std::chrono::milliseconds timeout) = 0;
    /// Ends the current or the next wait() early.
    virtual void wake() = 0;
};
using StreamBody = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

struct Response {
    unsigned status = 200;
    Headers headers;
    std::string body;
    /// When set, the body on the wire is `body`, then these file bytes, then `tail`.
    std::optional<FileSlice> file;
    /// When set (and `file` is not), the body on the wire is `body`, then these bytes, then `tail`.
    std::optional<SharedBytes> shared;
    std::string tail;
    /// Close the connection after sending this response, while its head still offers keep-alive: what a peer does
    /// when its idle timer fires just as the answer leaves (fault injection, tests of clients).
    bool drop_connection = false;
    /// Close the connection without sending anything: what a peer that fails mid-request does (fault injection).
    bool close_unanswered = false;
    /// When set, the body is written over time by this function (the other body members are not sent) and the
    /// connection closes after it.
    std::shared_ptr<const StreamBody> stream;

    /// Reads the file or shared part into `body` (with the tail), for code that must see the whole body; throws
    /// std::runtime_error if the file cannot be read.
    void inline_file();
    /// Bytes of the body on the wire.
    [[nodiscard]] std::size_t body_size() const {
        if (file) {
            return body.size() + static_cast<std::size_t>(file->length) + tail.size();
        }
        return body.size() + (shared ? shared->bytes.size() + tail.size() : 0);
    }

    /// A response with a JSON body.
    static Response json(unsigned status, std::string body);
    /// A response with a plain-text body.
    static Response text(unsigned status, std::string body);
};

}  // namespace scn::http
