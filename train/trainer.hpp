// Trainer: the epoch loop for any model, loss, optimizer and data. Per epoch, the training
// loader's batches (zero_grad, forward, loss, backward, the data-parallel reduction if set,
// clipping if set, step; loss and accuracy taken before the update), then the test loader's batches in order under
// NoGradGuard, then the learning-rate schedule if set.
//
//     train::Trainer<float> trainer(model, criterion, optimizer, train_loader, test_loader);
//     for (std::size_t epoch = 1; epoch <= 10; ++epoch) trainer.run_epoch(epoch);
//
// run_loop.hpp adds checkpoints, resume, signals and a metrics file around it.
#pragma once

#include <functional>
#include <span>
#include <stdexcept>
#include <vector>

#include "xtgrad/data/loader.hpp"
#include "xtgrad/nn/losses.hpp"
#include "xtgrad/nn/module.hpp"
#include "xtgrad/optim/optimizer.hpp"
#include "xtgrad/optim/schedule.hpp"
#include "xtgrad/train/metrics.hpp"
#include "xtgrad/train/observer.hpp"
#include "xtgrad/train/parallel.hpp"

namespace xtgrad::train {

template <class T>
using AccuracyFn = std::function<double(const Tensor<T>& logits, std::span<const Label> labels)>;

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
    /// Everything is referenced, not copied: it must outlive the trainer. Throws
    /// std::invalid_argument if either loader yields no batch.
    Trainer(nn::Module<T>& model, nn::Loss<T>& loss, optim::Optimizer<T>& optimizer,
            data::DataLoader<T>& train_loader, data::DataLoader<T>& test_loader);

    /// How accuracy is read off the logits (default nn::accuracy: the arg-max is the label).
    Trainer& set_accuracy(AccuracyFn<T> accuracy);
    Trainer& add_observer(Observer& observer);
    /// A schedule stepped after every epoch with the epoch's test loss, and told of every
    /// optimizer step (a warmup in steps moves the rate there); checkpoints save it.
    Trainer& set_schedule(optim::LrScheduler& schedule);
    /// Clips the gradients to this global 2-norm before every step (0: no clipping). A
    /// non-finite norm throws TrainingDiverged.
    Trainer& set_clip_grad_norm(double max_norm);
    /// Data-parallel training (dist::DataParallel): every process runs this loop over its shard
    /// of each batch (LoaderOptions::shard), and parallel turns the shards' gradients, losses
    /// and accuracies into the whole batch's before clipping and the step; the test loader's
    /// sums are reduced the same way. A stop function given to train_steps must then answer
    /// alike on every process (Parallel::any; MlpRun::run does so).
    Trainer& set_parallel(Parallel<T>& parallel);

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
    /// Mean test loss and accuracy over the test loader's batches, in order.
    std::pair<double, double> evaluate();

    const EpochState& state() const { return state_; }
    /// Continues from a saved state: the epoch's sample order and the batches already done.
    /// Throws std::invalid_argument if the order does not fit the training data.
    void restore(const EpochState& state, std::vector<std::size_t> order);

    nn::Module<T>& model() const { return model_; }
    nn::Loss<T>& loss() const { return loss_; }
    optim::Optimizer<T>& optimizer() const { return optimizer_; }
    optim::LrScheduler* schedule() const { return schedule_; }
    const data::DataLoader<T>& train_loader() const { return train_loader_; }
    const std::vector<Observer*>& observers() const { return observers_; }

  private:
    nn::Module<T>& model_;
    nn::Loss<T>& loss_;
    optim::Optimizer<T>& optimizer_;
    data::DataLoader<T>& train_loader_;
    data::DataLoader<T>& test_loader_;
    AccuracyFn<T> accuracy_;
    std::vector<Observer*> observers_;
    optim::LrScheduler* schedule_ = nullptr;
    double clip_grad_norm_ = 0;
    Parallel<T>* parallel_ = nullptr;
    EpochState state_;
};

#define XTGRAD_EXTERN(T) extern template class Trainer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::train
