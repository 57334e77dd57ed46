#include <scn/node/routing_rules.hpp>

#include <algorithm>

namespace scn::node {
namespace {

const RuleEntry* entry_for(const Rules& rules, const PartyRef& party) {
    // Entries are stored upper-case and compared case-sensitively, as the reference node does.
    const auto it = std::find_if(rules.entries.begin(), rules.entries.end(), [&](const RuleEntry& e) {
        return e.party.country_code == party.country_code && e.party.party_id == party.party_id;
    });
    return it == rules.entries.end() ? nullptr : &*it;
}

}  // namespace

std::optional<std::string> rules_refusal(const Rules& recipient_rules, const PartyRef& sender,
                                         std::string_view module) {
    // The texts are built only for a refusal: this runs for every routed request.
    const auto not_listed = [] { return std::string("Message receiver not in sender's whitelist."); };
    const auto module_blocked = [&] {
        return "Sender not whitelisted to request " + std::string(module) + " from receiver.";
    };
    const RuleEntry* entry = entry_for(recipient_rules, sender);
    if (recipient_rules.whitelist_active) {
        if (entry == nullptr) {
            return not_listed();
        }
        const bool listed = std::find(entry->modules.begin(), entry->modules.end(), module) != entry->modules.end();
        return listed ? std::nullopt : std::optional<std::string>(module_blocked());
    }
    if (recipient_rules.blacklist_active && entry != nullptr) {
        const bool listed = std::find(entry->modules.begin(), entry->modules.end(), module) != entry->modules.end();
        return listed ? module_blocked() : not_listed();
    }
    return std::nullopt;
}

bool rules_allow_party(const Rules& rules, const PartyRef& party) {
    const RuleEntry* entry = entry_for(rules, party);
    if (rules.whitelist_active) {
        return entry != nullptr;
    }
    if (rules.blacklist_active) {
        return entry == nullptr;
    }
    return true;
}

std::optional<std::string> next_link(std::string_view link_header) {
    std::size_t pos = 0;
    while (pos <= link_header.size()) {
        const auto sep = link_header.find(", ", pos);
        const auto entry = link_header.substr(pos, sep == std::string_view::npos ? std::string_view::npos : sep - pos);
        if (entry.find("; rel=\"next\"") != std::string_view::npos) {
            const auto open = entry.find('<');
            const auto close = entry.find('>');
            if (open != std::string_view::npos && close != std::string_view::npos && open < close) {
                return std::string(entry.substr(open + 1, close - open - 1));
            }
            return std::nullopt;
        }
        if (sep == std::string_view::npos) {
            break;
        }
        pos = sep + 2;
    }
    return std::nullopt;
}

std::string join_url(std::string_view base, std::string_view path) {
    while (base.ends_with('/')) {
        base.remove_suffix(1);
    }
    while (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    if (path.empty()) {
        return std::string(base);
    }
    return std::string(base) + "/" + std::string(path);
}

}  // namespace scn::node
