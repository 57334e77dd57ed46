#include <scn/scpi/enum.hpp>

namespace scn::scpi::detail {

std::vector<std::string_view> split_enum_list(std::string_view list) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const auto comma = list.find(',', pos);
        auto piece = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\n')) {
            piece.remove_prefix(1);
        }
        while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\n')) {
            piece.remove_suffix(1);
        }
        if (!piece.empty()) {
            out.push_back(piece);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return out;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

}  // namespace scn::scpi::detail
