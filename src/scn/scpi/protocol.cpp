#include <scn/core/base64.hpp>
#include <scn/core/datetime.hpp>
#include <scn/scpi/json.hpp>
#include <scn/scpi/protocol.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace scn::scpi {
namespace json = boost::json;

namespace {

void append_quoted(std::string& out, std::string_view s) {
    dump_to(out, json::value(json::string(s)));
}

}  // namespace

std::string envelope(int status_code, std::optional<std::string_view> status_message, const json::value* data,
                     core::TimePoint timestamp) {
    std::string out;
    out.reserve(128);
    out += "{\"status_code\":";
    out += std::to_string(status_code);
    if (status_message) {
        out += ",\"status_message\":";
        append_quoted(out, *status_message);
    }
    if (data != nullptr) {
        out += ",\"data\":";
        dump_to(out, *data);
    }
    out += ",\"timestamp\":\"";
    out += core::format_datetime(timestamp);
    out += "\"}";
    return out;
}

std::string envelope_raw(std::string_view data_json, core::TimePoint timestamp) {
    std::string out;
    out.reserve(data_json.size() + 72);
    out += "{\"status_code\":1000,\"data\":";
    out += data_json;
    out += ",\"timestamp\":\"";
    out += core::format_datetime(timestamp);
    out += "\"}";
    return out;
}

RoutingHeaders RoutingHeaders::from(const std::function<std::optional<std::string_view>(std::string_view)>& lookup) {
    auto get = [&](std::string_view name, std::size_t length) {
        const auto v = lookup(name);
        if (!v || v->empty()) {
            throw Error::invalid("missing header " + std::string(name));
        }
        if (v->size() != length) {
            throw Error::invalid("header " + std::string(name) + " must be " + std::to_string(length) +
                                 " characters, got \"" + std::string(*v) + "\"");
        }
        return std::string(*v);
    };
    RoutingHeaders h;
    h.from_country_code = get(header::kFromCountryCode, 2);
    h.from_party_id = get(header::kFromPartyId, 3);
    h.to_country_code = get(header::kToCountryCode, 2);
    h.to_party_id = get(header::kToPartyId, 3);
    return h;
}

std::vector<std::string> token_candidates(std::optional<std::string_view> authorization) {
    if (!authorization || authorization->empty()) {
        throw Error::unauthorized("missing Authorization header (expected \"Authorization: Token <token>\")");
    }
    std::string_view v = *authorization;
    if (!v.starts_with("Token ") || v.size() <= 6) {
        throw Error::unauthorized("the Authorization header must be \"Token <token>\"");
    }
    v.remove_prefix(6);
    while (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
    }
    while (!v.empty() && v.back() == ' ') {
        v.remove_suffix(1);
    }
    std::vector<std::string> out;
    if (const auto decoded = core::base64_decode(v)) {
        const bool printable = !decoded->empty() && std::all_of(decoded->begin(), decoded->end(),
                                                                [](char c) { return c > 0x20 && c < 0x7F; });
        if (printable) {
            out.push_back(*decoded);
        }
    }
    out.emplace_back(v);
    return out;
}

namespace {

std::size_t parse_count(const std::string& text, std::string_view name) {
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        throw Error::invalid("query parameter " + std::string(name) + " must be a non-negative integer, got \"" + text +
                             "\"");
    }
    return n;
}

}  // namespace

PageRequest parse_page_request(const std::function<std::optional<std::string>(std::string_view)>& query,
                               std::size_t max_limit) {
    PageRequest page;
    if (const auto offset = query("offset")) {
        page.offset = parse_count(*offset, "offset");
    }
    page.limit = max_limit;
    if (const auto limit = query("limit")) {
        page.limit = std::min(parse_count(*limit, "limit"), max_limit);
    }
    for (const auto name : {"date_from", "date_to"}) {
        if (const auto text = query(name)) {
            // Strict: a DateTime with an offset is not SCPI (OCPI 2.2 §16.2 allows UTC only).
            const auto t = core::parse_utc_datetime(*text);
            if (!t) {
                throw Error::invalid(std::string("query parameter ") + name +
                                     " must be a UTC DateTime like 2019-10-14T15:45:11Z (no offset), got \"" + *text +
                                     "\"");
            }
            (std::string_view(name) == "date_from" ? page.date_from : page.date_to) = t;
        }
    }
    if (page.date_from && page.date_to && *page.date_from >= *page.date_to) {
        throw Error::invalid("date_from must be earlier than date_to");
    }
    return page;
}

PageHeaders page_headers(std::string_view base_url, const std::vector<std::pair<std::string, std::string>>& params,
                         const PageRequest& page, std::size_t returned, std::size_t total, std::size_t max_limit) {
    PageHeaders h;
    h.total_count = std::to_string(total);
    h.limit = std::to_string(max_limit);
    const std::size_t next = page.offset + returned;
    if (returned > 0 && next < total) {
        std::string url(base_url);
        url += "?offset=" + std::to_string(next) + "&limit=" + std::to_string(page.limit);
        static constexpr std::string_view kHex = "0123456789ABCDEF";
        auto encode = [&](std::string_view s) {
            for (const char c : s) {
                const auto u = static_cast<unsigned char>(c);
                if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
                    url += c;
                } else {
                    url += '%';
                    url += kHex[u >> 4];
                    url += kHex[u & 0x0F];
                }
            }
        };
        for (const auto& [k, v] : params) {
            if (k == "offset" || k == "limit") {
                continue;
            }
            url += '&';
            encode(k);
            url += '=';
            encode(v);
        }
        h.link = "<" + url + ">; rel=\"next\"";
    }
    return h;
}

}  // namespace scn::scpi
