// A bare scn_http server answering GET /body with a fixed file's bytes: the HTTP layer alone, for comparing with
// nginx serving the same file (bench/load/http-layer.sh).
#include <scn/http/server.hpp>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: http_echo_server PORT BODY_FILE\n";
        return 2;
    }
    std::ifstream in(argv[2], std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    const std::string payload = body.str();
    boost::asio::io_context ioc(1);
    scn::http::Router router;
    router.add(scn::http::Method::get, "/body",
               [&](scn::http::Request&) -> boost::asio::awaitable<scn::http::Response> {
                   co_return scn::http::Response::json(200, payload);
               });
    scn::http::ServerOptions options;
    options.port = static_cast<std::uint16_t>(std::stoi(argv[1]));
    options.log_requests = false;
    scn::http::Server server(ioc, options, std::move(router));
    server.start();
    scn::http::on_stop_signal(ioc, [&](int) { ioc.stop(); });
    ioc.run();
}
