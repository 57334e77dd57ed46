#include <scn/node/envelope_scan.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace scn::node {
namespace {

// A single-pass JSON validator (RFC 8259: no comments, no trailing commas, UTF-8 checked, paired surrogate escapes)
// that records whether the document is an object and the integer value of its top-level "status_code". The node
// runs it on every answer it relays, so it keeps no document and reads plain string content eight bytes at a time.
// tests/unit/node/envelope_scan_test.cpp checks every verdict against Boost.JSON's parser on mutated documents.

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
constexpr std::size_t kMaxDepth = 1000;

constexpr std::uint64_t has_less(std::uint64_t x, std::uint8_t n) {
    return (x - kOnes * n) & ~x & kHighs;
}
constexpr std::uint64_t has_byte(std::uint64_t x, std::uint8_t n) {
    const std::uint64_t y = x ^ (kOnes * n);
    return (y - kOnes) & ~y & kHighs;
}

int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

class Scanner {
public:
    explicit Scanner(std::string_view text)
        : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()) {}

    EnvelopeScan run() {
        skip_space();
        if (p_ == end_) {
            return {};
        }
        const bool object = *p_ == '{';
        if (!value()) {
            return {};
        }
        skip_space();
        if (p_ != end_) {
            return {};
        }
        return {object, object ? status_ : std::nullopt};
    }

private:
    const unsigned char* p_;
    const unsigned char* end_;
    std::vector<char> stack_;  // '{' or '[' for every open container
    std::optional<std::int64_t> status_;

    void skip_space() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
            ++p_;
        }
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
            return false;
        }
        p_ += word.size();
        return true;
    }

    // One value at the cursor; containers are walked iteratively with an explicit stack.
    bool value() {
        bool top_status = false;  // the value being read is the top-level "status_code"
        for (;;) {
            skip_space();
            if (p_ == end_) {
                return false;
            }
            bool opened = false;
            switch (*p_) {
                case '{':
                case '[':
                    if (stack_.size() == kMaxDepth) {
                        return false;
                    }
                    stack_.push_back(static_cast<char>(*p_));
                    ++p_;
                    opened = true;
                    break;
                case '"':
                    if (!string(nullptr)) {
                        return false;
                    }
                    break;
                case 't':
                    if (!literal("true")) {
                        return false;
                    }
                    break;
                case 'f':
                    if (!literal("false")) {
                        return false;
                    }
                    break;
                case 'n':
                    if (!literal("null")) {
                        return false;
                    }
                    break;
                default:
                    if (!number(top_status)) {
                        return false;
                    }
            }
            // After a value (or an opening bracket): close containers, find the next member or element.
            bool first = opened;
            for (;;) {
                if (stack_.empty()) {
                    return true;
                }
                skip_space();
                if (p_ == end_) {
                    return false;
                }
                const char close = stack_.back() == '{' ? '}' : ']';
                if (*p_ == close) {
                    ++p_;
                    stack_.pop_back();
                    first = false;
                    continue;
                }
                if (!first) {
                    if (*p_ != ',') {
                        return false;
                    }
                    ++p_;
                    skip_space();
                }
                break;
            }
            top_status = false;
            if (stack_.back() == '{') {
                if (p_ == end_ || *p_ != '"') {
                    return false;
                }
                bool is_status = false;
                if (!string(stack_.size() == 1 ? &is_status : nullptr)) {
                    return false;
                }
                skip_space();
                if (p_ == end_ || *p_ != ':') {
                    return false;
                }
                ++p_;
                top_status = is_status;
            }
        }
    }

    // A string at the cursor (on its opening quote). With `is_status`, reports whether it spells status_code.
    bool string(bool* is_status) {
        const unsigned char* start = ++p_;
        bool escaped = false;
        for (;;) {
            while (end_ - p_ >= 8) {
                std::uint64_t chunk = 0;
                std::memcpy(&chunk, p_, 8);
                if ((has_less(chunk, 0x20) | has_byte(chunk, '"') | has_byte(chunk, '\\') | (chunk & kHighs)) != 0) {
                    break;
                }
                p_ += 8;
            }
            if (p_ == end_) {
                return false;
            }
            const unsigned char c = *p_;
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                escaped = true;
                if (!escape()) {
                    return false;
                }
            } else if (c >= 0x80) {
                if (!utf8()) {
                    return false;
                }
            } else {
                ++p_;
            }
        }
        const std::string_view raw(reinterpret_cast<const char*>(start), static_cast<std::size_t>(p_ - start));
        ++p_;  // closing quote
        if (is_status != nullptr) {
            if (!escaped) {
                *is_status = raw == "status_code";
            } else {
                // Rare: an escaped key; decode it with the library to compare what it means.
                boost::system::error_code ec;
                const auto decoded =
                    boost::json::parse(std::string_view(reinterpret_cast<const char*>(start - 1), raw.size() + 2), ec);
                *is_status = !ec && decoded.is_string() && decoded.get_string() == "status_code";
            }
        }
        return true;
    }

    bool hex4(unsigned& out) {
        if (end_ - p_ < 4) {
            return false;
        }
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const int d = hex_digit(p_[i]);
            if (d < 0) {
                return false;
            }
            out = out * 16 + static_cast<unsigned>(d);
        }
        p_ += 4;
        return true;
    }

    bool escape() {
        ++p_;  // backslash
        if (p_ == end_) {
            return false;
        }
        const unsigned char c = *p_++;
        switch (c) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return true;
            case 'u': {
                unsigned unit = 0;
                if (!hex4(unit)) {
                    return false;
                }
                if (unit >= 0xDC00 && unit <= 0xDFFF) {
                    return false;  // a trailing surrogate without its leading one
                }
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                    unsigned trail = 0;
                    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
                        return false;
                    }
                    p_ += 2;
                    return hex4(trail) && trail >= 0xDC00 && trail <= 0xDFFF;
                }
                return true;
            }
            default:
                return false;
        }
    }

    // One UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
    bool utf8() {
        const unsigned char c = *p_;
        int extra = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (end_ - p_ <= extra) {
            return false;
        }
        if (p_[1] < lo || p_[1] > hi) {
            return false;
        }
        for (int i = 2; i <= extra; ++i) {
            if (p_[i] < 0x80 || p_[i] > 0xBF) {
                return false;
            }
        }
        p_ += extra + 1;
        return true;
    }

    static bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

    bool number(bool record) {
        const unsigned char* start = p_;
        bool negative = false;
        if (*p_ == '-') {
            negative = true;
            ++p_;
        }
        if (p_ == end_ || !digit(*p_)) {
            return false;
        }
        bool integer = true;
        if (*p_ == '0') {
            ++p_;
        } else {
            while (p_ != end_ && digit(*p_)) {
                ++p_;
            }
        }
        const unsigned char* int_end = p_;
        if (p_ != end_ && *p_ == '.') {
            integer = false;
            ++p_;
            if (p_ == end_ || !digit(*p_)) {
                return false;
            }
            while (p_ != end_ && digit(*p_)) {
                ++p_;
            }
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            integer = false;
            ++p_;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) {
                ++p_;
            }
            if (p_ == end_ || !digit(*p_)) {
                return false;
            }
            while (p_ != end_ && digit(*p_)) {
                ++p_;
            }
        }
        if (record) {
            // A repeated status_code keeps the last integer given (as a SAX reader would record it).
            if (integer) {
                // Exact integers only, within int64 (as a parser that yields int64 or uint64 would give them).
                std::uint64_t magnitude = 0;
                bool fits = true;
                for (const unsigned char* d = start + (negative ? 1 : 0); d != int_end; ++d) {
                    const auto v = static_cast<std::uint64_t>(*d - '0');
                    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - v) / 10) {
                        fits = false;
                        break;
                    }
                    magnitude = magnitude * 10 + v;
                }
                constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
                if (fits && !negative && magnitude <= kMax) {
                    status_ = static_cast<std::int64_t>(magnitude);
                } else if (fits && negative && magnitude <= kMax + 1) {
                    status_ = magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                                    : -static_cast<std::int64_t>(magnitude);
                }
            }
        }
        return true;
    }
};

}  // namespace

EnvelopeScan scan_envelope(std::string_view body) {
    return Scanner(body).run();
}

}  // namespace scn::node
