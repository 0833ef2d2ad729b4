// The cost of one optimizer step on the MNIST MLP's parameters (784-hidden-10: two weights and
// two biases), for every optimizer, against SGD with momentum in the same run: rounds of
// `--steps` steps per optimizer, interleaved, median per step. Then what the step costs when
// every thread has just read every parameter, as forward products that split the batch make
// them do (oneDNN's own split; xtgrad splits a large weight's products along its rows instead,
// blas.hpp, to avoid this): each line the update writes must first be taken back from the other
// cores' caches. SGD's step is timed alone, each preceded by such a read (untimed), and without
// it. Prints one JSON line.
//
//     optimizer-step [--hidden 128] [--dtype float32|float64] [--steps 200] [--rounds 15]
//                    [--threads 1]
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xtgrad/autograd/gemm_backend.hpp>
#include <xtgrad/autograd/parallel.hpp>
#include <xtgrad/autograd/random.hpp>
#include <xtgrad/optim/optim.hpp>

namespace {

using namespace xtgrad;
using Clock = std::chrono::steady_clock;

/// Every thread reads one element of every cache line of the parameters, as a product whose
/// rows are split over the threads reads all of its weights on each of them.
template <class T>
void read_on_every_thread(const std::vector<Tensor<T>>& params) {
    const int threads = blas::num_threads();
    std::vector<double> sums(static_cast<std::size_t>(threads));
    double* out = sums.data();
    // One unit per thread, each counted as large enough to be worth the threads.
    xtgrad::detail::parallel_for<T>(
        sums.size(),
        [&params, out](std::size_t begin, std::size_t end) {
            for (std::size_t t = begin; t < end; ++t)
                for (const Tensor<T>& p : params) {
                    const T* v = p.value().data();
                    for (std::size_t i = 0; i < p.size(); i += 64 / sizeof(T)) out[t] += v[i];
                }
        },
        xtgrad::detail::kParallelMinimum);
    volatile double keep = sums[0];
    (void)keep;
}

/// SGD with momentum's step (median, microseconds) on its own and right after every thread read
/// the parameters.
template <class T, class Median>
nlohmann::json shared_read_cost(const std::vector<Tensor<T>>& params, std::size_t steps,
                                const Median& median) {
    optim::SGD<T> sgd(params, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 2e-4});
    sgd.step();
    std::vector<double> alone, after_read;
    for (std::size_t s = 0; s < steps; ++s)
        for (const bool read : {false, true}) {
            if (read) read_on_every_thread(params);
            const auto start = Clock::now();
            sgd.step();
            const double us = std::chrono::duration<double>(Clock::now() - start).count() * 1e6;
            (read ? after_read : alone).push_back(us);
        }
    return {{"alone", median(alone)},
            {"after_every_thread_read_the_parameters", median(after_read)}};
}

template <class T>
nlohmann::json measure(std::size_t hidden, std::size_t steps, std::size_t rounds) {
    StdRandom rng(1);
    std::vector<Tensor<T>> params;
    for (const Shape& shape : {Shape{784, hidden}, Shape{hidden}, Shape{hidden, 10}, Shape{10}}) {
        Array<T> value = empty_array<T>(shape);
        for (auto& v : value) v = static_cast<T>(0.01 * rng.normal());
        params.push_back(Tensor<T>::parameter(std::move(value)));
        Array<T>& grad = params.back().mutable_grad();
        for (auto& g : grad) g = static_cast<T>(0.001 * rng.normal());
    }
    using Make = std::function<std::unique_ptr<optim::Optimizer<T>>()>;
    const std::vector<std::pair<std::string, Make>> optimizers = {
        {"sgd_momentum",
         [&] {
             return std::make_unique<optim::SGD<T>>(
                 params, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 2e-4});
         }},
        {"adam", [&] { return std::make_unique<optim::Adam<T>>(params, optim::AdamOptions{}); }},
        {"adamw", [&] { return std::make_unique<optim::AdamW<T>>(params, optim::AdamWOptions{}); }},
        {"rmsprop",
         [&] { return std::make_unique<optim::RMSprop<T>>(params, optim::RMSpropOptions{}); }},
        {"adagrad",
         [&] { return std::make_unique<optim::Adagrad<T>>(params, optim::AdagradOptions{}); }},
    };
    std::map<std::string, std::vector<double>> seconds;
    for (std::size_t round = 0; round <= rounds; ++round) {  // round 0 warms up
        for (const auto& [name, make] : optimizers) {
            const auto optimizer = make();
            optimizer->step();  // buffers allocated outside the timing
            const auto start = Clock::now();
            for (std::size_t s = 0; s < steps; ++s) optimizer->step();
            const double per_step =
                std::chrono::duration<double>(Clock::now() - start).count() / double(steps);
            if (round > 0) seconds[name].push_back(per_step);
        }
    }
    nlohmann::json result = {{"hidden", hidden}, {"steps", steps}, {"rounds", rounds}};
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    result["threads"] = blas::num_threads();
    // xtgrad's loops use the threads only where T's products run on oneDNN (parallel.hpp).
    result["loops_on_threads"] = blas::backend_of<T>() == blas::Backend::onednn;
    result["sgd_momentum_microseconds"] = shared_read_cost(params, steps * rounds, median);
    const double sgd = median(seconds["sgd_momentum"]);
    for (const auto& [name, make] : optimizers) {
        const double m = median(seconds[name]);
        result["microseconds_per_step"][name] = m * 1e6;
        result["ratio_to_sgd_momentum"][name] = m / sgd;
    }
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Time one optimizer step on the MNIST MLP's parameters");
    std::size_t hidden = 128, steps = 200, rounds = 15;
    std::string dtype = "float32";
    app.add_option("--hidden", hidden, "hidden layer size");
    app.add_option("--dtype", dtype, "float32 or float64")
        ->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--steps", steps, "steps per timed round")->check(CLI::PositiveNumber);
    app.add_option("--rounds", rounds, "timed rounds per optimizer")->check(CLI::PositiveNumber);
    int threads = 1;
    app.add_option("--threads", threads, "threads of xtgrad's loops (and of the products)")
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    blas::set_num_threads(threads);
    nlohmann::json result = dtype == "float32" ? measure<float>(hidden, steps, rounds)
                                               : measure<double>(hidden, steps, rounds);
    result["dtype"] = dtype;
    std::cout << result.dump() << std::endl;
}
