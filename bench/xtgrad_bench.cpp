// xtgrad's side of the benchmark: trains the MNIST MLP (784-hidden-10, ReLU, softmax
// cross-entropy, SGD lr 0.1 momentum 0.9 weight decay 2e-4, batch 100), or with --model cnn
// mnist-train's CNN, and reports seconds per training epoch, evaluation time, allocations per
// evaluation batch, tape size and peak memory.
//
//     xtgrad-bench [--model mlp|cnn] [--hidden 128|256,128] [--dtype float32|float64]
//                  [--threads 1] [--epochs 5] [--path fused|composed] [--limit-train N]
//                  [--optimizer sgd|adam] [--lr 0.1] [--weight-decay 2e-4]
//                  [--data-dir DIR | --synthetic]
//
// Prints one JSON line on stdout (progress on stderr).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <new>
#include <random>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xtgrad/autograd/blas.hpp>
#include <xtgrad/autograd/tape.hpp>

#include <xtgrad/nn/composed_guard.hpp>
#include <xtgrad/train/mlp_run.hpp>

#include "core_round_trip.hpp"
#include "measure.hpp"

// Counting allocator for this program: evaluation must allocate nothing per batch beyond the
// arrays it returns. (GCC cannot see that these operators pair malloc with free.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_allocated_bytes{0};
}  // namespace

void* operator new(std::size_t size) {
    ++g_allocations;
    g_allocated_bytes += size;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

using namespace xtgrad;
using Clock = std::chrono::steady_clock;
using bench::median;
using bench::peak_rss_mib;

/// MNIST-shaped random data (fixed seed), for machines without the files.
train::RawData synthetic_data() {
    std::mt19937 engine(7);
    const auto make = [&](std::size_t count) {
        data::Dataset d{
            count,      28, 28, std::vector<std::uint8_t>(count * 784), std::vector<Label>(count),
            "synthetic"};
        for (auto& p : d.pixels) p = static_cast<std::uint8_t>(engine() & 255);
        for (auto& l : d.labels) l = static_cast<Label>(engine() % 10);
        return d;
    };
    return {make(60000), make(10000)};
}

template <class T>
nlohmann::json run(const train::RunConfig& config, const train::RawData& raw) {
    const train::TrainingData<T> data = train::prepare_data<T>(raw, config);
    train::MlpRun<T> mlp(config, data);
    train::Trainer<T>& trainer = mlp.trainer();
    nn::ComposedGuard path(config.path == train::LayerPath::composed);
    // The hand-over between the two threads' cores, before and after (core_round_trip.hpp).
    const auto trip_before = config.threads > 1 ? bench::core_round_trip() : std::nullopt;
    std::vector<double> epoch_seconds;
    double rss_after_first = 0;
    std::size_t tape_after_epoch = 0;
    for (std::size_t epoch = 1; epoch <= config.epochs; ++epoch) {
        const auto start = Clock::now();
        trainer.train_epoch(epoch);
        epoch_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        tape_after_epoch = std::max(tape_after_epoch, Tape<T>::current().live_nodes());
        if (epoch == 1) rss_after_first = peak_rss_mib();
        std::cerr << "epoch " << epoch << ": " << epoch_seconds.back() << " s\n";
    }
    trainer.evaluate();  // warm-up, then measure
    const std::size_t allocations_before = g_allocations;
    const std::size_t bytes_before = g_allocated_bytes;
    const std::size_t tape_before = Tape<T>::current().live_nodes();
    const auto eval_start = Clock::now();
    const auto [test_loss, test_acc] = trainer.evaluate();
    const double eval_seconds = std::chrono::duration<double>(Clock::now() - eval_start).count();
    const double eval_batches = static_cast<double>(data.test_labels.size() / config.batch_size);
    const double eval_allocations = static_cast<double>(g_allocations - allocations_before);
    const double eval_bytes = static_cast<double>(g_allocated_bytes - bytes_before);
    const auto trip_after = trip_before ? bench::core_round_trip() : std::nullopt;

    const std::vector<double> after_first(
        epoch_seconds.begin() + (epoch_seconds.size() > 1 ? 1 : 0), epoch_seconds.end());
    const double typical = median(after_first);
    nlohmann::json out = {
        {"impl", "xtgrad"},
        {"model", train::choice_name(config.model)},
        {"optimizer", train::choice_name(config.optimizer)},
        {"lr", config.lr},
        {"weight_decay", config.weight_decay},
        {"train_samples", data.train_labels.size()},
        {"path", train::choice_name(config.path)},
        {"hidden", config.hidden},
        {"dtype", train::choice_name(config.dtype)},
        {"threads", config.threads},
        {"blas_threads", blas::num_threads()},
        {"machine", train::machine_report()},
        {"batch_size", config.batch_size},
        {"epoch_seconds", epoch_seconds},
        {"median_epoch_seconds_after_first", typical},
        {"samples_per_second", static_cast<double>(data.train_labels.size()) / typical},
        {"eval_seconds", eval_seconds},
        {"eval_allocations_per_batch", eval_allocations / eval_batches},
        {"eval_bytes_per_batch", eval_bytes / eval_batches},
        {"tape_nodes_recorded_by_eval", Tape<T>::current().live_nodes() - tape_before},
        {"tape_nodes_alive_after_epochs", tape_after_epoch},
        {"peak_rss_mib_after_epoch_1", rss_after_first},
        {"peak_rss_mib_at_end", peak_rss_mib()},
        {"final_test_accuracy", test_acc},
        {"final_test_loss", test_loss}};
    if (trip_before && trip_after)
        out["core_round_trip_ns"] = {trip_before->median_ns, trip_after->median_ns};
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    train::RunConfig config;
    config.epochs = 5;
    config.threads = 1;
    config.normalize = train::Normalize::unit;  // p / 255, the default run's
    std::string dtype = "float32";
    std::string layer_path = "fused";
    std::string model = "mlp";
    std::string optimizer = "sgd";
    bool synthetic = false;
    std::string role;
    CLI::App app{"Time xtgrad training the MNIST MLP or CNN.", "xtgrad-bench"};
    app.add_option("--model", model, "mlp, or cnn (mnist-train's: two 5x5 convolutions)");
    app.add_option("--hidden", config.hidden, "hidden sizes")->delimiter(',');
    app.add_option("--dtype", dtype, "float32 or float64");
    app.add_option("--threads", config.threads, "BLAS threads");
    app.add_option("--epochs", config.epochs, "epochs (the first is left out of the median)");
    app.add_option("--path", layer_path, "fused or composed");
    app.add_option("--batch-size", config.batch_size, "batch size");
    app.add_option("--limit-train", config.limit_train, "train on the first N images (0: all)");
    app.add_option("--optimizer", optimizer, "sgd (momentum 0.9), adam, adamw, rmsprop or adagrad");
    app.add_option("--lr", config.lr, "learning rate");
    app.add_option("--weight-decay", config.weight_decay, "weight decay (added to the gradient)");
    app.add_option("--data-dir", config.data_dir, "MNIST folder");
    app.add_flag("--synthetic", synthetic, "random MNIST-shaped data instead of the files");
    app.add_option("--role", role, "a tag copied into the output (bench/run marks its memory run)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        config.dtype = train::parse_choice<train::Dtype>("dtype", dtype);
        config.path = train::parse_choice<train::LayerPath>("path", layer_path);
        config.model = train::parse_choice<train::ModelKind>("model", model);
        config.optimizer = train::parse_choice<train::OptimizerKind>("optimizer", optimizer);
    } catch (const std::invalid_argument& e) {
        std::cerr << "xtgrad-bench: " << e.what() << "\n";
        return 2;
    }
    const auto errors = train::validate(config);
    if (!errors.empty() || config.threads < 1) {
        std::cerr << "xtgrad-bench: " << (errors.empty() ? "threads must be >= 1" : errors.front())
                  << "\n";
        return 2;
    }
    try {
        train::configure_machine(config);
        train::RawData raw = synthetic ? synthetic_data() : train::load_raw_data(config);
        if (synthetic)  // load_raw_data applies --limit-train itself
            raw.train = data::first_samples(raw.train, config.limit_train);
        nlohmann::json result = config.dtype == train::Dtype::float64 ? run<double>(config, raw)
                                                                      : run<float>(config, raw);
        result["data"] = synthetic ? "synthetic" : "mnist";
        if (!role.empty()) result["role"] = role;
        std::cout << result.dump() << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "xtgrad-bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
