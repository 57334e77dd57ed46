#include <scn/http/router.hpp>

#include <map>
#include <stdexcept>

namespace scn::http {

struct Router::Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
    std::unique_ptr<Node> param;  // {name}
    std::string param_name;
    std::unique_ptr<Node> rest;  // {name...}
    std::string rest_name;
    std::vector<std::pair<Method, Handler>> handlers;
};

namespace {

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> out;
    out.reserve(12);  // one allocation for the paths served here, not one per doubling
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto slash = path.find('/', pos);
        out.push_back(path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
        if (slash == std::string_view::npos) {
            break;
        }
        pos = slash + 1;
    }
    return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(Method method, std::string_view pattern, Handler handler) {
    Node* node = root_.get();
    const auto segments = split(pattern);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto seg = segments[i];
        if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
            auto name = seg.substr(1, seg.size() - 2);
            if (name.ends_with("...")) {
                if (i + 1 != segments.size()) {
                    throw std::invalid_argument("a {name...} segment must be last: " + std::string(pattern));
                }
                if (!node->rest) {
                    node->rest = std::make_unique<Node>();
                }
                node->rest_name = std::string(name.substr(0, name.size() - 3));
                node = node->rest.get();
                break;
            }
            if (!node->param) {
                node->param = std::make_unique<Node>();
                node->param_name = std::string(name);
            } else if (node->param_name != name) {
                throw std::invalid_argument("conflicting parameter names at the same place: " + std::string(pattern));
            }
            node = node->param.get();
        } else {
            auto& child = node->literals[std::string(seg)];
            if (!child) {
                child = std::make_unique<Node>();
            }
            node = child.get();
        }
    }
    for (const auto& [m, h] : node->handlers) {
        if (m == method) {
            throw std::invalid_argument("route registered twice: " + std::string(to_string(method)) + " " +
                                        std::string(pattern));
        }
    }
    node->handlers.emplace_back(method, std::move(handler));
}

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Depth-first: literal, then {param}, then {rest...}; the first node with handlers at the end wins.
const Router::Node* walk(const Router::Node* node, const std::vector<std::string_view>& segments, std::size_t i,
                         std::string_view path, Params& params) {
    if (i == segments.size()) {
        if (!node->handlers.empty()) {
            return node;
        }
        if (node->rest && !node->rest->handlers.empty()) {
            params.emplace_back(node->rest_name, "");
            return node->rest.get();
        }
        return nullptr;
    }
    if (const auto it = node->literals.find(segments[i]); it != node->literals.end()) {
        if (const auto* found = walk(it->second.get(), segments, i + 1, path, params)) {
            return found;
        }
    }
    if (node->param) {
        params.emplace_back(node->param_name, std::string(segments[i]));
        if (const auto* found = walk(node->param.get(), segments, i + 1, path, params)) {
            return found;
        }
        params.pop_back();
    }
    if (node->rest && !node->rest->handlers.empty()) {
        std::string_view remainder = path.substr(static_cast<std::size_t>(segments[i].data() - path.data()));
        while (remainder.ends_with('/')) {
            remainder.remove_suffix(1);
        }
        params.emplace_back(node->rest_name, std::string(remainder));
        return node->rest.get();
    }
    return nullptr;
}

}  // namespace

Router::Match Router::match(Method method, std::string_view path) const {
    const auto segments = split(path);
    Match result;
    Params params;
    const Node* node = walk(root_.get(), segments, 0, path, params);
    if (node == nullptr) {
        return result;
    }
    for (const auto& [m, h] : node->handlers) {
        if (m == method) {
            result.kind = Match::Kind::found;
            result.handler = &h;
            result.params = std::move(params);
            return result;
        }
        result.allowed.push_back(m);
    }
    result.kind = Match::Kind::method_not_allowed;
    return result;
}

}  // namespace scn::http
