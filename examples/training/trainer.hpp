// The training loop of the lab (section 5), shared by mnist-train, lab-report and the
// benchmarks: per epoch, shuffled mini-batches (forward, loss, backward, step; loss and
// accuracy taken before the update), then the test set in order under NoGradGuard.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>

#include <xtgrad/data/dataset.hpp>
#include <xtgrad/data/loader.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/sgd.hpp>

#include "config.hpp"
#include "metrics.hpp"
#include "progress.hpp"

namespace xtgrad::training {

template <class T>
using AccuracyFn = std::function<double(const Tensor<T>& logits, std::span<const Label> labels)>;

/// What a run trains: the network, its loss, and how accuracy is read off the logits.
template <class T>
struct Model {
    std::shared_ptr<nn::Module<T>> network;
    std::shared_ptr<nn::Loss<T>> loss;
    AccuracyFn<T> accuracy = [](const Tensor<T>& logits, std::span<const Label> labels) {
        return nn::accuracy(logits, labels);
    };
};

/// Normalised inputs and labels of both splits, in the run's element type.
template <class T>
struct TrainingData {
    Array<T> train_inputs;
    std::vector<Label> train_labels;
    Array<T> test_inputs;
    std::vector<Label> test_labels;
};

/// Both splits of config's dataset, raw (shared by runs of any element type).
struct RawData {
    data::Dataset train;
    data::Dataset test;
};
RawData load_raw_data(const TrainConfig& config);

template <class T>
TrainingData<T> prepare_data(const RawData& raw, const TrainConfig& config);

/// The MLP and loss config describes, weights drawn from rng.
template <class T>
Model<T> make_model(const TrainConfig& config, RandomEngine& rng);

/// Thrown when a training loss is not finite: the step is not taken, so the weights (and the
/// last checkpoint) stay as they were.
class TrainingDiverged : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Where training stands: the epoch in progress and, within it, the batches done and their
/// sums. Checkpoints save it, so that a run stopped mid-epoch resumes bit for bit.
struct EpochState {
    std::size_t epoch = 0;  // 1-based; 0 before the first
    std::size_t batches = 0;
    double loss_sum = 0;
    double acc_sum = 0;
};

template <class T>
class Trainer {
  public:
    /// Draws the per-epoch shuffles from rng; the data must outlive the trainer.
    Trainer(const TrainConfig& config, Model<T> model, const TrainingData<T>& data,
            RandomEngine& rng, Progress* progress = nullptr);

    /// Trains one epoch and evaluates on the test set.
    EpochMetrics run_epoch(std::size_t epoch);
    /// Trains one epoch; mean batch loss and accuracy (each taken before its update).
    std::pair<double, double> train_epoch(std::size_t epoch);

    /// Starts an epoch: draws its shuffle and resets the sums.
    void begin_epoch(std::size_t epoch);
    /// Trains the epoch's remaining batches. After each step it asks stop(); if that returns
    /// true it stops there and returns false. Returns true once the epoch's batches are done.
    /// Throws TrainingDiverged if a loss is not finite.
    bool train_steps(const std::function<bool()>& stop = {});
    /// Evaluates and returns the finished epoch's metrics (seconds as given).
    EpochMetrics end_epoch(double seconds);

    const EpochState& state() const { return state_; }
    const data::DataLoader<T>& train_loader() const { return train_loader_; }
    /// Continues from a saved state: the epoch's sample order and the batches already done.
    void restore(const EpochState& state, std::vector<std::size_t> order);
    /// Mean test loss and accuracy over test batches of batch_size, in order.
    std::pair<double, double> evaluate();

    Model<T>& model() { return model_; }
    const Model<T>& model() const { return model_; }
    optim::SGD<T>& optimizer() { return optimizer_; }
    const optim::SGD<T>& optimizer() const { return optimizer_; }

  private:
    TrainConfig config_;
    Model<T> model_;
    const TrainingData<T>& data_;
    optim::SGD<T> optimizer_;
    data::DataLoader<T> train_loader_;
    data::DataLoader<T> test_loader_;
    Progress* progress_;
    EpochState state_;
};

/// How a run ended.
enum class RunOutcome { completed, interrupted };

struct RunResult {
    RunMetrics metrics;
    RunOutcome outcome = RunOutcome::completed;
    EpochState stopped_at;  // where an interrupted run stopped
};

/// A whole standard run of config (MLP + loss from the config): loads the data, resumes from
/// config.checkpoint if config.resume, trains, writes the metrics file after every epoch and a
/// checkpoint every config.checkpoint_every epochs. should_stop is asked after every step
/// (mnist-train answers whether SIGINT/SIGTERM arrived): when it says yes, the run saves a
/// checkpoint there and returns RunOutcome::interrupted.
RunResult run_training(const TrainConfig& config, Progress* progress,
                       const std::function<bool()>& should_stop = {});

extern template class Trainer<float>;
extern template class Trainer<double>;

}  // namespace xtgrad::training
