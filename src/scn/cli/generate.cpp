// `scn-tools generate locations`: a realistic, deterministic data set of any size for the mock CPO.
#include <scn/cli/options.hpp>
#include <scn/core/datetime.hpp>
#include <scn/party/location_generator.hpp>
#include <scn/store/catalog.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <unistd.h>

namespace scn::cli {
namespace {

class Progress {
public:
    explicit Progress(std::uint64_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}
    void update(std::uint64_t done) {
        if (!enabled_ || (done % 10000 != 0 && done != total_)) {
            return;
        }
        const unsigned percent = static_cast<unsigned>(total_ == 0 ? 100 : done * 100 / total_);
        constexpr unsigned kWidth = 30;
        const std::string bar(percent * kWidth / 100, '#');
        std::fprintf(stderr, "\r[%-30s] %3u%%  %llu / %llu locations", bar.c_str(), percent,
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
        if (done == total_) {
            std::fputc('\n', stderr);
        }
    }

private:
    std::uint64_t total_;
    bool enabled_;
};

void write_text(const std::filesystem::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error(path.string() + ": cannot write");
    }
}

}  // namespace

int run_generate(const GlobalOptions&, const GenerateOptions& options) {
    try {
        party::LocationGenerator gen(options.seed);
        std::filesystem::create_directories(options.out);
        const bool as_json = options.count <= 10'000;
        // Spread last_updated over the year before a fixed date, in increasing order (the pagination order).
        const auto end = *core::parse_datetime("2026-01-01T00:00:00Z");
        const auto span = std::chrono::milliseconds(365LL * 24 * 3600 * 1000);
        const auto step = options.count > 0 ? span / static_cast<std::int64_t>(options.count) : span;
        Progress progress(options.count);
        std::unique_ptr<store::DatasetWriter> writer;
        std::ofstream array_out;
        if (as_json) {
            array_out.open(options.out / "locations.json", std::ios::binary | std::ios::trunc);
            array_out << "[\n";
            for (const char* stale : {"locations.idx", "locations.jsonl", "locations.lz4"}) {
                std::filesystem::remove(options.out / stale);
            }
        } else {
            using Format = store::DatasetWriter::Format;
            const auto format = options.format == "plain"        ? Format::plain
                                : options.format == "compressed" ? Format::compressed
                                                                 : Format::both;
            writer = std::make_unique<store::DatasetWriter>(options.out, "locations", format);
            std::filesystem::remove(options.out / "locations.json");
        }
        for (std::uint64_t i = 1; i <= options.count; ++i) {
            const auto when = end - span + step * static_cast<std::int64_t>(i - 1);
            const std::string updated = core::format_datetime(when);
            const std::string loc = gen.location(i, updated);
            if (writer) {
                writer->add("Loc" + std::to_string(i), when, loc);
            } else {
                array_out << (i > 1 ? ",\n" : "") << loc;
            }
            progress.update(i);
        }
        if (writer) {
            writer->finish();
        } else {
            array_out << "\n]\n";
            array_out.close();
            if (!array_out) {
                throw std::runtime_error((options.out / "locations.json").string() + ": cannot write");
            }
        }
        // Make the directory a complete CPO data directory: tariffs 1-3 as referenced, no sessions or CDRs yet.
        const auto tariffs = std::filesystem::path("data/cpo/tariffs.json");
        if (std::filesystem::exists(tariffs)) {
            std::filesystem::copy_file(tariffs, options.out / "tariffs.json",
                                       std::filesystem::copy_options::overwrite_existing);
        }
        for (const char* name : {"sessions.json", "cdrs.json"}) {
            if (!std::filesystem::exists(options.out / name)) {
                write_text(options.out / name, "[]\n");
            }
        }
        std::cout << "Wrote " << options.count << " locations to " << options.out.string()
                  << (as_json                          ? " (locations.json)"
                      : options.format == "plain"      ? " (locations.jsonl + locations.idx)"
                      : options.format == "compressed" ? " (locations.lz4 + locations.idx)"
                                                       : " (locations.lz4 + locations.jsonl + locations.idx)")
                  << "\n"
                  << "Serve them with: scn-tools mock --cpo --data " << options.out.string() << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "scn-tools generate: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace scn::cli
