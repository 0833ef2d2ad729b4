// A whole run around a Trainer: resume from a checkpoint, epochs, the metrics file after every
// epoch, a checkpoint every N epochs, and a clean stop when asked (a signal) or on divergence.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/io/archive.hpp"
#include "xtgrad/train/metrics.hpp"
#include "xtgrad/train/trainer.hpp"

namespace xtgrad::train {

struct RunOptions {
    std::size_t epochs = 1;
    std::filesystem::path checkpoint;   // empty: no checkpoints
    std::size_t checkpoint_every = 1;   // epochs between checkpoints (and one at the end)
    bool resume = false;                // continue from `checkpoint`
    std::filesystem::path metrics_out;  // rewritten atomically after every epoch; empty: none
    nlohmann::json settings = nlohmann::json::object();  // the metrics' "config", checkpointed
    /// Gets a checkpoint's saved settings on resume; throws to refuse them.
    std::function<void(const nlohmann::json& saved)> check_resumable;
    /// Reads the checkpoint on resume (default io::load_archive): a data-parallel run reads it on
    /// its first process and broadcasts it, so the others need no shared filesystem.
    std::function<io::Archive(const std::filesystem::path&)> read_checkpoint;
    /// Whether this process writes the checkpoint and metrics file: in a data-parallel run only
    /// the first process does.
    bool write_files = true;
    /// Asked after every step: true saves a checkpoint there and ends the run as interrupted.
    std::function<bool()> should_stop;
};

enum class RunOutcome { completed, interrupted };

struct RunResult {
    RunMetrics metrics;
    RunOutcome outcome = RunOutcome::completed;
    EpochState stopped_at;  // where an interrupted run stopped
    /// A data-parallel run's processes and its gradient reductions (run_training fills it).
    struct DataParallel {
        int processes = 1;
        std::size_t steps = 0;
        double reduce_seconds = 0;
    };
    std::optional<DataParallel> data_parallel;
};

/// Runs epochs until options.epochs are done; with options.epochs 0 (and no resume) it evaluates
/// the model as it is instead (metrics.evaluation). rng is the engine the training loader shuffles
/// with (checkpoints save its state). Throws TrainingDiverged (the last checkpoint stays as it
/// was) and whatever resuming or writing throws.
template <class T>
RunResult run(Trainer<T>& trainer, RandomEngine& rng, const RunOptions& options);

#define XTGRAD_EXTERN(T) \
    extern template RunResult run(Trainer<T>&, RandomEngine&, const RunOptions&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::train
