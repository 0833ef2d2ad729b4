// The machine's floating-point peak per core, as xtgrad is compiled for it: independent chains
// of fused multiply-adds on the widest SIMD registers xsimd finds for the build's -march (the
// benchmarks build with native), on 1 and 2 threads. The bench table divides gemm and epoch
// speeds by it.
//
//     peak-flops [--threads 1] [--dtype float32|float64]
//
// Prints one JSON line on stdout.
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xsimd/xsimd.hpp>

namespace {

// Enough independent accumulators to cover an FMA unit's latency times its issue width
// (4 cycles x 2 ports on current x86 cores, with room to spare).
constexpr int kChains = 16;

/// FLOP/s of one thread running `iterations` rounds of kChains FMAs.
template <class T>
double fma_rate(long iterations) {
    using Batch = xsimd::batch<T>;
    Batch acc[kChains];
    for (int i = 0; i < kChains; ++i) acc[i] = Batch(T(i) * T(1e-3));
    const Batch x(T(0.999999)), y(T(1e-7));
    const auto start = std::chrono::steady_clock::now();
    for (long it = 0; it < iterations; ++it)
        for (int i = 0; i < kChains; ++i) acc[i] = xsimd::fma(acc[i], x, y);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Every chain's result is used: a sink of one chain let the compiler drop the other 15, and
    // the program then timed one chain's latency and counted it 16 times (313 GFLOP/s float32
    // on a Zen 4 core that does 117).
    alignas(64) T lanes[Batch::size];
    T total = 0;
    for (int i = 0; i < kChains; ++i) {
        acc[i].store_aligned(lanes);
        for (const T lane : lanes) total += lane;
    }
    volatile T sink = total;
    (void)sink;
    return 2.0 * Batch::size * kChains * static_cast<double>(iterations) / seconds;
}

template <class T>
nlohmann::json measure(int threads) {
    const long iterations = 50'000'000;
    double best = 0;
    for (int round = 0; round < 5; ++round) {
        std::vector<double> rates(threads);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] { rates[t] = fma_rate<T>(iterations); });
        for (auto& w : workers) w.join();
        double total = 0;
        for (double r : rates) total += r;
        best = std::max(best, total);
    }
    return {{"impl", "peak-flops"},
            {"dtype", std::is_same_v<T, float> ? "float32" : "float64"},
            {"threads", threads},
            {"simd", xsimd::default_arch::name()},
            {"lanes", xsimd::batch<T>::size},
            {"gflops", best * 1e-9},
            {"gflops_per_thread", best * 1e-9 / threads}};
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 1;
    std::string dtype = "float32";
    CLI::App app{"Peak fused multiply-add throughput of this CPU.", "peak-flops"};
    app.add_option("--threads", threads, "threads")->check(CLI::PositiveNumber);
    app.add_option("--dtype", dtype, "float32 or float64")
        ->check(CLI::IsMember({"float32", "float64"}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    std::cout << (dtype == "float32" ? measure<float>(threads) : measure<double>(threads)).dump()
              << std::endl;
    return 0;
}
