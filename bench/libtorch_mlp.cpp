// The reference point for xtgrad's MNIST benchmark: the same MLP, loss, optimiser and batch loop,
// written with libtorch's C++ API and timed the same way.
//
//     libtorch-mlp [--hidden 128|256,128] [--epochs 5] [--batch-size 100] [--threads 1]
//                  [--dtype float32|float64] [--data-dir data/mnist | --synthetic] [--seed 1]
//
// Prints one JSON line on stdout; progress goes to stderr.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mnist_idx.hpp"

#include "measure.hpp"

// Debian's libtorch does its GEMMs through libblas.so.3, i.e. OpenBLAS (pthreads), whose thread
// pool torch::set_num_threads does not govern: set it as well. (With MKL, torch::set_num_threads
// already sets MKL's threads; Debian's build has no MKL.)
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);
extern "C" char* openblas_get_corename(void);

namespace {

using bench::median;

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

struct Options {
    std::vector<std::int64_t> hidden{128};
    int epochs = 5;
    std::int64_t batch_size = 100;
    int threads = 1;
    std::string dtype = "float32";
    std::string data_dir = "data/mnist";
    bool synthetic = false;
    std::uint64_t seed = 1;
    std::string impl = "libtorch";
};

struct Data {
    torch::Tensor images;  // (n, 784), the chosen dtype
    torch::Tensor labels;  // (n), int64
};

template <class T>
Data to_tensors(xtgrad_bench::MnistSet<T> set) {
    const auto n = static_cast<std::int64_t>(set.count);
    const auto pixels = static_cast<std::int64_t>(xtgrad_bench::kMnistPixels);
    // clone(): from_blob does not own the vectors, which die at the end of this function.
    return {torch::from_blob(set.images.data(), {n, pixels}, c10::CppTypeToScalarType<T>::value)
                .clone(),
            torch::from_blob(set.labels.data(), {n}, torch::kUInt8).to(torch::kInt64)};
}

template <class T>
std::pair<Data, Data> load(const Options& opt) {
    if (opt.synthetic)
        return {to_tensors(xtgrad_bench::synthetic_mnist<T>(60000, opt.seed)),
                to_tensors(xtgrad_bench::synthetic_mnist<T>(10000, opt.seed + 1))};
    return {to_tensors(xtgrad_bench::load_mnist<T>(opt.data_dir, "train")),
            to_tensors(xtgrad_bench::load_mnist<T>(opt.data_dir, "t10k"))};
}

torch::nn::Sequential make_mlp(const std::vector<std::int64_t>& hidden) {
    torch::nn::Sequential net;
    std::int64_t in = static_cast<std::int64_t>(xtgrad_bench::kMnistPixels);
    for (const auto h : hidden) {
        net->push_back(torch::nn::Linear(in, h));
        net->push_back(torch::nn::ReLU());
        in = h;
    }
    net->push_back(torch::nn::Linear(in, 10));
    return net;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Accuracy over the whole set, in batches, without recording a graph.
double evaluate(torch::nn::Sequential& net, const Data& test, std::int64_t batch) {
    torch::NoGradGuard no_grad;
    const std::int64_t n = test.images.size(0);
    std::int64_t correct = 0;
    for (std::int64_t start = 0; start < n; start += batch) {
        const std::int64_t end = std::min(start + batch, n);
        const auto predicted = net->forward(test.images.slice(0, start, end)).argmax(1);
        correct += predicted.eq(test.labels.slice(0, start, end)).sum().item<std::int64_t>();
    }
    return static_cast<double>(correct) / static_cast<double>(n);
}

void run(const Options& opt) {
    const auto dtype = opt.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
    const auto [train, test] = opt.dtype == "float64" ? load<double>(opt) : load<float>(opt);
    const std::int64_t n_train = train.images.size(0);
    const std::int64_t steps = n_train / opt.batch_size;  // full batches only
    if (steps == 0) throw std::invalid_argument("--batch-size exceeds the training set");

    torch::manual_seed(opt.seed);  // weight initialisation
    auto net = make_mlp(opt.hidden);
    net->to(dtype);
    torch::optim::SGD optimizer(net->parameters(),
                                torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(2e-4));
    auto shuffle_gen = at::detail::createCPUGenerator(opt.seed);
    std::cerr << "training on " << n_train << " samples, " << steps
              << " steps per epoch, parameters " << net->parameters().front().dtype() << ", data "
              << train.images.dtype() << "\n";

    std::vector<double> epoch_seconds;
    for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
        const auto start = Clock::now();
        const auto order = torch::randperm(n_train, shuffle_gen, torch::kInt64);
        torch::Tensor loss;
        for (std::int64_t s = 0; s < steps; ++s) {
            // Gathering the batch is part of the epoch, as it is for every framework timed.
            const auto index = order.slice(0, s * opt.batch_size, (s + 1) * opt.batch_size);
            const auto x = train.images.index_select(0, index);
            const auto y = train.labels.index_select(0, index);
            optimizer.zero_grad();
            loss = F::cross_entropy(net->forward(x), y);
            loss.backward();
            optimizer.step();
        }
        epoch_seconds.push_back(seconds_since(start));
        std::cerr << "epoch " << epoch << ": " << epoch_seconds.back() << " s, last batch loss "
                  << loss.item<double>() << "\n";
    }

    const auto eval_start = Clock::now();
    const double accuracy = evaluate(net, test, 100);
    const double eval_seconds = seconds_since(eval_start);
    std::cerr << "test accuracy " << accuracy << " (" << eval_seconds << " s)\n";

    // The first epoch pays for warm-up (allocator, thread pools, page faults): leave it out
    // unless it is the only one.
    const double typical = median(epoch_seconds.size() > 1
                                      ? std::vector(epoch_seconds.begin() + 1, epoch_seconds.end())
                                      : epoch_seconds);
    const char* wait_policy = std::getenv("OMP_WAIT_POLICY");

    const nlohmann::json out = {
        {"impl", opt.impl},
        {"openblas_core", openblas_get_corename()},
        {"hidden", opt.hidden},
        {"dtype", opt.dtype},
        {"threads", opt.threads},
        {"torch_threads", torch::get_num_threads()},
        {"blas_threads", openblas_get_num_threads()},
        {"batch_size", opt.batch_size},
        {"data", opt.synthetic ? "synthetic" : "mnist"},
        {"epoch_seconds", epoch_seconds},
        {"median_epoch_seconds_after_first", typical},
        {"samples_per_second", static_cast<double>(steps * opt.batch_size) / typical},
        {"eval_seconds", eval_seconds},
        {"final_test_accuracy", accuracy},
        {"omp_wait_policy", wait_policy ? wait_policy : "unset"}};
    std::cout << out.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Train the MNIST MLP with libtorch and time it.", "libtorch-mlp"};
    app.add_option("--hidden", opt.hidden, "hidden layer sizes, e.g. 128 or 256,128")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--epochs", opt.epochs, "epochs (the first is left out of the median)")
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-size", opt.batch_size, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--threads", opt.threads, "torch and OpenBLAS threads")
        ->check(CLI::PositiveNumber);
    app.add_option("--dtype", opt.dtype, "float32 or float64")
        ->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--data-dir", opt.data_dir, "MNIST folder (raw IDX files)");
    app.add_flag("--synthetic", opt.synthetic, "random MNIST-shaped data instead of the files");
    app.add_option("--seed", opt.seed, "seed of torch's generator");
    app.add_option("--impl", opt.impl,
                   "name in the results: libtorch (as it loads) or libtorch-best (bench/run sets "
                   "OPENBLAS_CORETYPE for this CPU)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    torch::set_num_threads(opt.threads);  // ATen's OpenMP pool (element-wise ops, reductions)
    openblas_set_num_threads(opt.threads);
    try {
        run(opt);
    } catch (const std::exception& e) {
        std::cerr << "libtorch-mlp: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
