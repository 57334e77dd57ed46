// `scn-tools outbox --cpo|--msp`: the messages a mock party has not delivered yet, and those it gave up on.
#include <scn/cli/common.hpp>
#include <scn/core/datetime.hpp>
#include <scn/store/database.hpp>
#include <scn/store/outbox.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

namespace scn::cli {
namespace {

namespace json = boost::json;

std::string when(core::TimePoint t) {
    return t.time_since_epoch().count() == 0 ? std::string("-") : core::format_datetime(t);
}

json::object pending_json(const store::OutboxMessage& m) {
    return {{"id", m.id},
            {"key", m.key},
            {"method", m.method},
            {"target", m.target},
            {"attempts", m.attempts},
            {"next_attempt", when(m.next_attempt)},
            {"last_error", m.last_error},
            {"created", when(m.created)}};
}

json::object dead_json(const store::DeadLetter& d) {
    return {{"id", d.id},          {"key", d.key},           {"method", d.method},         {"target", d.target},
            {"body", d.body},      {"attempts", d.attempts}, {"last_error", d.last_error}, {"created", when(d.created)},
            {"died", when(d.died)}};
}

}  // namespace

int run_outbox(const GlobalOptions& global, const OutboxOptions& o) {
    // Output is for people and scripts: only warnings and errors are logged, and they go to stderr.
    auto quiet = std::make_shared<core::ConsoleSink>();
    quiet->set_min_level(core::LogLevel::warn);
    const core::Logger log("", quiet);
    try {
        std::filesystem::path file;
        if (o.db) {
            file = *o.db;
        } else {
            const auto cfg = load_config(global, log);
            file = o.party == OutboxOptions::Party::cpo ? cfg.cpo.db : cfg.msp.db;
        }
        if (!std::filesystem::exists(file)) {
            throw std::runtime_error("no database at " + file.string() +
                                     " (has the party run here? --db names another)");
        }
        // The party may be running: SQLite in WAL mode lets this process read (and revive) meanwhile.
        store::Database db(file);
        store::Outbox box(db);
        if (o.retry) {
            const auto id = box.revive(*o.retry, core::system_clock().now());
            if (!id) {
                throw std::runtime_error("no dead letter " + std::to_string(*o.retry) + " in " + file.string());
            }
            if (o.json) {
                std::cout << json::serialize(json::object{{"dead_id", *o.retry}, {"id", *id}}) << "\n";
            } else {
                std::cout << "Dead letter " << *o.retry << " queued again as message " << *id
                          << " (a running party sends it within a minute)\n";
            }
            return 0;
        }
        if (o.dead) {
            const auto dead = box.dead_letters(o.limit);
            if (o.json) {
                json::array out;
                for (const auto& d : dead) {
                    out.push_back(dead_json(d));
                }
                std::cout << json::serialize(out) << "\n";
                return 0;
            }
            if (dead.empty()) {
                std::cout << "No dead letters in " << file.string() << "\n";
            }
            for (const auto& d : dead) {
                std::cout << d.id << "  " << d.key << "  " << d.method << " " << d.target << "  attempts " << d.attempts
                          << "  died " << when(d.died) << "  last error: " << d.last_error << "\n";
            }
            return 0;
        }
        const auto pending = box.list(o.limit);
        if (o.json) {
            json::array out;
            for (const auto& m : pending) {
                out.push_back(pending_json(m));
            }
            std::cout << json::serialize(out) << "\n";
            return 0;
        }
        if (pending.empty()) {
            std::cout << "No messages waiting in " << file.string() << " (" << box.dead_count()
                      << " dead letters: --dead lists them)\n";
        }
        for (const auto& m : pending) {
            std::cout << m.id << "  " << m.key << "  " << m.method << " " << m.target << "  attempts " << m.attempts
                      << "  next " << (m.attempts == 0 ? std::string("now") : when(m.next_attempt));
            if (!m.last_error.empty()) {
                std::cout << "  last error: " << m.last_error;
            }
            std::cout << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools outbox: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
