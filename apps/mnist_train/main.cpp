// mnist-train: trains an MLP on MNIST (or Fashion-MNIST) and reports what it does.
//
//     mnist-train [--config FILE] [--hidden 128 | --hidden 256,128] [--act relu]
//                 [--loss softmax-ce] [--lr 0.1] [--epochs 5] ... [--metrics-out FILE]
//
// (--help lists everything; the flags are the fields of xtgrad/train/run_config.hpp.)
//
// A JSON config file gives the starting values; flags override it. Bad values stop the program
// with a message and exit code 2 before anything is loaded or trained.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <xtgrad/autograd/tape.hpp>
#include <xtgrad/train/mlp_run.hpp>
#include <xtgrad/train/progress.hpp>

#ifdef XTGRAD_HAVE_MPI
#include <xtgrad/dist/world.hpp>
#endif

#include "options.hpp"

namespace {

using xtgrad::train::RunConfig;

// Set by SIGINT/SIGTERM: training finishes its current step, saves a checkpoint and stops.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void request_stop(int signal) {
    g_signal = signal;
    g_stop = true;
}

/// Installs request_stop for SIGINT and SIGTERM on a stack of its own: oneDNN's JIT gemm kernels
/// keep data below the stack pointer, past the 128 bytes a signal frame leaves alone, and a
/// handler running on their stack corrupted the heap (seen after SIGINT mid-epoch).
void install_stop_handlers() {
    static std::vector<char> stack(std::max<std::size_t>(SIGSTKSZ, 1 << 16));
    stack_t alternate{};
    alternate.ss_sp = stack.data();
    alternate.ss_size = stack.size();
    if (sigaltstack(&alternate, nullptr) != 0) throw std::runtime_error("sigaltstack failed");
    struct sigaction action {};
    action.sa_handler = request_stop;
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGINT, SIGTERM})
        if (sigaction(signal, &action, nullptr) != 0) throw std::runtime_error("sigaction failed");
}

/// The value of --FLAG VALUE or --FLAG=VALUE (the last one given), read before the other flags:
/// --config so that they can override it, --model for the model's defaults.
std::optional<std::string> flag_argument(int argc, char** argv, const std::string& flag) {
    std::optional<std::string> value;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == flag && i + 1 < argc) value = argv[i + 1];
        if (arg.rfind(flag + "=", 0) == 0) value = arg.substr(flag.size() + 1);
    }
    return value;
}

/// The model the run will train: --model, else the config file's, else the default. An unknown
/// name is left for the command line's parser to report.
xtgrad::train::ModelKind chosen_model(int argc, char** argv, const std::string& config_file) {
    RunConfig probe;
    if (!config_file.empty()) xtgrad::train::apply_json_file(probe, config_file);
    if (const auto flag = flag_argument(argc, argv, "--model")) {
        try {
            return xtgrad::train::parse_choice<xtgrad::train::ModelKind>("model", *flag);
        } catch (const std::invalid_argument&) {
        }
    }
    return probe.model;
}

/// "--optimizer adam --lr 0.002 ..." for the help text.
std::string as_flags(const nlohmann::json& settings) {
    std::string text;
    for (const auto& [key, value] : settings.items())
        text += " --" + key + " " + (value.is_string() ? value.get<std::string>() : value.dump());
    return text;
}

/// Trains as config says, printing to out (errors to std::cerr, each line starting with who);
/// returns the exit code.
int train(const RunConfig& config, std::ostream& out, const std::string& who) {
    try {
        install_stop_handlers();
        xtgrad::train::configure_machine(config);
        out << xtgrad::train::describe_machine(xtgrad::train::machine_report()) << "\n";
        out << "model: " << xtgrad::train::describe_model(config) << "\n";
        xtgrad::train::Progress progress(out, xtgrad::train::Progress::stdout_is_terminal(),
                                         config.disp_freq);
        const auto result =
            xtgrad::train::run_training(config, &progress, [] { return g_stop.load(); });
        if (result.outcome == xtgrad::train::RunOutcome::interrupted) {
            out << "\n"
                << who << ": stopped by signal " << g_signal << " in epoch "
                << result.stopped_at.epoch << " after " << result.stopped_at.batches << " batches; "
                << (config.checkpoint.empty()
                        ? "no --checkpoint given, nothing saved"
                        : "checkpoint saved to " + config.checkpoint + " (continue with --resume)")
                << std::endl;
            return 128 + g_signal;
        }
        if (!result.metrics.epochs.empty()) {
            const auto& last = result.metrics.epochs.back();
            out << std::fixed << std::setprecision(4) << "final test accuracy " << last.test_acc
                << " (loss " << last.test_loss << ")\n";
        }
        if (const auto& parallel = result.data_parallel; parallel && parallel->steps > 0)
            out << std::fixed << std::setprecision(3) << "data-parallel over "
                << parallel->processes << (parallel->processes == 1 ? " process" : " processes")
                << ": gradient allreduce "
                << 1e3 * parallel->reduce_seconds / static_cast<double>(parallel->steps)
                << " ms per step (" << parallel->steps << " steps)\n";
        if (const auto& evaluation = result.metrics.evaluation)
            out << std::fixed << std::setprecision(4) << "test accuracy of " << config.load_weights
                << " " << evaluation->test_acc << " (loss " << evaluation->test_loss << ")\n";
        for (const auto& [file, what] :
             {std::pair{config.metrics_out, "metrics"}, std::pair{config.save_weights, "weights"},
              std::pair{config.logits_out, "test logits"}})
            if (!file.empty()) out << what << " written to " << file << "\n";
    } catch (const xtgrad::train::TrainingDiverged& e) {
        std::cerr
            << who + ": " << e.what()
            << " (try a smaller --lr; --detect-anomaly names the op that first produced it)\n";
        if (!config.checkpoint.empty())
            std::cerr << "the last good checkpoint is " << config.checkpoint << "\n";
        return 3;
    } catch (const xtgrad::AnomalyError& e) {
        std::cerr << who + ": " << e.what() << "\n";
        if (!config.checkpoint.empty())
            std::cerr << "the last good checkpoint is " << config.checkpoint << "\n";
        return 3;
    } catch (const xtgrad::data::MissingDataError& e) {
        std::cerr << who + ": " << e.what() << "; run scripts/get-mnist or pass --data-dir DIR\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << who + ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Defaults, then the model's own, then the config file, then the flags.
    RunConfig config;
    std::string config_file = flag_argument(argc, argv, "--config").value_or("");
    CLI::App app{"Train an MLP or a CNN on MNIST with xtgrad.", "mnist-train"};
    try {
        config = xtgrad::train::defaults_for(chosen_model(argc, argv, config_file));
        if (!config_file.empty()) xtgrad::train::apply_json_file(config, config_file);
    } catch (const std::exception& e) {
        std::cerr << "mnist-train: " << e.what() << "\n";
        return 2;
    }
    mnist_train::add_options(app, config, config_file);
    app.footer("--model cnn changes these defaults:" +
               as_flags(xtgrad::train::model_defaults(xtgrad::train::ModelKind::cnn)) +
               " (the command line and --config override them).");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help exits 0; any parse error 2, as for bad values
    }

    const auto errors = xtgrad::train::validate(config);
    if (!errors.empty()) {
        for (const auto& error : errors) std::cerr << "mnist-train: " << error << "\n";
        std::cerr << "Run with --help for the options.\n";
        return 2;
    }
#ifdef XTGRAD_HAVE_MPI
    // Under mpirun with --distributed: process 0 speaks, every process reports its own errors,
    // and an error one process meets alone ends the whole launch instead of leaving the others
    // waiting for it.
    std::optional<xtgrad::dist::World> world;
    if (config.distributed) world.emplace(argc, argv);
    const int rank = world ? world->rank() : 0;
    const std::string who =
        world ? "mnist-train[" + std::to_string(rank) + "/" + std::to_string(world->size()) + "]"
              : "mnist-train";
    std::ostream silent(nullptr);
    const int code = train(config, rank == 0 ? std::cout : silent, who);
    if (world && world->size() > 1 && code != 0 && code < 128) world->abort(code);
    return code;
#else
    return train(config, std::cout, "mnist-train");
#endif
}
