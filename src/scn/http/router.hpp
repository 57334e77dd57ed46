#pragma once

#include <scn/http/message.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace scn::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

/// Maps method + path to a handler. Patterns are split on '/': a literal segment matches itself, `{name}` matches
/// any one segment and captures it, and a final `{name...}` matches the rest of the path (possibly empty, slashes
/// included). Literal segments win over parameters; a trailing slash on the request is ignored. Matching walks a
/// segment tree: no regular expressions.
class Router {
public:
    Router();
    ~Router();
    Router(Router&&) noexcept;
    Router& operator=(Router&&) noexcept;

    void add(Method method, std::string_view pattern, Handler handler);

    struct Match {
        enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
        const Handler* handler = nullptr;
        std::vector<std::pair<std::string, std::string>> params;
        std::vector<Method> allowed;  ///< for method_not_allowed
    };
    /// `path` is the decoded path of the request.
    [[nodiscard]] Match match(Method method, std::string_view path) const;

    struct Node;  ///< one path segment of the route tree; defined in router.cpp

private:
    std::unique_ptr<Node> root_;
};

}  // namespace scn::http
