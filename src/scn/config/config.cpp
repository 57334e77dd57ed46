#include <scn/config/config.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>

namespace scn::config {
namespace json = boost::json;

namespace {

/// Walks one JSON object, remembering its path so every complaint says where it is.
class Section {
public:
    Section(const json::object& obj, std::string path, std::string_view source)
        : obj_(obj), path_(std::move(path)), source_(source) {}

    /// Rejects members that are not in `known`.
    void allow_only(std::initializer_list<std::string_view> known) const {
        for (const auto& member : obj_) {
            if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
                std::string list;
                for (const auto k : known) {
                    list += list.empty() ? "" : ", ";
                    list += k;
                }
                fail(member.key(), "unknown key (known keys here: " + list + ")");
            }
        }
    }

    [[nodiscard]] const json::value* find(std::string_view key) const { return obj_.if_contains(key); }

    void string(std::string_view key, std::string& out) const {
        if (const auto* v = find(key)) {
            if (!v->is_string()) {
                fail(key, "expected a string");
            }
            out = std::string(v->get_string());
        }
    }

    void string(std::string_view key, std::optional<std::string>& out) const {
        if (find(key) != nullptr) {
            std::string s;
            string(key, s);
            out = std::move(s);
        }
    }

    void path(std::string_view key, std::filesystem::path& out) const {
        if (find(key) != nullptr) {
            std::string s;
            string(key, s);
            if (s.empty()) {
                fail(key, "expected a non-empty path");
            }
            out = s;
        }
    }

    void boolean(std::string_view key, bool& out) const {
        if (const auto* v = find(key)) {
            if (!v->is_bool()) {
                fail(key, "expected true or false");
            }
            out = v->get_bool();
        }
    }

    template <typename Int>
    void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) const {
        if (const auto* v = find(key)) {
            const auto n = v->if_int64();
            const auto u = v->if_uint64();
            const bool ok =
                (n != nullptr && *n >= min && *n <= max) || (u != nullptr && *u <= static_cast<std::uint64_t>(max));
            if (!ok) {
                fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
            }
            out = static_cast<Int>(n != nullptr ? *n : static_cast<std::int64_t>(*u));
        }
    }

    void strings(std::string_view key, std::vector<std::string>& out) const {
        if (const auto* arr = array(key)) {
            out.clear();
            for (const auto& v : *arr) {
                if (!v.is_string() || v.get_string().empty()) {
                    fail(key, "expected an array of non-empty strings");
                }
                out.emplace_back(v.get_string());
            }
        }
    }

    [[nodiscard]] std::optional<Section> object(std::string_view key) const {
        const auto* v = find(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->is_object()) {
            fail(key, "expected an object");
        }
        return Section(v->get_object(), child(key), source_);
    }

    [[nodiscard]] const json::array* array(std::string_view key) const {
        const auto* v = find(key);
        if (v == nullptr) {
            return nullptr;
        }
        if (!v->is_array()) {
            fail(key, "expected an array");
        }
        return &v->get_array();
    }

    [[nodiscard]] Section element(std::string_view key, const json::array& arr, std::size_t i) const {
        const std::string p = child(key) + "[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) {
            throw ConfigError(std::string(source_) + ": " + p + ": expected an object");
        }
        return Section(arr[i].get_object(), p, source_);
    }

    [[noreturn]] void fail(std::string_view key, const std::string& reason) const {
        throw ConfigError(std::string(source_) + ": " + child(key) + ": " + reason);
    }

private:
    [[nodiscard]] std::string child(std::string_view key) const { return path_ + "." + std::string(key); }

    const json::object& obj_;
    std::string path_;
    std::string_view source_;
};

constexpr std::array kRoles{"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"};

bool is_upper_alnum(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

void read_roles(const Section& party, std::vector<RoleConfig>& roles) {
    const auto* arr = party.array("roles");
    if (arr == nullptr) {
        return;
    }
    if (arr->empty()) {
        party.fail("roles", "expected at least one role");
    }
    roles.clear();
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto s = party.element("roles", *arr, i);
        s.allow_only({"party_id", "country_code", "role", "business_details"});
        RoleConfig role;
        s.string("party_id", role.party_id);
        s.string("country_code", role.country_code);
        s.string("role", role.role);
        if (role.country_code.size() != 2 || !is_upper_alnum(role.country_code)) {
            s.fail("country_code", "expected two upper-case letters, e.g. \"CH\"");
        }
        if (role.party_id.size() != 3 || !is_upper_alnum(role.party_id)) {
            s.fail("party_id", "expected three upper-case letters or digits, e.g. \"CPO\"");
        }
        if (std::find(kRoles.begin(), kRoles.end(), role.role) == kRoles.end()) {
            s.fail("role", "expected one of CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP");
        }
        if (auto bd = s.object("business_details")) {
            bd->allow_only({"name", "website"});
            bd->string("name", role.business_name);
            bd->string("website", role.business_website);
        }
        if (role.business_name.empty()) {
            role.business_name = "Mock " + role.role + " " + role.country_code + "/" + role.party_id;
        }
        roles.push_back(std::move(role));
    }
}

void read_party(const Section& s, PartyConfig& party, bool is_cpo) {
    if (is_cpo) {
        s.allow_only({"port", "bind", "publicIP", "roles", "data", "db", "session_update_interval", "warm_data", "peer",
                      "strict", "push", "signatures", "required_modules", "control_port", "control_bind", "protocol"});
    } else {
        s.allow_only({"port", "bind", "publicIP", "roles", "data", "db", "peer", "strict", "push", "signatures",
                      "required_modules", "control_port", "control_bind", "protocol"});
    }
    s.string("protocol", party.protocol);
    if (party.protocol != "scpi-2.2" && party.protocol != "ocpi-2.2.1") {
        s.fail("protocol", "expected \"scpi-2.2\" or \"ocpi-2.2.1\"");
    }
    s.boolean("strict", party.strict);
    s.boolean("signatures", party.signatures);
    s.strings("required_modules", party.required_modules);
    s.integer("port", party.port, 0, 65535);
    s.integer("control_port", party.control_port, 0, 65535);
    s.string("control_bind", party.control_bind);
    s.string("bind", party.bind);
    s.string("publicIP", party.public_url);
    read_roles(s, party.roles);
    s.path("data", party.data_dir);
    s.path("db", party.db);
    if (is_cpo) {
        std::int64_t seconds = party.session_update_interval.count();
        s.integer("session_update_interval", seconds, 1, 86400);
        party.session_update_interval = std::chrono::seconds(seconds);
        s.boolean("warm_data", party.warm_data);
    }
    if (auto peer = s.object("peer")) {
        peer->allow_only({"url", "token", "token_a"});
        PeerConfig p;
        peer->string("url", p.url);
        peer->string("token", p.token);
        peer->string("token_a", p.token_a);
        if (p.url.empty()) {
            peer->fail("url", "expected the peer's versions URL, e.g. \"http://localhost:3001/scpi/versions\"");
        }
        if (p.token.empty() == p.token_a.empty()) {
            peer->fail("token",
                       "expected either token (used as it is) or token_a (registers by the credentials "
                       "handshake)");
        }
        party.peer = std::move(p);
    }
    if (auto push = s.object("push")) {
        push->allow_only({"max_attempts", "max_age", "max_queued", "parallel"});
        push->integer("max_attempts", party.push.max_attempts, 1, 1'000'000);
        push->integer("max_queued", party.push.max_queued, 1, 100'000'000);
        push->integer("parallel", party.push.parallel, 1, 16);
        std::int64_t seconds = party.push.max_age.count();
        push->integer("max_age", seconds, 1, 365LL * 86400);
        party.push.max_age = std::chrono::seconds(seconds);
    }
    while (party.public_url.ends_with('/')) {
        party.public_url.pop_back();
    }
}

void read_registry(const Section& s, RegistryConfig& r) {
    s.allow_only({"backend", "path", "stage", "rpc", "address", "chain_id"});
    std::string backend = r.backend == RegistryConfig::Backend::embedded ? "embedded" : "ethereum";
    s.string("backend", backend);
    if (backend == "embedded") {
        r.backend = RegistryConfig::Backend::embedded;
    } else if (backend == "ethereum") {
        r.backend = RegistryConfig::Backend::ethereum;
    } else {
        s.fail("backend", "expected \"embedded\" or \"ethereum\"");
    }
    s.path("path", r.path);
    s.string("stage", r.stage);
    s.string("rpc", r.rpc);
    s.string("address", r.address);
    if (s.find("chain_id") != nullptr) {
        std::uint64_t id = 0;
        s.integer("chain_id", id, 1, std::numeric_limits<std::int64_t>::max());
        r.chain_id = id;
    }
    if (!r.stage.empty() && r.stage != "local" && r.stage != "volta" && r.stage != "prod") {
        s.fail("stage", "expected \"local\", \"volta\" or \"prod\"");
    }
}

void read_node(const Section& s, NodeConfig& n) {
    s.allow_only({"port", "bind", "public_url", "api_key", "db", "forward_timeout_ms", "still_alive_interval_ms",
                  "planned_party_search_interval_ms", "signatures"});
    s.integer("port", n.port, 0, 65535);
    s.string("bind", n.bind);
    s.string("public_url", n.public_url);
    s.string("api_key", n.api_key);
    s.path("db", n.db);
    s.boolean("signatures", n.signatures);
    std::int64_t ms = n.forward_timeout.count();
    s.integer("forward_timeout_ms", ms, 100, 600'000);
    n.forward_timeout = std::chrono::milliseconds(ms);
    ms = n.still_alive_interval.count();
    s.integer("still_alive_interval_ms", ms, 0, 86'400'000);
    n.still_alive_interval = std::chrono::milliseconds(ms);
    ms = n.planned_party_search_interval.count();
    s.integer("planned_party_search_interval_ms", ms, 0, 86'400'000);
    n.planned_party_search_interval = std::chrono::milliseconds(ms);
    while (n.public_url.ends_with('/')) {
        n.public_url.pop_back();
    }
}

}  // namespace

Config defaults() {
    Config c;
    c.cpo.port = 3000;
    c.cpo.control_port = 3100;
    c.cpo.public_url = "http://localhost:3000";
    c.cpo.roles = {RoleConfig{"CH", "CPO", "CPO", "Mock CPO CH/CPO", std::nullopt}};
    c.cpo.data_dir = "data/cpo";
    c.cpo.db = "cpo.db";
    c.msp.port = 3001;
    c.msp.control_port = 3101;
    c.msp.public_url = "http://localhost:3001";
    c.msp.roles = {RoleConfig{"CH", "MSP", "EMSP", "Mock MSP CH/MSP", std::nullopt}};
    c.msp.data_dir = "data/msp";
    c.msp.db = "msp.db";
    return c;
}

Config parse(std::string_view json_text, std::string_view source_name) {
    boost::system::error_code ec;
    const json::value doc = json::parse(json_text, ec);
    if (ec) {
        throw ConfigError(std::string(source_name) + ": not valid JSON: " + ec.message());
    }
    if (!doc.is_object()) {
        throw ConfigError(std::string(source_name) + ": $: expected an object");
    }
    Config c = defaults();
    const Section root(doc.get_object(), "$", source_name);
    root.allow_only({"scn", "cpo", "msp", "registry", "node", "console"});
    if (auto scn = root.object("scn")) {
        scn->allow_only({"node", "stage"});
        scn->string("node", c.node_url);
        scn->string("stage", c.stage);
        while (c.node_url.ends_with('/')) {
            c.node_url.pop_back();
        }
    }
    if (auto cpo = root.object("cpo")) {
        read_party(*cpo, c.cpo, true);
    }
    if (auto msp = root.object("msp")) {
        read_party(*msp, c.msp, false);
    }
    if (auto registry = root.object("registry")) {
        read_registry(*registry, c.registry);
    }
    if (auto node = root.object("node")) {
        read_node(*node, c.node);
    }
    if (auto console = root.object("console")) {
        // One setting for the node's console and both mock parties'.
        console->allow_only({"buffer"});
        auto buffer = static_cast<std::int64_t>(c.node.console_buffer);
        console->integer("buffer", buffer, 0, 1'000'000);
        c.node.console_buffer = c.cpo.console_buffer = c.msp.console_buffer = static_cast<std::size_t>(buffer);
    }
    return c;
}

Config load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError(path.string() + ": cannot read the configuration file (does it exist?)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    Config c = parse(text.str(), path.string());
    c.source = path;
    return c;
}

}  // namespace scn::config
