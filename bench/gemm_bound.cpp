// The floor under one training epoch of the MNIST MLP: only its matrix products, timed as direct
// OpenBLAS calls at the exact shapes of one training step. Whatever a framework adds (bias,
// activations, loss, optimiser, bookkeeping) comes on top of this number. Each product is timed
// alone, back to back on warm buffers; OpenBLAS's speed at a shape can differ inside a real loop.
// A product C = A·B can also be computed as Cᵀ = Bᵀ·Aᵀ, and OpenBLAS is not equally fast at both
// (784-128 forward in float32: about 1330 us against 1035 us on a Zen 1), so both are timed and
// the faster counts: the bound holds whichever form a framework picks.
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

#include <cblas.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

// OpenBLAS extensions; declared here too so that a netlib cblas.h alternative still compiles
// (the library we link is OpenBLAS either way: FindBLAS is asked for it).
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);

namespace {

constexpr int kInputs = 784;
constexpr int kClasses = 10;
constexpr int kTrainSamples = 60000;

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
    double microseconds = 0;  // the faster of the two forms
    double direct_us = 0, transposed_us = 0;

    /// The same product as Cᵀ = op(B)ᵀ·op(A)ᵀ: an n x m result, operands and flags swapped.
    Product transposed() const { return {layer, what, !trans_b, !trans_a, n, m, k}; }
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
        products.push_back({l, "forward", false, false, n, out, in});
        products.push_back({l, "weight_grad", true, false, in, out, n});
        if (l > 1) products.push_back({l, "input_grad", false, true, n, in, out});
    }
    return products;
}

template <class T>
void gemm(const Product& p, const T* a, const T* b, T* c) {
    // A is stored m x k, or k x m when transposed; B is k x n, or n x k when transposed.
    const auto ta = p.trans_a ? CblasTrans : CblasNoTrans;
    const auto tb = p.trans_b ? CblasTrans : CblasNoTrans;
    const int lda = p.trans_a ? p.m : p.k;
    const int ldb = p.trans_b ? p.k : p.n;
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, ta, tb, p.m, p.n, p.k, 1.0f, a, lda, b, ldb, 0.0f, c, p.n);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, p.m, p.n, p.k, 1.0, a, lda, b, ldb, 0.0, c, p.n);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/// Median over `rounds` of the mean time of one call, in microseconds.
template <class T>
double time_product(const Product& p, int rounds, std::mt19937_64& rng) {
    std::uniform_real_distribution<T> value(T(-0.5), T(0.5));
    std::vector<T> a(std::size_t(p.m) * p.k), b(std::size_t(p.k) * p.n), c(std::size_t(p.m) * p.n);
    for (auto& x : a) x = value(rng);
    for (auto& x : b) x = value(rng);
    const auto run = [&](int reps) {
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r) gemm(p, a.data(), b.data(), c.data());
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    run(10);  // warm-up: page faults, OpenBLAS thread start-up, caches
    // Enough calls per round for about 20 ms, far above the clock's resolution.
    const double once = run(10) / 10;
    const int reps = static_cast<int>(std::clamp(0.02 / once, 1.0, 1e6));
    std::vector<double> per_call;
    for (int r = 0; r < rounds; ++r) per_call.push_back(run(reps) / reps);
    return median(per_call) * 1e6;
}

template <class T>
void run(const Options& opt) {
    std::mt19937_64 rng(1);
    std::vector<Product> products = step_products(opt);
    double step_us = 0;
    for (auto& p : products) {
        p.direct_us = time_product<T>(p, opt.rounds, rng);
        p.transposed_us = time_product<T>(p.transposed(), opt.rounds, rng);
        step_us += p.microseconds = std::min(p.direct_us, p.transposed_us);
    }
    const int steps = kTrainSamples / opt.batch_size;  // full batches only, like the trainers

    nlohmann::json out = {{"impl", "gemm-bound"},
                          {"hidden", opt.hidden},
                          {"dtype", opt.dtype},
                          {"threads", opt.threads},
                          {"blas_threads", openblas_get_num_threads()},
                          {"batch_size", opt.batch_size},
                          {"products", nlohmann::json::array()}};
    for (const Product& p : products)
        out["products"].push_back({{"layer", p.layer},
                                   {"what", p.what},
                                   {"m", p.m},
                                   {"n", p.n},
                                   {"k", p.k},
                                   {"microseconds", p.microseconds},
                                   {"direct_microseconds", p.direct_us},
                                   {"transposed_microseconds", p.transposed_us}});
    out["steps_per_epoch"] = steps;
    out["step_microseconds"] = step_us;
    out["epoch_seconds"] = step_us * 1e-6 * steps;
    std::cout << out.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Time OpenBLAS alone at the products of one MLP training step.", "gemm-bound"};
    app.add_option("--hidden", opt.hidden, "hidden layer sizes, e.g. 128 or 256,128")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-size", opt.batch_size, "rows of a batch")
        ->check(CLI::Range(1, kTrainSamples));
    app.add_option("--threads", opt.threads, "OpenBLAS threads")->check(CLI::PositiveNumber);
    app.add_option("--dtype", opt.dtype, "float32 or float64")
        ->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--rounds", opt.rounds, "timing rounds (the median is kept)")
        ->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    openblas_set_num_threads(opt.threads);
    if (opt.dtype == "float32")
        run<float>(opt);
    else
        run<double>(opt);
    return 0;
}
