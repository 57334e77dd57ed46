#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace scn::scpi {

/// Filled by SCN_ENUM for each enumeration: the wire spellings in declaration order.
template <typename E>
struct EnumInfo;

namespace detail {
/// Splits "A, B, C" (a stringised enumerator list) into its names.
[[nodiscard]] std::vector<std::string_view> split_enum_list(std::string_view list);
}  // namespace detail

/// Every wire spelling of E, indexed by the enumerator's value.
template <typename E>
const std::vector<std::string_view>& enum_names() {
    static const std::vector<std::string_view> names = detail::split_enum_list(EnumInfo<E>::list);
    return names;
}

template <typename E>
requires requires {
    EnumInfo<E>::list;
}
[[nodiscard]] std::string_view to_string(E value) {
    return enum_names<E>()[static_cast<std::size_t>(value)];
}

/// The enumerator spelled `text` on the wire (exact, case-sensitive), if any.
template <typename E>
[[nodiscard]] std::optional<E> enum_from_string(std::string_view text) {
    const auto& names = enum_names<E>();
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == text) {
            return static_cast<E>(i);
        }
    }
    return std::nullopt;
}

}  // namespace scn::scpi

/// Declares `enum class Name { … }` whose enumerators are spelled exactly as on the wire, and the one table that
/// converts both ways (to_string / enum_from_string). Use inside namespace scn::scpi.
#define SCN_ENUM(Name, ...)                                    \
    enum class Name { __VA_ARGS__ };                           \
    template <>                                                \
    struct EnumInfo<Name> {                                    \
        static constexpr std::string_view type_name = #Name;   \
        static constexpr std::string_view list = #__VA_ARGS__; \
    }
