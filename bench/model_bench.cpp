// Parse and serialise a page of 1,000 realistic locations through the SCPI model, against plain Boost.JSON
// parse/serialise of the same bytes (the baseline) in the same run.
#include <scn/party/location_generator.hpp>
#include <scn/scpi/locations.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

namespace {

const std::string& page() {
    static const std::string text = [] {
        scn::party::LocationGenerator gen(7);
        std::string out = "[";
        for (std::uint64_t i = 1; i <= 1000; ++i) {
            out += i > 1 ? "," : "";
            out += gen.location(i, "2025-06-01T12:00:00.000Z");
        }
        return out + "]";
    }();
    return text;
}

void BaselineBoostJsonParse(benchmark::State& state) {
    for (auto _ : state) {
        auto v = boost::json::parse(page());
        benchmark::DoNotOptimize(v);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}

void ModelParse(benchmark::State& state) {
    for (auto _ : state) {
        auto locations = scn::scpi::from_json<std::vector<scn::scpi::Location>>(scn::scpi::parse_json(page()));
        benchmark::DoNotOptimize(locations);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}

void BaselineBoostJsonSerialize(benchmark::State& state) {
    const auto v = boost::json::parse(page());
    for (auto _ : state) {
        auto text = boost::json::serialize(v);
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}

void ModelSerialize(benchmark::State& state) {
    const auto locations = scn::scpi::from_json<std::vector<scn::scpi::Location>>(scn::scpi::parse_json(page()));
    for (auto _ : state) {
        auto text = scn::scpi::to_text(locations);
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}

}  // namespace

BENCHMARK(BaselineBoostJsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(ModelParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BaselineBoostJsonSerialize)->Unit(benchmark::kMillisecond);
BENCHMARK(ModelSerialize)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
