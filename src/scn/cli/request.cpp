// `scn-tools request`: a request as a configured party, through its node (SCPI) or straight to its peer (OCPI 2.2.1,
// offline parties), with every header filled in.
#include <scn/cli/common.hpp>
#include <scn/core/datetime.hpp>
#include <scn/core/random.hpp>
#include <scn/party/party_server.hpp>
#include <scn/party/party_store.hpp>
#include <scn/party/registration.hpp>
#include <scn/scpi/json.hpp>
#include <scn/service/scpi_http.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace scn::cli {
namespace {

namespace json = boost::json;

void pretty(std::string& out, const json::value& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
    if (v.is_object() && !v.get_object().empty()) {
        out += "{\n";
        bool first = true;
        for (const auto& m : v.get_object()) {
            out += first ? "" : ",\n";
            first = false;
            out += inner;
            scpi::dump_to(out, json::value(json::string(m.key())));
            out += ": ";
            pretty(out, m.value(), indent + 1);
        }
        out += "\n" + pad + "}";
    } else if (v.is_array() && !v.get_array().empty()) {
        out += "[\n";
        bool first = true;
        for (const auto& e : v.get_array()) {
            out += first ? "" : ",\n";
            first = false;
            out += inner;
            pretty(out, e, indent + 1);
        }
        out += "\n" + pad + "]";
    } else {
        scpi::dump_to(out, v);
    }
}

std::string read_data(const std::string& data) {
    if (!data.starts_with("@")) {
        return data;
    }
    std::ifstream in(data.substr(1), std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + data.substr(1));
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs one call to its end.
service::Reply send(boost::asio::io_context& ioc, http::Client& client, service::Call call) {
    std::optional<service::Reply> reply;
    std::exception_ptr failure;
    boost::asio::co_spawn(ioc, service::call(client, std::move(call)), [&](std::exception_ptr e, service::Reply r) {
        failure = e;
        reply = std::move(r);
    });
    ioc.restart();
    ioc.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*reply);
}

/// The URL of `module`'s `role` interface of a peer called directly: read from its versions and version details.
std::string peer_endpoint(boost::asio::io_context& ioc, http::Client& client, const party::Peer& peer,
                          const scpi::Dialect& dialect, const std::string& module, scpi::InterfaceRole role) {
    service::Call call;
    call.url = peer.versions_url;
    call.token = peer.token;
    call.dialect = &dialect;
    const auto versions = send(ioc, client, call);
    if (!versions.ok() || !versions.data.is_array()) {
        throw std::runtime_error("cannot read the peer's versions at " + peer.versions_url + ": " +
                                 versions.describe());
    }
    std::string details_url;
    for (const auto& v : versions.data.get_array()) {
        const auto version = scpi::from_json<scpi::Version>(v);
        if (version.version == dialect.version) {
            details_url = version.url;
        }
    }
    if (details_url.empty()) {
        throw std::runtime_error(peer.versions_url + " offers no version " + std::string(dialect.version));
    }
    call.url = details_url;
    const auto details = send(ioc, client, call);
    if (!details.ok()) {
        throw std::runtime_error("cannot read the peer's version details at " + details_url + ": " +
                                 details.describe());
    }
    for (const auto& e : scpi::from_json<scpi::VersionDetails>(details.data).endpoints) {
        if (e.identifier == module && e.role == role) {
            return e.url;
        }
    }
    throw std::runtime_error("the peer offers no " + module + " " + std::string(scpi::to_string(role)) + " interface");
}

std::string token_json(const std::string& uid) {
    return R"({"country_code":"CH","party_id":"MSP","uid":")" + uid + R"(","type":"AD_HOC_USER","contract_id":")" +
           uid + R"(","issuer":"scn-tools","valid":true,"whitelist":"NEVER","last_updated":")" +
           core::format_datetime(core::system_clock().now()) + "\"}";
}

}  // namespace

int run_request(const GlobalOptions& global, const RequestOptions& o) {
    // Output is for scripts (`| jq`): only warnings and errors are logged, and they go to stderr.
    auto quiet = std::make_shared<core::ConsoleSink>();
    quiet->set_min_level(core::LogLevel::warn);
    const core::Logger log("", quiet);
    try {
        const auto cfg = load_config(global, log);
        if (o.as != "cpo" && o.as != "msp") {
            throw std::runtime_error("--as must be cpo or msp");
        }
        const auto& party = o.as == "cpo" ? cfg.cpo : cfg.msp;
        // The party's database: as configured, or the sandbox's.
        auto db = party.db;
        if (!std::filesystem::exists(db) && std::filesystem::exists("sandbox" / db.filename())) {
            db = "sandbox" / db.filename();
        }
        if (!std::filesystem::exists(db)) {
            throw std::runtime_error(db.string() + " not found: run the " + o.as +
                                     " (or the sandbox) first, from this directory");
        }
        party::PartyStore store(db, core::system_clock());
        const auto* named = scpi::dialect_named(party.protocol);
        const auto& dialect = named != nullptr ? *named : scpi::scpi_dialect();
        // Through the party's node, or (OCPI 2.2.1, offline parties) straight to its peer.
        const auto connection = dialect.is_ocpi() ? std::nullopt : party::stored_connection(store);
        std::optional<party::Peer> direct;
        if (!connection) {
            if (party.peer && !party.peer->token.empty()) {
                direct = party::Peer{party.peer->token, party.peer->url};
            } else {
                direct = party::stored_direct_peer(store);
            }
            if (!direct) {
                throw std::runtime_error("the " + o.as +
                                         " is neither connected to a node nor registered with a peer (register it "
                                         "first, or name its peer in the configuration)");
            }
        }
        // Recipient: --to CC/PID, or the other mock party.
        std::string to =
            o.to.value_or(o.as == "msp" ? cfg.cpo.roles.front().country_code + "/" + cfg.cpo.roles.front().party_id
                                        : cfg.msp.roles.front().country_code + "/" + cfg.msp.roles.front().party_id);
        if (to.size() != 6 || to[2] != '/') {
            throw std::runtime_error("--to must be COUNTRY/PARTY, e.g. CH/CPO");
        }
        std::optional<eth::PrivateKey> signer;
        if ((o.sign || party.signatures) && !dialect.is_ocpi()) {
            signer = party::stored_signer(store);
            if (!signer) {
                throw std::runtime_error("the " + o.as +
                                         " has no signer key to sign with (it is kept when the party "
                                         "is listed in the registry with SIGNER_KEY)");
            }
        }
        const auto& me = party.roles.front();
        const scpi::RoutingHeaders routing{me.country_code, me.party_id, to.substr(0, 2), to.substr(3)};

        // What to send.
        std::string method = "GET";
        std::string path;
        std::optional<std::string> body = o.data ? std::optional(read_data(*o.data)) : std::nullopt;
        const auto& w = o.words;
        const auto results = party.public_url + dialect.path("/scpi/sender/2.2/commands/");
        if (w.empty()) {
            throw std::runtime_error("say what to send, e.g. `get locations` or `start-session --location Loc1`");
        } else if (w[0] == "start-session") {
            if (!o.location) {
                throw std::runtime_error("start-session needs --location");
            }
            method = "POST";
            path = "commands/START_SESSION";
            json::object cmd{{"response_url", results + "START_SESSION/" + core::random_uuid()},
                             {"token", json::parse(token_json(o.token_uid.value_or("0")))},
                             {"location_id", *o.location}};
            if (o.evse) {
                cmd["evse_uid"] = *o.evse;
            }
            body = json::serialize(cmd);
        } else if (w[0] == "stop-session") {
            if (w.size() != 2) {
                throw std::runtime_error("usage: stop-session <session id>");
            }
            method = "POST";
            path = "commands/STOP_SESSION";
            body = json::serialize(
                json::object{{"response_url", results + "STOP_SESSION/" + core::random_uuid()}, {"session_id", w[1]}});
        } else if (w[0] == "reserve") {
            if (!o.location) {
                throw std::runtime_error("reserve needs --location (and usually --evse)");
            }
            method = "POST";
            path = "commands/RESERVE_NOW";
            json::object cmd{{"response_url", results + "RESERVE_NOW/" + core::random_uuid()},
                             {"token", json::parse(token_json(o.token_uid.value_or("0")))},
                             {"expiry_date", o.expiry.value_or(core::format_datetime(core::system_clock().now() +
                                                                                     std::chrono::hours(2)))},
                             {"reservation_id", o.reservation_id.value_or(core::random_uuid().substr(0, 8))},
                             {"location_id", *o.location}};
            if (o.evse) {
                cmd["evse_uid"] = *o.evse;
            }
            body = json::serialize(cmd);
        } else if (w[0] == "cancel-reservation") {
            if (w.size() != 2) {
                throw std::runtime_error("usage: cancel-reservation <reservation id>");
            }
            method = "POST";
            path = "commands/CANCEL_RESERVATION";
            body = json::serialize(json::object{{"response_url", results + "CANCEL_RESERVATION/" + core::random_uuid()},
                                                {"reservation_id", w[1]}});
        } else if (w.size() == 2) {
            method = w[0];
            std::transform(method.begin(), method.end(), method.begin(), ::toupper);
            path = w[1];
        } else {
            throw std::runtime_error("expected METHOD PATH (e.g. get locations/Loc1) or a verb");
        }
        // Pulling and answering go to the recipient's sender interface; pushes and commands to its receiver.
        const bool to_sender = method == "GET" || path.find("/authorize") != std::string::npos;
        boost::asio::io_context ioc;
        http::Client client(ioc.get_executor());
        std::string url;
        if (connection) {
            url = connection->node_url + "/scpi/" + (to_sender ? "sender" : "receiver") + "/2.2/" + path;
            if (path.starts_with("hubclientinfo")) {
                url = connection->node_url + "/scpi/2.2/" + path;  // the node's own module, at its own path
            }
        } else {
            const auto cut = path.find_first_of("/?");
            const std::string module = path.substr(0, cut);
            url = peer_endpoint(ioc, client, *direct, dialect, module,
                                to_sender ? scpi::InterfaceRole::SENDER : scpi::InterfaceRole::RECEIVER) +
                  (cut == std::string::npos ? "" : path.substr(cut));
        }
        json::array all;
        service::Reply last;
        for (int page = 0; page < 10000; ++page) {
            service::Call call;
            call.method = http::method_from_string(method);
            call.url = url;
            call.token = connection ? connection->token_c : direct->token;
            call.routing = routing;
            call.body = body;
            call.signer = signer;
            call.dialect = &dialect;
            last = send(ioc, client, std::move(call));
            if (signer && last.ok()) {
                if (const auto problem = service::answer_signature_problem(last.body, last.headers)) {
                    std::cerr << "scn-tools request: the answer's signature does not verify: " << *problem << "\n";
                }
            }
            if (!o.all_pages || !last.ok() || !last.data.is_array()) {
                break;
            }
            for (auto& item : last.data.get_array()) {
                all.push_back(item);
            }
            const auto link = last.headers.get("Link");
            if (!link || link->find("rel=\"next\"") == std::string_view::npos) {
                break;
            }
            url = std::string(link->substr(1, link->find('>') - 1));
        }
        std::string out;
        if (o.all_pages && last.ok()) {
            json::value merged = json::object{{"status_code", 1000}, {"data", std::move(all)}};
            last.body = scpi::dump(merged);
        }
        if (o.raw || ::isatty(STDOUT_FILENO) != 1) {
            out = last.body;
        } else {
            boost::system::error_code ec;
            const auto doc = json::parse(last.body, ec);
            if (ec) {
                out = last.body;
            } else {
                pretty(out, doc, 0);
            }
        }
        std::cout << out << "\n";
        if (!last.ok()) {
            std::cerr << "scn-tools request: " << last.describe() << "\n";
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools request: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
