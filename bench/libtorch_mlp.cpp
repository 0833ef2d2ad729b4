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

#include "mnist_idx.hpp"

// Debian's libtorch does its GEMMs through libblas.so.3, i.e. OpenBLAS (pthreads), whose thread
// pool torch::set_num_threads does not govern: set it as well. (With MKL, torch::set_num_threads
// already sets MKL's threads; Debian's build has no MKL.)
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);

namespace {

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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
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

    std::ostringstream json;
    json << R"({"impl":"libtorch","hidden":[)";
    for (std::size_t i = 0; i < opt.hidden.size(); ++i) json << (i ? "," : "") << opt.hidden[i];
    json << R"(],"dtype":")" << opt.dtype << R"(","threads":)" << opt.threads
         << R"(,"torch_threads":)" << torch::get_num_threads() << R"(,"blas_threads":)"
         << openblas_get_num_threads() << R"(,"batch_size":)" << opt.batch_size << R"(,"data":")"
         << (opt.synthetic ? "synthetic" : "mnist") << R"(","epoch_seconds":[)";
    for (std::size_t i = 0; i < epoch_seconds.size(); ++i)
        json << (i ? "," : "") << epoch_seconds[i];
    json << R"(],"median_epoch_seconds_after_first":)" << typical << R"(,"samples_per_second":)"
         << static_cast<double>(steps * opt.batch_size) / typical << R"(,"eval_seconds":)"
         << eval_seconds << R"(,"final_test_accuracy":)" << accuracy << R"(,"omp_wait_policy":")"
         << (wait_policy ? wait_policy : "unset") << R"("})";
    std::cout << json.str() << std::endl;
}

/// The whole of `text` as an integer in [1, 2^31), or std::invalid_argument naming the option.
int positive(const std::string& option, const std::string& text) {
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != text.size() || value <= 0 || value > INT_MAX)
        throw std::invalid_argument(option + " expects a positive integer, not '" + text + "'");
    return static_cast<int>(value);
}

std::vector<std::int64_t> parse_sizes(const std::string& text) {
    std::vector<std::int64_t> sizes;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        sizes.push_back(positive("--hidden", item));
    if (sizes.empty()) throw std::invalid_argument("--hidden expects sizes such as 256,128");
    return sizes;
}

Options parse_options(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--synthetic") {
            opt.synthetic = true;
            continue;
        }
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--hidden")
            opt.hidden = parse_sizes(value);
        else if (arg == "--epochs")
            opt.epochs = positive(arg, value);
        else if (arg == "--batch-size")
            opt.batch_size = positive(arg, value);
        else if (arg == "--threads")
            opt.threads = positive(arg, value);
        else if (arg == "--dtype")
            opt.dtype = value;
        else if (arg == "--data-dir")
            opt.data_dir = value;
        else if (arg == "--seed")
            opt.seed = static_cast<std::uint64_t>(positive(arg, value));
        else
            throw std::invalid_argument("unknown option " + arg);
    }
    if (opt.dtype != "float32" && opt.dtype != "float64")
        throw std::invalid_argument("--dtype must be float32 or float64");
    return opt;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    try {
        opt = parse_options(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "libtorch-mlp: " << e.what() << "\n"
                  << "usage: libtorch-mlp [--hidden 128|256,128] [--epochs 5] [--batch-size 100]\n"
                  << "         [--threads 1] [--dtype float32|float64]\n"
                  << "         [--data-dir data/mnist | --synthetic] [--seed 1]\n";
        return 2;
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
