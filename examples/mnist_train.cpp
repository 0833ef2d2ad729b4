// mnist-train: trains an MLP on MNIST (or Fashion-MNIST) and reports what it does.
//
//     mnist-train [--config FILE] [--hidden 128 | --hidden 256,128] [--act relu] [--loss
//     softmax-ce]
//                 [--lr 0.1] [--epochs 5] ... [--metrics-out FILE]        (--help lists everything)
//
// A JSON config file gives the starting values; flags override it. Bad values stop the program
// with a message and exit code 2 before anything is loaded or trained.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <CLI/CLI.hpp>

#include <xtgrad/autograd/tape.hpp>

#include "training/config.hpp"
#include "training/trainer.hpp"

namespace {

using xtgrad::training::TrainConfig;

// Set by SIGINT/SIGTERM: training finishes its current step, saves a checkpoint and stops.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void request_stop(int signal) {
    g_signal = signal;
    g_stop = true;
}

/// The value of --config FILE or --config=FILE, read before the other flags so that they can
/// override it.
std::string config_file_argument(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) return argv[i + 1];
        if (arg.rfind("--config=", 0) == 0) return arg.substr(9);
    }
    return {};
}

void add_options(CLI::App& app, TrainConfig& c, std::string& config_file) {
    // Unsigned options reject "-5" here: CLI11 would otherwise wrap it to a huge count.
    const CLI::Validator count(
        [](std::string& input) {
            return input.starts_with('-') ? std::string("must not be negative") : std::string();
        },
        "", "non-negative");
    app.add_option("--config", config_file,
                   "JSON file with any of the settings below (flags override it)");
    app.add_option("--hidden", c.hidden, "hidden layer sizes, e.g. 128 or 256,128")
        ->delimiter(',')
        ->check(count)
        ->capture_default_str();
    app.add_option("--act", c.activation, "activation: sigmoid, relu, gelu (tanh form) or gelu-erf")
        ->capture_default_str();
    app.add_option("--loss", c.loss, "loss: euclidean, softmax-ce or hinge")->capture_default_str();
    app.add_option("--margin", c.margin, "hinge loss margin")->capture_default_str();
    app.add_option("--lr", c.lr, "learning rate")->capture_default_str();
    app.add_option("--momentum", c.momentum, "SGD momentum")->capture_default_str();
    app.add_option("--weight-decay", c.weight_decay, "L2 weight decay added to the gradient")
        ->capture_default_str();
    app.add_option("--batch-size", c.batch_size, "mini-batch size")
        ->check(count)
        ->capture_default_str();
    app.add_option("--epochs", c.epochs, "training epochs")->check(count)->capture_default_str();
    app.add_option("--seed", c.seed, "seed of the one random generator")
        ->check(count)
        ->capture_default_str();
    app.add_option("--rng", c.rng, "numpy (numpy's legacy stream, drawn in the lab's order) or std")
        ->capture_default_str();
    app.add_option("--dtype", c.dtype, "float32 or float64")->capture_default_str();
    app.add_option("--init-std", c.init_std, "standard deviation of the initial weights")
        ->capture_default_str();
    app.add_option("--normalize", c.normalize,
                   "lab ((p-128)/255), unit (p/255) or standard (mean/std)")
        ->capture_default_str();
    app.add_option("--dataset", c.dataset, "mnist or fashion-mnist")->capture_default_str();
    app.add_option("--data-dir", c.data_dir,
                   "folder with the IDX files, raw or .gz (default: $XTGRAD_MNIST_DIR, "
                   "else data/mnist; /usr/share/datasets/fashion-mnist for Fashion-MNIST)");
    app.add_option("--threads", c.threads, "BLAS threads (0 = every core)")->capture_default_str();
    app.add_option("--limit-train", c.limit_train, "train on the first N images only (0 = all)")
        ->check(count)
        ->capture_default_str();
    app.add_option("--path", c.path, "fused (hand-written backwards) or composed (tape primitives)")
        ->capture_default_str();
    app.add_option("--disp-freq", c.disp_freq,
                   "iterations between progress lines when not on a terminal")
        ->check(count)
        ->capture_default_str();
    app.add_option("--metrics-out", c.metrics_out, "write per-epoch metrics as JSON to this file");
    app.add_option(
        "--checkpoint", c.checkpoint,
        "checkpoint file: written every --checkpoint-every epochs and on SIGINT/SIGTERM");
    app.add_option("--checkpoint-every", c.checkpoint_every, "epochs between checkpoints")
        ->check(count)
        ->capture_default_str();
    app.add_flag("--resume", c.resume,
                 "continue from --checkpoint (same settings; --epochs may grow)");
    app.add_flag(
        "--detect-anomaly", c.detect_anomaly,
        "check every op's output and gradient for NaN/Inf and name the first op that produces one");
}

}  // namespace

int main(int argc, char** argv) {
    TrainConfig config;
    std::string config_file = config_file_argument(argc, argv);
    CLI::App app{"Train an MLP on MNIST with xtgrad.", "mnist-train"};
    try {
        if (!config_file.empty()) xtgrad::training::apply_json_file(config, config_file);
    } catch (const std::exception& e) {
        std::cerr << "mnist-train: " << e.what() << "\n";
        return 2;
    }
    add_options(app, config, config_file);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help exits 0; any parse error 2, as for bad values
    }

    const auto errors = xtgrad::training::validate(config);
    if (!errors.empty()) {
        for (const auto& error : errors) std::cerr << "mnist-train: " << error << "\n";
        std::cerr << "Run with --help for the options.\n";
        return 2;
    }
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    try {
        xtgrad::training::Progress progress(
            std::cout, xtgrad::training::Progress::stdout_is_terminal(), config.disp_freq);
        const auto result =
            xtgrad::training::run_training(config, &progress, [] { return g_stop.load(); });
        if (result.outcome == xtgrad::training::RunOutcome::interrupted) {
            std::cout << "\nmnist-train: stopped by signal " << g_signal << " in epoch "
                      << result.stopped_at.epoch << " after " << result.stopped_at.batches
                      << " batches; "
                      << (config.checkpoint.empty() ? "no --checkpoint given, nothing saved"
                                                    : "checkpoint saved to " + config.checkpoint +
                                                          " (continue with --resume)")
                      << std::endl;
            return 128 + g_signal;
        }
        if (!result.metrics.epochs.empty()) {
            const auto& last = result.metrics.epochs.back();
            std::cout << std::fixed << std::setprecision(4) << "final test accuracy "
                      << last.test_acc << " (loss " << last.test_loss << ")\n";
        }
        if (!config.metrics_out.empty())
            std::cout << "metrics written to " << config.metrics_out << "\n";
    } catch (const xtgrad::training::TrainingDiverged& e) {
        std::cerr << "mnist-train: " << e.what() << "\n";
        if (!config.checkpoint.empty())
            std::cerr << "the last good checkpoint is " << config.checkpoint << "\n";
        return 3;
    } catch (const xtgrad::AnomalyError& e) {
        std::cerr << "mnist-train: " << e.what() << "\n";
        if (!config.checkpoint.empty())
            std::cerr << "the last good checkpoint is " << config.checkpoint << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "mnist-train: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
