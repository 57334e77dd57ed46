#pragma once

// The machinery behind from_json / to_json. Each model type T declares its members once, in
// `template <class V> void describe(V& v, T& t)`, naming each member with its wire name and options; the same list
// drives reading (with JSON paths in every error) and writing. Included by the model's .cpp files only.

#include <scn/core/clock.hpp>
#include <scn/core/datetime.hpp>
#include <scn/scpi/enum.hpp>
#include <scn/scpi/json.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <concepts>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace scn::scpi {

/// Member options for describe().
namespace opt {
struct CiString {
    std::size_t max;
};  ///< printable ASCII, at most `max` characters
struct String {
    std::size_t max;
};                      ///< text, at most `max` characters
struct NonEmpty {};     ///< a `+` list: at least one element
struct DropUnknown {};  ///< a list of informational enum values: unknown values are dropped, not refused
struct Since221 {};     ///< an OCPI 2.2.1 addition: read when present, written only for 2.2.1 peers (to_text)
}  // namespace opt

namespace detail {

struct Options {
    std::size_t max = 0;
    bool ascii = false;
    bool non_empty = false;
    bool drop_unknown = false;
    bool since_221 = false;
};

inline void apply(Options& o, opt::CiString c) {
    o.max = c.max;
    o.ascii = true;
}
inline void apply(Options& o, opt::String s) {
    o.max = s.max;
}
inline void apply(Options& o, opt::NonEmpty) {
    o.non_empty = true;
}
inline void apply(Options& o, opt::DropUnknown) {
    o.drop_unknown = true;
}
inline void apply(Options& o, opt::Since221) {
    o.since_221 = true;
}

template <typename... O>
Options options(O... o) {
    Options out;
    (apply(out, o), ...);
    return out;
}

template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};
template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};

template <typename T>
concept WireEnum = std::is_enum_v<T> && requires {
    EnumInfo<T>::list;
};

struct Probe {
    template <typename M, typename... O>
    void operator()(std::string_view, M&, O...) {}
};
template <typename T>
concept Described = requires(Probe& p, T& t) {
    describe(p, t);
};

std::size_t utf8_length(std::string_view s);

class Reader;

template <typename M>
void read_value(const boost::json::value& v, M& out, const std::string& path, const Options& o);

/// Reads the members of one JSON object into a model object.
class Reader {
public:
    Reader(const boost::json::object& obj, const std::string& path) : obj_(obj), path_(path) {}

    template <typename M, typename... O>
    void operator()(std::string_view key, M& member, O... opts) {
        const Options o = options(opts...);
        const boost::json::value* v = obj_.if_contains(key);
        const std::string path = path_ + "." + std::string(key);
        if (v == nullptr || v->is_null()) {
            if constexpr (is_optional<M>::value) {
                member.reset();
            } else if constexpr (is_vector<M>::value) {
                if (o.non_empty) {
                    throw ParseError(path, "missing required member (a list of at least one)");
                }
                member.clear();
            } else {
                throw ParseError(path, "missing required member");
            }
            return;
        }
        read_value(*v, member, path, o);
    }

private:
    const boost::json::object& obj_;
    const std::string& path_;
};

template <typename M>
void read_value(const boost::json::value& v, M& out, const std::string& path, const Options& o) {
    if constexpr (is_optional<M>::value) {
        typename M::value_type inner{};
        read_value(v, inner, path, o);
        out = std::move(inner);
    } else if constexpr (is_vector<M>::value) {
        if (!v.is_array()) {
            throw ParseError(path, "expected a list");
        }
        const auto& arr = v.get_array();
        out.clear();
        out.reserve(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i) {
            const std::string element_path = path + "[" + std::to_string(i) + "]";
            using E = typename M::value_type;
            if constexpr (WireEnum<E>) {
                if (o.drop_unknown && arr[i].is_string() &&
                    !enum_from_string<E>(std::string_view(arr[i].get_string()))) {
                    continue;
                }
            }
            E element{};
            read_value(arr[i], element, element_path, Options{o.max, o.ascii, false, false, false});
            out.push_back(std::move(element));
        }
        if (o.non_empty && out.empty()) {
            throw ParseError(path, "expected at least one element");
        }
    } else if constexpr (std::is_same_v<M, std::string>) {
        if (!v.is_string()) {
            throw ParseError(path, "expected a string");
        }
        const std::string_view s = v.get_string();
        if (o.ascii) {
            for (const char c : s) {
                const auto u = static_cast<unsigned char>(c);
                if (u < 0x20 || u > 0x7E) {
                    throw ParseError(path, "only printable ASCII characters are allowed");
                }
            }
        }
        if (o.max > 0 && (o.ascii ? s.size() : utf8_length(s)) > o.max) {
            throw ParseError(path, "longer than " + std::to_string(o.max) + " characters");
        }
        out.assign(s.data(), s.size());
    } else if constexpr (std::is_same_v<M, bool>) {
        if (!v.is_bool()) {
            throw ParseError(path, "expected true or false");
        }
        out = v.get_bool();
    } else if constexpr (std::is_integral_v<M>) {
        // Whole numbers only, and only those the member can hold: a double is converted only inside the range of
        // long long (outside it the conversion is undefined; found by fuzzing a tariff with 1e68).
        const auto whole_double = [](double d) {
            return std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18 && d == std::trunc(d);
        };
        if (v.is_int64() && std::in_range<M>(v.get_int64())) {
            out = static_cast<M>(v.get_int64());
        } else if (v.is_uint64() && std::in_range<M>(v.get_uint64())) {
            out = static_cast<M>(v.get_uint64());
        } else if (v.is_double() && whole_double(v.get_double()) &&
                   std::in_range<M>(static_cast<long long>(v.get_double()))) {
            out = static_cast<M>(v.get_double());
        } else if (v.is_number()) {
            throw ParseError(path, "expected an integer that fits (got " + boost::json::serialize(v) + ")");
        } else {
            throw ParseError(path, "expected an integer");
        }
    } else if constexpr (std::is_floating_point_v<M>) {
        if (!v.is_number()) {
            throw ParseError(path, "expected a number");
        }
        out = v.to_number<double>();
    } else if constexpr (std::is_same_v<M, core::TimePoint>) {
        const auto t = v.is_string() ? core::parse_datetime(std::string_view(v.get_string())) : std::nullopt;
        if (!t) {
            throw ParseError(path, "not a DateTime (expected e.g. 2019-10-14T15:45:11.353Z)");
        }
        out = *t;
    } else if constexpr (WireEnum<M>) {
        if (!v.is_string()) {
            throw ParseError(path, "expected a string");
        }
        const auto e = enum_from_string<M>(std::string_view(v.get_string()));
        if (!e) {
            throw ParseError(path, "unknown value \"" + std::string(v.get_string()) + "\"");
        }
        out = *e;
    } else if constexpr (std::is_same_v<M, boost::json::value>) {
        out = v;
    } else if constexpr (Described<M>) {
        if (!v.is_object()) {
            throw ParseError(path, "expected an object");
        }
        Reader r(v.get_object(), path);
        describe(r, out);
    } else {
        static_assert(sizeof(M) == 0, "no JSON reading for this member type");
    }
}

template <typename M>
boost::json::value write_value(const M& m);

/// Writes the members of a model object into a JSON object.
class Writer {
public:
    explicit Writer(boost::json::object& out) : out_(out) {}

    template <typename M, typename... O>
    void operator()(std::string_view key, const M& member, O... opts) {
        const Options o = options(opts...);
        if (o.since_221) {
            return;
        }
        if constexpr (is_optional<M>::value) {
            if (member) {
                out_[key] = write_value(*member);
            }
        } else if constexpr (is_vector<M>::value) {
            if (!member.empty() || o.non_empty) {
                out_[key] = write_value(member);
            }
        } else {
            out_[key] = write_value(member);
        }
    }

private:
    boost::json::object& out_;
};

template <typename M>
boost::json::value write_value(const M& m) {
    if constexpr (is_vector<M>::value) {
        boost::json::array arr;
        arr.reserve(m.size());
        for (const auto& e : m) {
            arr.push_back(write_value(e));
        }
        return arr;
    } else if constexpr (std::is_same_v<M, std::string>) {
        return boost::json::string(m);
    } else if constexpr (std::is_same_v<M, bool>) {
        return boost::json::value(m);
    } else if constexpr (std::is_integral_v<M>) {
        return boost::json::value(static_cast<std::int64_t>(m));
    } else if constexpr (std::is_floating_point_v<M>) {
        return boost::json::value(static_cast<double>(m));
    } else if constexpr (std::is_same_v<M, core::TimePoint>) {
        return boost::json::string(core::format_datetime(m));
    } else if constexpr (WireEnum<M>) {
        return boost::json::string(to_string(m));
    } else if constexpr (std::is_same_v<M, boost::json::value>) {
        return m;
    } else if constexpr (Described<M>) {
        boost::json::object obj;
        Writer w(obj);
        describe(w, const_cast<M&>(m));  // the writer only reads
        return obj;
    } else {
        static_assert(sizeof(M) == 0, "no JSON writing for this member type");
    }
}

void append_string(std::string& out, std::string_view s);
void append_double(std::string& out, double d);

template <typename M>
void append_value(std::string& out, const M& m, bool with_221 = false);

/// Writes the members of a model object straight into JSON text (no intermediate DOM); OCPI 2.2.1 additions only
/// when `with_221`.
class TextWriter {
public:
    explicit TextWriter(std::string& out, bool with_221 = false) : out_(out), with_221_(with_221) {}

    template <typename M, typename... O>
    void operator()(std::string_view key, const M& member, O... opts) {
        const Options o = options(opts...);
        if (o.since_221 && !with_221_) {
            return;
        }
        if constexpr (is_optional<M>::value) {
            if (member) {
                emit(key, *member);
            }
        } else if constexpr (is_vector<M>::value) {
            if (!member.empty() || o.non_empty) {
                emit(key, member);
            }
        } else {
            emit(key, member);
        }
    }

private:
    template <typename M>
    void emit(std::string_view key, const M& value) {
        out_ += first_ ? "" : ",";
        first_ = false;
        append_string(out_, key);
        out_ += ':';
        append_value(out_, value, with_221_);
    }
    std::string& out_;
    bool with_221_;
    bool first_ = true;
};

template <typename M>
void append_value(std::string& out, const M& m, bool with_221) {
    if constexpr (is_vector<M>::value) {
        out += '[';
        bool first = true;
        for (const auto& e : m) {
            out += first ? "" : ",";
            first = false;
            append_value(out, e, with_221);
        }
        out += ']';
    } else if constexpr (std::is_same_v<M, std::string>) {
        append_string(out, m);
    } else if constexpr (std::is_same_v<M, bool>) {
        out += m ? "true" : "false";
    } else if constexpr (std::is_integral_v<M>) {
        out += std::to_string(m);
    } else if constexpr (std::is_floating_point_v<M>) {
        append_double(out, static_cast<double>(m));
    } else if constexpr (std::is_same_v<M, core::TimePoint>) {
        out += '"';
        out += core::format_datetime(m);
        out += '"';
    } else if constexpr (WireEnum<M>) {
        append_string(out, to_string(m));
    } else if constexpr (std::is_same_v<M, boost::json::value>) {
        dump_to(out, m);
    } else if constexpr (Described<M>) {
        out += '{';
        TextWriter w(out, with_221);
        describe(w, const_cast<M&>(m));  // the writer only reads
        out += '}';
    } else {
        static_assert(sizeof(M) == 0, "no JSON writing for this member type");
    }
}

}  // namespace detail

/// Reads a model object; throws ParseError naming the JSON path of the first problem.
template <typename T>
T from_json(const boost::json::value& v, const std::string& path = "$") {
    T out{};
    detail::read_value(v, out, path, {});
    return out;
}

/// Which members a peer is sent: OCPI 2.2's, or with the OCPI 2.2.1 additions as well.
enum class Members { v2_2, v2_2_1 };

/// Writes a model object as JSON text, the same as dump(to_json(t)) but without building a DOM. 2.2.1 additions
/// (`home_charging_compensation`, StartSession's `connector_id`) only with Members::v2_2_1.
template <typename T>
std::string to_text(const T& t, Members members = Members::v2_2) {
    std::string out;
    out.reserve(512);
    detail::append_value(out, t, members == Members::v2_2_1);
    return out;
}

/// Writes a model object as JSON (absent optionals omitted).
template <typename T>
boost::json::value to_json(const T& t) {
    return detail::write_value(t);
}

}  // namespace scn::scpi
