// The round trip of a cache line between two cores (core_round_trip.hpp), on its own: to watch
// whether the host has moved the virtual CPUs apart, e.g. `while :; do core-latency; sleep 10;
// done` beside a 2-thread run.
//
//     core-latency [--rounds 20000] [--repeats 15]
//
// Prints one JSON line on stdout: the median round trip over the repeats, in nanoseconds.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core_round_trip.hpp"

int main(int argc, char** argv) {
    CLI::App app("Time a cache line's round trip between two cores");
    std::uint32_t rounds = 20000, repeats = 15;
    app.add_option("--rounds", rounds, "hand-overs per repeat")->check(CLI::PositiveNumber);
    app.add_option("--repeats", repeats, "repeats, each on its own line; the median is reported")
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    nlohmann::json result = {{"impl", "core-latency"}, {"rounds", rounds}, {"repeats", repeats}};
    if (const auto trip = bench::core_round_trip(rounds, repeats)) {
        result["cpus"] = trip->cpus;
        result["round_trip_ns"] = trip->median_ns;
        result["round_trip_ns_min"] = trip->min_ns;
        result["round_trip_ns_max"] = trip->max_ns;
    } else {
        result["round_trip_ns"] = nullptr;
        result["note"] = "this process may run on one CPU only";
    }
    std::cout << result.dump() << std::endl;
}
