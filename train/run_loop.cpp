#include "xtgrad/train/run_loop.hpp"

#include <chrono>

#include "xtgrad/train/checkpoint.hpp"

namespace xtgrad::train {

template <class T>
RunResult run(Trainer<T>& trainer, RandomEngine& rng, const RunOptions& options) {
    RunResult result;
    result.metrics.config = options.settings;
    RunMetrics& metrics = result.metrics;
    if (options.resume) {
        const io::Archive saved = options.read_checkpoint
                                      ? options.read_checkpoint(options.checkpoint)
                                      : io::load_archive(options.checkpoint);
        metrics =
            restore_checkpoint(saved, options.checkpoint, trainer, rng, options.check_resumable);
        metrics.config = options.settings;
    }
    metrics.machine = machine_report();
    for (Observer* o : trainer.observers())
        o->on_run_start({options.epochs, trainer.train_loader().batches_per_epoch(),
                         trainer.train_loader().options().batch_size});

    const auto stop_requested = [&] { return options.should_stop && options.should_stop(); };
    const auto checkpoint = [&] {
        if (options.write_files && !options.checkpoint.empty())
            save_checkpoint(options.checkpoint, trainer, rng, metrics);
    };
    // A checkpoint taken mid-epoch continues that epoch; one taken after an epoch starts the next.
    bool mid_epoch = options.resume && metrics.epochs.size() < trainer.state().epoch;
    const std::size_t first =
        options.resume ? trainer.state().epoch + (mid_epoch ? 0 : 1) : std::size_t{1};
    for (std::size_t epoch = first; epoch <= options.epochs; ++epoch) {
        if (stop_requested()) {
            checkpoint();
            result.outcome = RunOutcome::interrupted;
            break;
        }
        const auto start = std::chrono::steady_clock::now();
        if (!mid_epoch) trainer.begin_epoch(epoch);
        mid_epoch = false;
        if (!trainer.train_steps(stop_requested)) {
            checkpoint();
            result.outcome = RunOutcome::interrupted;
            break;
        }
        metrics.epochs.push_back(trainer.end_epoch(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
        if (options.write_files && !options.metrics_out.empty())
            write_json_atomically(options.metrics_out, metrics.to_json());
        if (epoch % options.checkpoint_every == 0 || epoch == options.epochs) checkpoint();
    }
    if (options.epochs == 0 && !options.resume) {
        const auto [test_loss, test_acc] = trainer.evaluate();
        metrics.evaluation = Evaluation{test_loss, test_acc};
        if (options.write_files && !options.metrics_out.empty())
            write_json_atomically(options.metrics_out, metrics.to_json());
    }
    result.stopped_at = trainer.state();
    return result;
}

#define XTGRAD_INSTANTIATE(T) template RunResult run(Trainer<T>&, RandomEngine&, const RunOptions&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::train
