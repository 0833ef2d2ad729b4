// The training loop of the lab (section 5), shared by mnist-train, lab-report and the
// benchmarks: per epoch, shuffled mini-batches (forward, loss, backward, step; loss and
// accuracy taken before the update), then the test set in order under NoGradGuard.
#pragma once

#include <functional>
#include <memory>
#include <span>

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
    /// Mean test loss and accuracy over test batches of batch_size, in order.
    std::pair<double, double> evaluate();

    Model<T>& model() { return model_; }
    optim::SGD<T>& optimizer() { return optimizer_; }

  private:
    TrainConfig config_;
    Model<T> model_;
    const TrainingData<T>& data_;
    optim::SGD<T> optimizer_;
    data::DataLoader<T> train_loader_;
    data::DataLoader<T> test_loader_;
    Progress* progress_;
};

/// A whole standard run of config (MLP + loss from the config): loads the data, trains, writes
/// the metrics file after every epoch if config.metrics_out is set.
RunMetrics run_training(const TrainConfig& config, Progress* progress);

extern template class Trainer<float>;
extern template class Trainer<double>;

}  // namespace xtgrad::training
