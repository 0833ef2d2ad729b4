// The reference point for xtgrad's CNN benchmark: mnist-train's CNN (conv 1->16 5x5 pad 2, ReLU,
// 2x2 max pool, conv 16->32 5x5 pad 2, ReLU, 2x2 max pool, flatten, linear 1568->128, ReLU,
// linear 128->10), softmax cross-entropy, batch 100, float32, written with libtorch's C++ API
// and timed as `xtgrad-bench --model cnn` times xtgrad.
//
//     libtorch-cnn [--epochs 3] [--limit-train N] [--threads 1] [--optimizer adam|sgd]
//                  [--lr 1e-3] [--weight-decay 0] [--no-mkldnn]
//                  [--data-dir data/mnist | --synthetic] [--seed 1]
//
// Prints one JSON line on stdout; progress goes to stderr.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mnist_idx.hpp"

#include "measure.hpp"

// As in libtorch_mlp.cpp: Debian's libtorch runs its linear layers on OpenBLAS, whose threads
// torch::set_num_threads does not govern. (Its convolutions run on oneDNN, which uses torch's
// OpenMP pool.)
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" char* openblas_get_corename(void);

namespace {

using bench::median;
using bench::peak_rss_mib;

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

struct Options {
    int epochs = 3;
    std::size_t limit_train = 0;
    std::int64_t batch_size = 100;
    std::int64_t hidden = 128;
    int threads = 1;
    std::string optimizer = "adam";
    double lr = 1e-3;
    double weight_decay = 0;
    bool no_mkldnn = false;
    std::string data_dir = "data/mnist";
    bool synthetic = false;
    std::uint64_t seed = 1;
};

struct Data {
    torch::Tensor images;  // (n, 1, 28, 28) float32
    torch::Tensor labels;  // (n), int64
};

/// The first `limit` images (all for 0), as p / 255: xtgrad-bench's normalisation.
Data to_tensors(xtgrad_bench::MnistSet<float> set, std::size_t limit) {
    const auto n = static_cast<std::int64_t>(limit ? std::min(limit, set.count) : set.count);
    const auto side = static_cast<std::int64_t>(xtgrad_bench::kMnistSide);
    // mnist_idx.hpp gives (p - 128) / 255; clone(): from_blob does not own the vectors.
    return {torch::from_blob(set.images.data(), {n, 1, side, side}, torch::kFloat32).clone() +
                128.0 / 255.0,
            torch::from_blob(set.labels.data(), {n}, torch::kUInt8).to(torch::kInt64)};
}

std::pair<Data, Data> load(const Options& opt) {
    if (opt.synthetic)
        return {to_tensors(xtgrad_bench::synthetic_mnist<float>(60000, opt.seed), opt.limit_train),
                to_tensors(xtgrad_bench::synthetic_mnist<float>(10000, opt.seed + 1), 0)};
    return {to_tensors(xtgrad_bench::load_mnist<float>(opt.data_dir, "train"), opt.limit_train),
            to_tensors(xtgrad_bench::load_mnist<float>(opt.data_dir, "t10k"), 0)};
}

/// The layers of xtgrad's make_cnn, in its order; libtorch's default initialisation, which
/// xtgrad's CNN copies.
torch::nn::Sequential make_cnn(std::int64_t hidden) {
    const auto conv = [](std::int64_t in, std::int64_t out) {
        return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 5).padding(2));
    };
    return torch::nn::Sequential(conv(1, 16), torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                 conv(16, 32), torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                 torch::nn::Flatten(), torch::nn::Linear(32 * 7 * 7, hidden),
                                 torch::nn::ReLU(), torch::nn::Linear(hidden, 10));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Options& opt,
                                                        std::vector<torch::Tensor> parameters) {
    if (opt.optimizer == "sgd")
        return std::make_unique<torch::optim::SGD>(
            parameters,
            torch::optim::SGDOptions(opt.lr).momentum(0.9).weight_decay(opt.weight_decay));
    return std::make_unique<torch::optim::Adam>(
        parameters, torch::optim::AdamOptions(opt.lr).weight_decay(opt.weight_decay));
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Accuracy over the whole set, in batches, without recording a graph.
double evaluate(torch::nn::Sequential& net, const Data& test, std::int64_t batch) {
    torch::NoGradGuard no_grad;
    net->eval();
    const std::int64_t n = test.images.size(0);
    std::int64_t correct = 0;
    for (std::int64_t start = 0; start < n; start += batch) {
        const std::int64_t end = std::min(start + batch, n);
        const auto predicted = net->forward(test.images.slice(0, start, end)).argmax(1);
        correct += predicted.eq(test.labels.slice(0, start, end)).sum().item<std::int64_t>();
    }
    net->train();
    return static_cast<double>(correct) / static_cast<double>(n);
}

void run(const Options& opt) {
    const auto [train, test] = load(opt);
    const std::int64_t n_train = train.images.size(0);
    const std::int64_t steps = n_train / opt.batch_size;  // full batches only
    if (steps == 0) throw std::invalid_argument("--batch-size exceeds the training set");

    torch::manual_seed(opt.seed);  // weight initialisation
    auto net = make_cnn(opt.hidden);
    const auto optimizer = make_optimizer(opt, net->parameters());
    auto shuffle_gen = at::detail::createCPUGenerator(opt.seed);
    std::cerr << "training on " << n_train << " samples, " << steps << " steps per epoch\n";

    std::vector<double> epoch_seconds;
    double rss_after_first = 0;
    for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
        const auto start = Clock::now();
        const auto order = torch::randperm(n_train, shuffle_gen, torch::kInt64);
        torch::Tensor loss;
        for (std::int64_t s = 0; s < steps; ++s) {
            // Gathering the batch is part of the epoch, as it is for xtgrad's loader.
            const auto index = order.slice(0, s * opt.batch_size, (s + 1) * opt.batch_size);
            optimizer->zero_grad();
            loss = F::cross_entropy(net->forward(train.images.index_select(0, index)),
                                    train.labels.index_select(0, index));
            loss.backward();
            optimizer->step();
        }
        epoch_seconds.push_back(seconds_since(start));
        if (epoch == 1) rss_after_first = peak_rss_mib();
        std::cerr << "epoch " << epoch << ": " << epoch_seconds.back() << " s, last batch loss "
                  << loss.item<double>() << "\n";
    }

    evaluate(net, test, opt.batch_size);  // warm-up, then measure, as xtgrad-bench does
    const auto eval_start = Clock::now();
    const double accuracy = evaluate(net, test, opt.batch_size);
    const double eval_seconds = seconds_since(eval_start);
    std::cerr << "test accuracy " << accuracy << " (" << eval_seconds << " s)\n";

    // The first epoch pays for warm-up (allocator, thread pools, oneDNN's kernel generation):
    // leave it out unless it is the only one.
    const double typical = median(epoch_seconds.size() > 1
                                      ? std::vector(epoch_seconds.begin() + 1, epoch_seconds.end())
                                      : epoch_seconds);
    const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
    const nlohmann::json out = {
        {"impl", opt.no_mkldnn ? "libtorch-no-mkldnn" : "libtorch"},
        {"model", "cnn"},
        {"optimizer", opt.optimizer},
        {"lr", opt.lr},
        {"weight_decay", opt.weight_decay},
        {"train_samples", steps * opt.batch_size},
        {"hidden", std::vector<std::int64_t>{opt.hidden}},
        {"dtype", "float32"},
        {"threads", opt.threads},
        {"torch_threads", torch::get_num_threads()},
        {"mkldnn_built", AT_MKLDNN_ENABLED() == 1},
        {"mkldnn_enabled", at::globalContext().userEnabledMkldnn()},
        {"openblas_core", openblas_get_corename()},
        {"batch_size", opt.batch_size},
        {"data", opt.synthetic ? "synthetic" : "mnist"},
        {"epoch_seconds", epoch_seconds},
        {"median_epoch_seconds_after_first", typical},
        {"samples_per_second", static_cast<double>(steps * opt.batch_size) / typical},
        {"eval_seconds", eval_seconds},
        {"peak_rss_mib_after_epoch_1", rss_after_first},
        {"peak_rss_mib_at_end", peak_rss_mib()},
        {"final_test_accuracy", accuracy},
        {"omp_wait_policy", wait_policy ? wait_policy : "unset"}};
    std::cout << out.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Train mnist-train's CNN with libtorch and time it.", "libtorch-cnn"};
    app.add_option("--epochs", opt.epochs, "epochs (the first is left out of the median)")
        ->check(CLI::PositiveNumber);
    app.add_option("--limit-train", opt.limit_train, "train on the first N images (0: all)");
    app.add_option("--batch-size", opt.batch_size, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--hidden", opt.hidden, "units of the hidden linear layer")
        ->check(CLI::PositiveNumber);
    app.add_option("--threads", opt.threads, "torch and OpenBLAS threads")
        ->check(CLI::PositiveNumber);
    app.add_option("--optimizer", opt.optimizer, "adam, or sgd (momentum 0.9)")
        ->check(CLI::IsMember({"adam", "sgd"}));
    app.add_option("--lr", opt.lr, "learning rate")->check(CLI::PositiveNumber);
    app.add_option("--weight-decay", opt.weight_decay, "weight decay (added to the gradient)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--no-mkldnn", opt.no_mkldnn,
                 "convolutions without oneDNN (libtorch's own im2col and OpenBLAS)");
    app.add_option("--data-dir", opt.data_dir, "MNIST folder (raw IDX files)");
    app.add_flag("--synthetic", opt.synthetic, "random MNIST-shaped data instead of the files");
    app.add_option("--seed", opt.seed, "seed of torch's generator");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    torch::set_num_threads(opt.threads);  // ATen's OpenMP pool: oneDNN and element-wise ops
    openblas_set_num_threads(opt.threads);
    if (opt.no_mkldnn) at::globalContext().setUserEnabledMkldnn(false);
    try {
        run(opt);
    } catch (const std::exception& e) {
        std::cerr << "libtorch-cnn: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
