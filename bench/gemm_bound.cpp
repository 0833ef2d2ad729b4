// The floor under one training epoch of the MNIST MLP: only its matrix products, timed at the
// exact shapes of one training step through every gemm backend xtgrad has (OpenBLAS with the
// kernels xtgrad makes it use, oneDNN for float32); the fastest counts. Whatever a framework adds
// (bias, activations, loss, optimiser, bookkeeping) comes on top of this number. Each product is
// timed alone, back to back on warm buffers; a library's speed at a shape can differ inside a
// real loop. A product C = A·B can also be computed as Cᵀ = Bᵀ·Aᵀ, and a library is not equally
// fast at both, so both are timed and the faster counts: the bound holds whichever form a
// framework picks. At more than one thread oneDNN's products are also timed split along the
// weight's rows by xtgrad's threads (blas::Split), as training runs them.
//
//     gemm-bound [--hidden 128|256,128] [--batch-size 100] [--threads 1]
//                [--dtype float32|float64] [--rounds 7]
//
// Prints one JSON line on stdout.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <xtgrad/autograd/blas.hpp>

#include "core_round_trip.hpp"
#include "measure.hpp"

namespace {

using bench::median;

constexpr int kInputs = 784;
constexpr int kClasses = 10;
constexpr int kTrainSamples = 60000;
constexpr int kTestSamples = 10000;

struct Options {
    std::vector<int> hidden{128};
    int batch_size = 100;
    int threads = 1;
    std::string dtype = "float32";
    int rounds = 7;
};

/// One product C (m x n) = op(A) · op(B) of a training step, row-major, op = optional transpose.
struct Product {
    int layer;
    const char* what;
    bool trans_a, trans_b;
    int m, n, k;
    double microseconds = 0;                            // the fastest backend and form
    std::string backend;                                // which backend that was
    nlohmann::json timings = nlohmann::json::object();  // backend -> {direct, transposed}

    /// The same product as Cᵀ = op(B)ᵀ·op(A)ᵀ: an n x m result, operands and flags swapped.
    Product transposed() const { return {layer, what, !trans_b, !trans_a, n, m, k, 0, {}, {}}; }
};

// Layer l maps in -> out with W stored in x out. Forward Y = X·W; weight gradient Xᵀ·G;
// input gradient G·Wᵀ, except for layer 1: the data never needs a gradient.
std::vector<Product> step_products(const Options& opt) {
    std::vector<int> dims{kInputs};
    dims.insert(dims.end(), opt.hidden.begin(), opt.hidden.end());
    dims.push_back(kClasses);
    const int n = opt.batch_size;
    std::vector<Product> products;
    for (int l = 1; l < static_cast<int>(dims.size()); ++l) {
        const int in = dims[l - 1], out = dims[l];
        products.push_back({l, "forward", false, false, n, out, in, 0, {}, {}});
        products.push_back({l, "weight_grad", true, false, in, out, n, 0, {}, {}});
        if (l > 1) products.push_back({l, "input_grad", false, true, n, in, out, 0, {}, {}});
    }
    return products;
}

/// How xtgrad's threads split the product along its weight's rows (blas.hpp): the forward
/// along k, the weight gradient along its rows, the input gradient along its columns.
xtgrad::blas::Split split_along_weight_rows(const Product& p) {
    using xtgrad::blas::Split;
    const std::string what = p.what;
    return what == "forward" ? Split::inner
                             : (what == "weight_grad" ? Split::rows : Split::columns);
}

/// Median over `rounds` of the mean time of one call, in microseconds, through xtgrad's gemm
/// (whichever backend is set), split as `split` says.
template <class T>
double time_product(const Product& p, int rounds, std::mt19937_64& rng,
                    xtgrad::blas::Split split = xtgrad::blas::Split::backend) {
    using xtgrad::Array;
    std::uniform_real_distribution<T> value(T(-0.5), T(0.5));
    // A is stored m x k, or k x m when transposed; B is k x n, or n x k when transposed.
    Array<T> a =
        xtgrad::empty_array<T>(p.trans_a ? xtgrad::Shape{std::size_t(p.k), std::size_t(p.m)}
                                         : xtgrad::Shape{std::size_t(p.m), std::size_t(p.k)});
    Array<T> b =
        xtgrad::empty_array<T>(p.trans_b ? xtgrad::Shape{std::size_t(p.n), std::size_t(p.k)}
                                         : xtgrad::Shape{std::size_t(p.k), std::size_t(p.n)});
    Array<T> c = xtgrad::empty_array<T>({std::size_t(p.m), std::size_t(p.n)});
    for (auto& x : a) x = value(rng);
    for (auto& x : b) x = value(rng);
    const auto run = [&](int reps) {
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r)
            xtgrad::blas::gemm("gemm-bound", a, p.trans_a, b, p.trans_b, c, T(1), T(0), split);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    run(10);  // warm-up: page faults, thread start-up, caches, JIT
    // Enough calls per round for about 20 ms, far above the clock's resolution.
    const double once = run(10) / 10;
    const int reps = static_cast<int>(std::clamp(0.02 / once, 1.0, 1e6));
    std::vector<double> per_call;
    for (int r = 0; r < rounds; ++r) per_call.push_back(run(reps) / reps);
    return median(per_call) * 1e6;
}

template <class T>
void run(const Options& opt) {
    using xtgrad::blas::Backend;
    std::mt19937_64 rng(1);
    std::vector<Product> products = step_products(opt);
    // The hand-over between the two threads' cores, before and after (core_round_trip.hpp).
    const auto trip_before = opt.threads > 1 ? bench::core_round_trip() : std::nullopt;
    std::vector<Backend> backends{Backend::openblas};
    if (std::is_same_v<T, float> && xtgrad::blas::has_onednn()) backends.push_back(Backend::onednn);
    double step_us = 0;
    for (auto& p : products) {
        p.microseconds = 1e300;
        for (Backend backend : backends) {
            xtgrad::blas::set_backend(backend);
            const std::string name(xtgrad::blas::backend_name(backend));
            const double direct = time_product<T>(p, opt.rounds, rng);
            const double transposed = time_product<T>(p.transposed(), opt.rounds, rng);
            p.timings[name] = {{"direct", direct}, {"transposed", transposed}};
            if (std::min(direct, transposed) < p.microseconds) {
                p.microseconds = std::min(direct, transposed);
                p.backend = name;
            }
            // The split xtgrad's own threads make of a weight's products is a candidate too.
            if (backend == Backend::onednn && opt.threads > 1) {
                const double split =
                    time_product<T>(p, opt.rounds, rng, split_along_weight_rows(p));
                p.timings[name + " split along the weight's rows"] = {{"direct", split}};
                if (split < p.microseconds) {
                    p.microseconds = split;
                    p.backend = name + " split along the weight's rows";
                }
            }
        }
        step_us += p.microseconds;
    }
    xtgrad::blas::set_backend(Backend::automatic);
    const auto trip_after = trip_before ? bench::core_round_trip() : std::nullopt;
    const int steps = kTrainSamples / opt.batch_size;  // full batches only, like the trainers
    const auto report = xtgrad::blas::backend_report();
    nlohmann::json out = {{"impl", "gemm-bound"},
                          {"hidden", opt.hidden},
                          {"dtype", opt.dtype},
                          {"threads", opt.threads},
                          {"blas_threads", xtgrad::blas::num_threads()},
                          {"openblas_core", report.openblas_core},
                          {"openblas_core_source", report.openblas_core_source},
                          {"onednn_isa", report.onednn_isa},
                          {"batch_size", opt.batch_size},
                          {"products", nlohmann::json::array()}};
    double flops = 0;
    for (const Product& p : products) {
        flops += 2.0 * p.m * p.n * p.k;
        out["products"].push_back({{"layer", p.layer},
                                   {"what", p.what},
                                   {"m", p.m},
                                   {"n", p.n},
                                   {"k", p.k},
                                   {"microseconds", p.microseconds},
                                   {"backend", p.backend},
                                   {"timings", p.timings}});
    }
    if (trip_before && trip_after)
        out["core_round_trip_ns"] = {trip_before->median_ns, trip_after->median_ns};
    out["steps_per_epoch"] = steps;
    out["step_microseconds"] = step_us;
    out["step_gflops"] = flops / step_us * 1e-3;
    out["epoch_seconds"] = step_us * 1e-6 * steps;
    // Evaluating the 10 000 test images in batches: the forward products alone.
    double forward_us = 0;
    for (const Product& p : products)
        if (std::string(p.what) == "forward") forward_us += p.microseconds;
    out["eval_seconds"] = forward_us * 1e-6 * (kTestSamples / opt.batch_size);
    std::cout << out.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Time every gemm backend at the products of one MLP training step.", "gemm-bound"};
    app.add_option("--hidden", opt.hidden, "hidden layer sizes, e.g. 128 or 256,128")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-size", opt.batch_size, "rows of a batch")
        ->check(CLI::Range(1, kTrainSamples));
    app.add_option("--threads", opt.threads, "OpenBLAS and oneDNN threads")
        ->check(CLI::PositiveNumber);
    app.add_option("--dtype", opt.dtype, "float32 or float64")
        ->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--rounds", opt.rounds, "timing rounds (the median is kept)")
        ->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    xtgrad::blas::set_num_threads(opt.threads);
    if (opt.dtype == "float32")
        run<float>(opt);
    else
        run<double>(opt);
    return 0;
}
