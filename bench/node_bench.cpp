// What the node does to every answer it relays: validate it as JSON and read its top-level status_code, against
// building the whole document with boost::json::parse (the baseline) in the same run. The answer is the envelope of
// one generated location, as in the node's load benchmark.
#include <scn/node/envelope_scan.hpp>
#include <scn/party/location_generator.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

namespace {

const std::string& envelope() {
    static const std::string text = [] {
        scn::party::LocationGenerator gen(7);
        return R"({"status_code":1000,"data":)" + gen.location(1, "2025-06-01T12:00:00.000Z") +
               R"(,"timestamp":"2026-12-01T12:00:00.000Z"})";
    }();
    return text;
}

void BaselineBoostJsonParse(benchmark::State& state) {
    for (auto _ : state) {
        auto v = boost::json::parse(envelope());
        benchmark::DoNotOptimize(v);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * envelope().size()));
}

void ScanEnvelope(benchmark::State& state) {
    for (auto _ : state) {
        auto scan = scn::node::scan_envelope(envelope());
        benchmark::DoNotOptimize(scan);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * envelope().size()));
}

}  // namespace

BENCHMARK(BaselineBoostJsonParse);
BENCHMARK(ScanEnvelope);
BENCHMARK_MAIN();
