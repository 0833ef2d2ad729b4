// The fused convolution against its floor, at the two layers of mnist-train's CNN (batch 100,
// 5x5 kernels, padding 2): conv1 (1, 28, 28) -> 16 channels, conv2 (16, 14, 14) -> 32 channels.
//
// The fused op (what nn::Conv2d runs: nn::fused::conv2d) runs oneDNN's convolution primitives
// when float32 products run on oneDNN (the default where the build has it); otherwise, and as
// timed second here with products pinned to OpenBLAS, it does per image an im2col and one gemm,
// and in the backward recomputes the columns, two gemms and a col2im, plus the bias and its
// gradient (the parts timed below are that path's). Its floor is the gemms of the whole batch's im2col products, each timed alone on warm
// buffers through blas::gemm, with P = N OH OW positions, K = C kh kw and the layer's out:
//     forward      cols (P, K) . W^T (K, out)
//     weight grad  cols^T (K, P) . G (P, out)
//     input grad   G (P, out) . W (out, K)      (the columns' gradient; not for conv1, whose
//                                                input is the data and needs none)
// As in gemm-bound, each product is timed on every backend and as C = A B and C^T = B^T A^T,
// and the fastest counts. Everything else the op does (im2col, col2im, the bias, its layout
// reorders) is what the ratio measures. The output gradient is handed to the backward as a
// training step hands it (written by the next layer's backward, here moved in as the seed), so
// no copy of it is charged to the op. The fused step and the bound's products are then timed in
// alternating rounds, and the ratio is the median of the rounds' ratios: the machine's speed
// drifts, and a ratio of two figures taken minutes apart drifts with it.
//
//     conv-bound [--batch-size 100] [--threads 1] [--rounds 7]
//
// Prints one JSON line on stdout.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/nn/nn.hpp>

#include "measure.hpp"

namespace {

using bench::median;

using namespace xtgrad;

struct Options {
    std::size_t batch_size = 100;
    int threads = 1;
    int rounds = 7;
};

struct Layer {
    const char* name;
    std::size_t channels, side, out;
    bool input_grad;  // whether the backward computes the input's gradient
};
constexpr std::size_t kKernel = 5;
constexpr std::size_t kPadding = 2;
const std::vector<Layer> kLayers{{"conv1", 1, 28, 16, false}, {"conv2", 16, 14, 32, true}};

/// C (m x n) = op(A) op(B), row-major.
struct Product {
    const char* what;
    bool trans_a, trans_b;
    std::size_t m, n, k;

    /// The same product as C^T = op(B)^T op(A)^T.
    Product transposed() const { return {what, !trans_b, !trans_a, n, m, k}; }
};

std::vector<Product> layer_products(const Layer& l, std::size_t batch) {
    const std::size_t positions = batch * l.side * l.side;  // stride 1, "same" padding
    const std::size_t columns = l.channels * kKernel * kKernel;
    std::vector<Product> products{{"forward", false, false, positions, l.out, columns},
                                  {"weight_grad", true, false, columns, l.out, positions}};
    if (l.input_grad) products.push_back({"input_grad", false, true, positions, columns, l.out});
    return products;
}

/// Median over `rounds` of the mean seconds of one call, each round about 20 ms of calls.
double seconds_per_call(const std::function<void()>& call, int rounds) {
    const auto run = [&](int reps) {
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r) call();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    run(3);  // warm-up: page faults, thread start-up, caches, oneDNN's JIT
    const double once = run(3) / 3;
    const int reps = static_cast<int>(std::clamp(0.02 / once, 1.0, 1e6));
    std::vector<double> per_call;
    for (int r = 0; r < rounds; ++r) per_call.push_back(run(reps) / reps);
    return median(per_call);
}

Array<float> random_array(const Shape& shape, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> value(-0.5f, 0.5f);
    Array<float> a = empty_array<float>(shape);
    for (auto& x : a) x = value(rng);
    return a;
}

/// One product on its operands, ready to be timed.
struct Timed {
    Product p;
    Array<float> a, b, c;
    Timed(const Product& product, std::mt19937_64& rng)
        : p(product),
          a(random_array(p.trans_a ? Shape{p.k, p.m} : Shape{p.m, p.k}, rng)),
          b(random_array(p.trans_b ? Shape{p.n, p.k} : Shape{p.k, p.n}, rng)),
          c(empty_array<float>({p.m, p.n})) {}
    void operator()() { blas::gemm("conv-bound", a, p.trans_a, b, p.trans_b, c); }
};

/// The fastest way found for one product: its backend and form.
struct Fastest {
    blas::Backend backend;
    Product form;
};

/// The products' floor: per product the fastest backend and form; also the fastest form on
/// the backend xtgrad uses for float32 (it never switches per shape).
nlohmann::json gemm_floor(const Layer& layer, const Options& opt, std::mt19937_64& rng,
                          std::vector<Fastest>& fastest) {
    const blas::Backend own = blas::backend_of<float>();
    std::vector<blas::Backend> backends{blas::Backend::openblas};
    if (blas::has_onednn()) backends.push_back(blas::Backend::onednn);
    nlohmann::json products = nlohmann::json::array();
    double best_total = 0, own_total = 0, flops = 0;
    for (const Product& p : layer_products(layer, opt.batch_size)) {
        double best = 1e300, own_best = 1e300;
        nlohmann::json timings = nlohmann::json::object();
        Fastest found{own, p};
        for (const blas::Backend backend : backends) {
            blas::set_backend(backend);
            Timed direct(p, rng), transposed(p.transposed(), rng);
            const double direct_s = seconds_per_call([&] { direct(); }, opt.rounds);
            const double transposed_s = seconds_per_call([&] { transposed(); }, opt.rounds);
            timings[std::string(blas::backend_name(backend))] = {
                {"direct_us", direct_s * 1e6}, {"transposed_us", transposed_s * 1e6}};
            if (std::min(direct_s, transposed_s) < best)
                found = {backend, direct_s <= transposed_s ? p : p.transposed()};
            best = std::min({best, direct_s, transposed_s});
            if (backend == own) own_best = std::min(direct_s, transposed_s);
        }
        fastest.push_back(found);
        best_total += best;
        own_total += own_best;
        flops += 2.0 * static_cast<double>(p.m * p.n * p.k);
        products.push_back({{"what", p.what},
                            {"m", p.m},
                            {"n", p.n},
                            {"k", p.k},
                            {"microseconds", best * 1e6},
                            {"timings", timings}});
    }
    blas::set_backend(blas::Backend::automatic);
    return {{"products", products},
            {"search_bound_ms", best_total * 1e3},
            {"bound_ms_xtgrad_backend", own_total * 1e3},
            {"gemm_gflop", flops * 1e-9}};
}

/// nn::Conv2d at one layer's shapes, with an input and an output gradient.
struct ConvStep {
    StdRandom engine{1};
    nn::Conv2d<float> conv;
    Tensor<float> x;
    Array<float> seed, moved;
    bool input_grad;

    ConvStep(const Layer& layer, const Options& opt, std::mt19937_64& rng)
        : conv({.in_channels = layer.channels,
                .out_channels = layer.out,
                .kernel = {kKernel, kKernel},
                .padding = {kPadding, kPadding}},
               engine),
          x(random_array({opt.batch_size, layer.channels, layer.side, layer.side}, rng),
            layer.input_grad),
          seed(random_array({opt.batch_size, layer.out, layer.side, layer.side}, rng)),
          input_grad(layer.input_grad) {}

    void forward() {
        NoGradGuard no_grad;
        conv(x);
    }
    /// Untimed: the output gradient the next layer's backward would have written.
    void prepare() { moved = seed; }
    /// Forward then backward, as one training step runs them.
    void step() {
        conv.zero_grad();
        if (input_grad) x.zero_grad();
        conv(x).backward(std::move(moved));
    }
};

/// Median seconds of step() over `calls` calls, each after an untimed prepare().
double seconds_per_step(ConvStep& s, int calls) {
    std::vector<double> seconds;
    for (int i = 0; i < calls; ++i) {
        s.prepare();
        const auto start = std::chrono::steady_clock::now();
        s.step();
        seconds.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return median(seconds);
}

/// The fused op's forward, and its forward and backward in alternating rounds with the bound's
/// products (each in its fastest backend and form): the ratio is the median of the rounds'.
nlohmann::json time_fused(const Layer& layer, const Options& opt, std::mt19937_64& rng,
                          const std::vector<Fastest>& fastest) {
    ConvStep s(layer, opt, rng);
    const double forward = seconds_per_call([&] { s.forward(); }, opt.rounds);
    std::vector<Timed> products;
    for (const Fastest& f : fastest) products.emplace_back(f.form, rng);
    seconds_per_step(s, 3);  // warm-up
    std::vector<double> steps, bounds, ratios;
    for (int r = 0; r < opt.rounds; ++r) {
        const double step = seconds_per_step(s, 5);
        double bound = 0;
        for (std::size_t i = 0; i < products.size(); ++i) {
            blas::set_backend(fastest[i].backend);
            bound += seconds_per_call([&] { products[i](); }, 1);
        }
        blas::set_backend(blas::Backend::automatic);
        steps.push_back(step);
        bounds.push_back(bound);
        ratios.push_back(step / bound);
    }
    return {{"forward_ms", forward * 1e3},
            {"forward_backward_ms", median(steps) * 1e3},
            {"bound_ms", median(bounds) * 1e3},
            {"fused_over_bound", median(ratios)}};
}

/// The im2col path's forward and backward (products pinned to OpenBLAS).
double im2col_path_ms(const Layer& layer, const Options& opt, std::mt19937_64& rng) {
    blas::set_backend(blas::Backend::openblas);
    ConvStep s(layer, opt, rng);
    seconds_per_step(s, 2);  // warm-up
    const double ms = seconds_per_step(s, 2 * opt.rounds + 1) * 1e3;
    blas::set_backend(blas::Backend::automatic);
    return ms;
}

/// Where the fused op's time goes: its parts, each over the batch as the op runs them, image by
/// image. The backward recomputes the columns, so the op does im2col twice.
nlohmann::json time_parts(const Layer& layer, const Options& opt, std::mt19937_64& rng) {
    const Window2d window{.kernel = {kKernel, kKernel}, .padding = {kPadding, kPadding}};
    const auto g = detail::window_geometry(
        "conv-bound", {opt.batch_size, layer.channels, layer.side, layer.side}, window);
    const std::size_t positions = g.oh * g.ow;
    const std::size_t image_size = g.c * g.h * g.w;
    const Array<float> x = random_array({g.n, g.c, g.h, g.w}, rng);
    const Array<float> kernel = random_array({layer.out, g.columns()}, rng);
    const Array<float> grad = random_array({layer.out, positions}, rng);  // one image's
    Array<float> cols = empty_array<float>({g.columns(), positions});
    Array<float> y = empty_array<float>({layer.out, positions});
    Array<float> dw = empty_array<float>({layer.out, g.columns()});
    Array<float> dx = empty_array<float>({g.n, g.c, g.h, g.w});
    std::fill(dw.begin(), dw.end(), 0.0f);
    std::fill(dx.begin(), dx.end(), 0.0f);
    const auto over_batch = [&](const std::function<void(std::size_t)>& image) {
        return seconds_per_call(
                   [&] {
                       for (std::size_t n = 0; n < g.n; ++n) image(n);
                   },
                   opt.rounds) *
               1e3;
    };
    nlohmann::json parts = {{"im2col_ms", over_batch([&](std::size_t n) {
                                 detail::im2col_image(g, x.data() + n * image_size, cols.data());
                             })},
                            {"forward_gemms_ms", over_batch([&](std::size_t) {
                                 blas::gemm("conv-bound", kernel, false, cols, false, y);
                             })},
                            {"weight_grad_gemms_ms", over_batch([&](std::size_t) {
                                 blas::gemm("conv-bound", grad, false, cols, true, dw, 1.0f, 1.0f);
                             })}};
    if (layer.input_grad) {
        parts["input_grad_gemms_ms"] = over_batch(
            [&](std::size_t) { blas::gemm("conv-bound", kernel, true, grad, false, cols); });
        parts["col2im_ms"] = over_batch([&](std::size_t n) {
            detail::col2im_image_add(g, cols.data(), dx.data() + n * image_size);
        });
    }
    return parts;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Time the fused conv2d against the gemms of its im2col products.", "conv-bound"};
    app.add_option("--batch-size", opt.batch_size, "images per call")->check(CLI::PositiveNumber);
    app.add_option("--threads", opt.threads, "OpenBLAS and oneDNN threads")
        ->check(CLI::PositiveNumber);
    app.add_option("--rounds", opt.rounds, "timing rounds (the median is kept)")
        ->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    blas::set_num_threads(opt.threads);
    std::mt19937_64 rng(1);
    const auto report = blas::backend_report();
    nlohmann::json out = {{"impl", "conv-bound"},
                          {"dtype", "float32"},
                          {"threads", opt.threads},
                          {"batch_size", opt.batch_size},
                          {"gemm_float32", report.float32},
                          {"openblas_core", report.openblas_core},
                          {"onednn_isa", report.onednn_isa},
                          {"layers", nlohmann::json::array()}};
    for (const Layer& layer : kLayers) {
        std::vector<Fastest> fastest;
        nlohmann::json row = gemm_floor(layer, opt, rng, fastest);
        row.update(time_fused(layer, opt, rng, fastest));
        row["bound_gflops"] = row["gemm_gflop"].get<double>() / row["bound_ms"].get<double>() * 1e3;
        row["im2col_path_forward_backward_ms"] = im2col_path_ms(layer, opt, rng);
        row["per_image_parts"] = time_parts(layer, opt, rng);
        row["layer"] = layer.name;
        row["shape"] = std::to_string(layer.channels) + "x" + std::to_string(layer.side) + "x" +
                       std::to_string(layer.side) + " -> " + std::to_string(layer.out);
        row["forward_over_its_product"] = row["forward_ms"].get<double>() * 1e3 /
                                          row["products"][0]["microseconds"].get<double>();
        out["layers"].push_back(row);
    }
    std::cout << out.dump() << std::endl;
    return 0;
}
