#include <scn/console/console.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

using namespace scn;
namespace json = boost::json;

namespace {

console::Console::ExchangePtr exchange(const std::string& path) {
    auto x = std::make_unique<console::Exchange>();
    x->method = "GET";
    x->path = path;
    x->status = 200;
    x->response_body = console::keep_body(R"({"status_code":1000})", 1024);
    return x;
}

console::ConsoleOptions options(std::size_t buffer) {
    console::ConsoleOptions o;
    o.buffer = buffer;
    o.title = "test";
    o.kind = "node";
    return o;
}

json::value snapshot(console::Console& c, std::uint64_t after = 0) {
    boost::asio::io_context ioc;
    auto future = boost::asio::co_spawn(ioc, c.snapshot(after), boost::asio::use_future);
    ioc.run();
    return future.get();
}

}  // namespace

TEST(Console, KeepsTheNewestExchangesNumbered) {
    console::Console c(options(2));
    c.record(exchange("/scpi/sender/2.2/locations/1"));
    c.record(exchange("/scpi/sender/2.2/locations/2"));
    c.record(exchange("/scpi/sender/2.2/locations/3"));
    const auto s = snapshot(c);
    EXPECT_EQ(s.at("title"), "test");
    EXPECT_EQ(s.at("kind"), "node");
    EXPECT_EQ(s.at("buffer"), 2);
    EXPECT_EQ(s.at("first_seq"), 2);
    EXPECT_EQ(s.at("last_seq"), 3);
    const auto& messages = s.at("messages").as_array();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].at("seq"), 2);
    EXPECT_EQ(messages[0].at("path"), "/scpi/sender/2.2/locations/2");
    EXPECT_EQ(messages[1].at("scpi_status"), 1000);
    EXPECT_EQ(snapshot(c, 2).at("messages").as_array().size(), 1u) << "after=2: only the newer one";
    EXPECT_TRUE(s.at("parties").at("parties").as_array().empty());
}

TEST(Console, HandsBackWhatTheRingLetGoOf) {
    console::Console c(options(1));
    EXPECT_TRUE(c.take()->path.empty()) << "nothing let go of yet: a new exchange";
    const std::string long_path = "/scpi/sender/2.2/locations/" + std::string(200, 'x');
    c.record(exchange(long_path));
    c.record(exchange("/scpi/versions"));  // replaces the first
    const auto spare = c.take();
    EXPECT_GE(spare->path.capacity(), long_path.size()) << "its strings keep their room for the next recording";
    ASSERT_NE(c.exchanges().find(2), nullptr);
    EXPECT_EQ((*c.exchanges().find(2))->path, "/scpi/versions");
}

TEST(Console, PartiesComeFromTheProvider) {
    console::Console c(options(10));
    c.set_parties([]() -> boost::asio::awaitable<json::value> {
        co_return json::object{{"parties", json::array{json::object{{"id", "CH/CPO"}}}}};
    });
    EXPECT_EQ(snapshot(c).at("parties").at("parties").at(0).at("id"), "CH/CPO");
}

TEST(Console, ThePageIsBuiltIn) {
    const auto page = console::asset("index.html");
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.bytes.find("/console/console.js"), std::string_view::npos);
    EXPECT_FALSE(console::asset("console.js").bytes.empty());
    EXPECT_FALSE(console::asset("console.css").bytes.empty());
    EXPECT_TRUE(console::asset("other.txt").bytes.empty());
    // No network at run time: nothing is loaded from another origin.
    for (const auto* name : {"index.html", "console.js", "console.css"}) {
        const auto bytes = console::asset(name).bytes;
        EXPECT_EQ(bytes.find("https://"), std::string_view::npos) << name;
        EXPECT_EQ(bytes.find("src=\"http"), std::string_view::npos) << name;
    }
}
