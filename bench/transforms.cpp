// The cost of the function transforms on the MNIST MLP (784-128-10, softmax cross-entropy over
// one batch of 100): hvp against one gradient (forward + backward), jvp against one forward, in
// the same run (rounds interleaved, medians); and the Hessian of a 100-parameter function
// against five-point finite differences of its gradient. Prints one JSON line.
//
//     transforms [--dtype float64|float32] [--rounds 21]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/nn/nn.hpp>

namespace {

using namespace xtgrad;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <class T>
nlohmann::json time_transforms(std::size_t rounds) {
    StdRandom rng(1);
    auto mlp = nn::make_mlp<T>({{784, 128, 10}, nn::Activation::relu, nn::Init::normal(0.05)}, rng);
    Array<T> images = empty_array<T>({100, 784});
    for (auto& v : images) v = static_cast<T>(rng.uniform());
    std::vector<Label> labels(100);
    for (auto& l : labels) l = static_cast<Label>(rng.uniform() * 10);
    const Tensor<T> x(images);
    nn::SoftmaxCrossEntropyLoss<T> loss;
    const auto loss_of =
        nn::parameters_function<T>(*mlp, [&](nn::Module<T>& m) { return loss(m(x), labels); });
    const auto parameters = mlp->parameters();
    std::vector<Tensor<T>> directions;
    for (const auto& p : parameters) {
        Array<T> d = empty_array<T>(p.shape());
        for (auto& v : d) v = static_cast<T>(rng.normal());
        directions.emplace_back(std::move(d));
    }
    const std::vector<std::pair<std::string, std::function<void()>>> runs = {
        {"forward",
         [&] {
             NoGradGuard no_grad;
             loss_of(parameters);
         }},
        {"gradient",
         [&] {
             mlp->zero_grad();
             loss_of(parameters).backward();
         }},
        {"hvp", [&] { hvp<T>(loss_of, parameters, directions); }},
        {"jvp", [&] { jvp<T>(loss_of, parameters, directions); }},
    };
    std::map<std::string, std::vector<double>> seconds;
    for (std::size_t round = 0; round <= rounds; ++round) {  // round 0 warms up
        for (const auto& [name, run] : runs) {
            const auto start = Clock::now();
            for (int repeat = 0; repeat < 10; ++repeat) run();
            if (round > 0)
                seconds[name].push_back(
                    std::chrono::duration<double>(Clock::now() - start).count() / 10);
        }
    }
    nlohmann::json result;
    for (const auto& [name, run] : runs) result["milliseconds"][name] = median(seconds[name]) * 1e3;
    result["hvp_over_gradient"] = median(seconds["hvp"]) / median(seconds["gradient"]);
    result["jvp_over_forward"] = median(seconds["jvp"]) / median(seconds["forward"]);
    return result;
}

/// max |H - finite differences| for the Hessian of a 100-parameter function (float64).
nlohmann::json hessian_accuracy() {
    StdRandom rng(2);
    Array<double> a = empty_array<double>({30, 100});
    for (auto& v : a) v = 0.3 * (2 * rng.uniform() - 1);
    Array<double> x0 = empty_array<double>({100});
    for (auto& v : x0) v = 2 * rng.uniform() - 1;
    const TensorFunction<double> f = [&](const std::vector<Tensord>& v) {
        const Tensord x = reshape(v[0], {-1, 1});
        return sum(square(tanh(matmul(Tensord(a), x)))) + sum(pow(x, 4.0)) / 4.0 + log(sum(exp(x)));
    };
    const auto start = Clock::now();
    const Array<double> h = hessian<double>(f, {Tensord(x0)}).result[0].value();
    const double hessian_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const auto gradient = [&](const Array<double>& at) {
        return vjp<double>(f, {Tensord(at)}, Tensord(Array<double>(1.0))).result[0].value();
    };
    const double eps = 1e-3;
    double worst = 0;
    for (std::size_t j = 0; j < 100; ++j) {
        auto shifted = [&](double step) {
            Array<double> s = x0;
            s(j) += step;
            return gradient(s);
        };
        const Array<double> column =
            (-shifted(2 * eps) + 8.0 * shifted(eps) - 8.0 * shifted(-eps) + shifted(-2 * eps)) /
            (12 * eps);
        for (std::size_t i = 0; i < 100; ++i)
            worst = std::max(worst, std::abs(h(i, j) - column(i)));
    }
    return {{"parameters", 100},
            {"max_abs_error_vs_finite_differences", worst},
            {"milliseconds", hessian_seconds * 1e3}};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Time the function transforms on the MNIST MLP");
    std::string dtype = "float64";
    std::size_t rounds = 21;
    app.add_option("--dtype", dtype, "element type")->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--rounds", rounds, "timed rounds (medians)")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    blas::set_num_threads(1);
    const auto report = blas::backend_report();
    nlohmann::json result = {{"bench", "transforms"},
                             {"dtype", dtype},
                             {"rounds", rounds},
                             {"threads", 1},
                             {"mlp", "784-128-10 relu, batch 100"},
                             {"gemm", dtype == "float32" ? report.float32 : report.float64},
                             {"openblas_core", report.openblas_core},
                             {"onednn_isa", report.onednn_isa}};
    result.update(dtype == "float32" ? time_transforms<float>(rounds)
                                     : time_transforms<double>(rounds));
    result["hessian"] = hessian_accuracy();
    std::cout << result.dump() << "\n";
}
