#include <scn/http/router.hpp>

#include <gtest/gtest.h>

using namespace scn::http;

namespace {

Handler tagged(std::string tag) {
    return [tag](Request&) -> boost::asio::awaitable<Response> { co_return Response::text(200, tag); };
}

// Which handler matched, identified by the address of the stored handler.
struct Fixture {
    Router router;
    Fixture() {
        router.add(Method::get, "/scpi/sender/2.2/locations", tagged("list"));
        router.add(Method::get, "/scpi/sender/2.2/locations/{location_id}", tagged("one"));
        router.add(Method::get, "/scpi/sender/2.2/locations/{location_id}/{evse_uid}", tagged("evse"));
        router.add(Method::get, "/scpi/sender/2.2/locations/page/{id}", tagged("page"));
        router.add(Method::post, "/scpi/receiver/2.2/commands/{command}", tagged("command"));
        router.add(Method::get, "/scpi/custom/{interface}/{module}/{rest...}", tagged("custom"));
        router.add(Method::post, "/scpi/custom/{interface}/{module}/{rest...}", tagged("custom-post"));
    }
};

std::string param(const Router::Match& m, const std::string& name) {
    for (const auto& [k, v] : m.params) {
        if (k == name) {
            return v;
        }
    }
    return "<none>";
}

}  // namespace

TEST(Router, MatchesLiteralAndParameterSegments) {
    Fixture f;
    auto m = f.router.match(Method::get, "/scpi/sender/2.2/locations/Loc1/CH-CPO-S1E100001");
    ASSERT_EQ(m.kind, Router::Match::Kind::found);
    EXPECT_EQ(param(m, "location_id"), "Loc1");
    EXPECT_EQ(param(m, "evse_uid"), "CH-CPO-S1E100001");
    m = f.router.match(Method::get, "/scpi/sender/2.2/locations");
    ASSERT_EQ(m.kind, Router::Match::Kind::found);
    EXPECT_TRUE(m.params.empty());
}

TEST(Router, LiteralSegmentsWinOverParameters) {
    Fixture f;
    const auto page = f.router.match(Method::get, "/scpi/sender/2.2/locations/page/7");
    ASSERT_EQ(page.kind, Router::Match::Kind::found);
    EXPECT_EQ(param(page, "id"), "7");
    const auto evse = f.router.match(Method::get, "/scpi/sender/2.2/locations/page");
    ASSERT_EQ(evse.kind, Router::Match::Kind::found);
    EXPECT_EQ(param(evse, "location_id"), "page") << "falls back to the parameter when the literal branch ends";
}

TEST(Router, TrailingSlashIsIgnored) {
    Fixture f;
    EXPECT_EQ(f.router.match(Method::get, "/scpi/sender/2.2/locations/").kind, Router::Match::Kind::found);
    EXPECT_EQ(f.router.match(Method::get, "/scpi/sender/2.2/locations/Loc1/").kind, Router::Match::Kind::found);
}

TEST(Router, RestParameterTakesTheRemainder) {
    Fixture f;
    auto m = f.router.match(Method::get, "/scpi/custom/sender/lite-locations/a/b/c");
    ASSERT_EQ(m.kind, Router::Match::Kind::found);
    EXPECT_EQ(param(m, "module"), "lite-locations");
    EXPECT_EQ(param(m, "rest"), "a/b/c");
    m = f.router.match(Method::get, "/scpi/custom/sender/lite-locations");
    ASSERT_EQ(m.kind, Router::Match::Kind::found);
    EXPECT_EQ(param(m, "rest"), "");
}

TEST(Router, UnknownPathAndWrongMethodAreDistinguished) {
    Fixture f;
    EXPECT_EQ(f.router.match(Method::get, "/scpi/nothing").kind, Router::Match::Kind::not_found);
    EXPECT_EQ(f.router.match(Method::get, "/scpi/sender/2.2/locations/a/b/c").kind, Router::Match::Kind::not_found);
    const auto m = f.router.match(Method::get, "/scpi/receiver/2.2/commands/START_SESSION");
    ASSERT_EQ(m.kind, Router::Match::Kind::method_not_allowed);
    EXPECT_EQ(m.allowed, std::vector<Method>{Method::post});
    EXPECT_EQ(f.router.match(Method::del, "/scpi/custom/x/y/z").allowed.size(), 2u);
}

TEST(Router, RejectsAmbiguousRegistrations) {
    Router r;
    r.add(Method::get, "/a/{x}", tagged("1"));
    EXPECT_THROW(r.add(Method::get, "/a/{x}", tagged("2")), std::invalid_argument);
    EXPECT_THROW(r.add(Method::get, "/a/{y}/z", tagged("3")), std::invalid_argument);
    EXPECT_THROW(r.add(Method::get, "/b/{rest...}/c", tagged("4")), std::invalid_argument);
}
