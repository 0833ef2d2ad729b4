#include "xtgrad/train/trainer.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <string>

#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/optim/clip.hpp"

namespace xtgrad::train {

template <class T>
Trainer<T>::Trainer(nn::Module<T>& model, nn::Loss<T>& loss, optim::Optimizer<T>& optimizer,
                    data::DataLoader<T>& train_loader, data::DataLoader<T>& test_loader)
    : model_(model),
      loss_(loss),
      optimizer_(optimizer),
      train_loader_(train_loader),
      test_loader_(test_loader),
      accuracy_([](const Tensor<T>& logits, std::span<const Label> labels) {
          return nn::accuracy(logits, labels);
      }) {
    if (train_loader.batches_per_epoch() == 0 || test_loader.batches_per_epoch() == 0)
        throw std::invalid_argument("no complete batch: " + std::to_string(train_loader.samples()) +
                                    " training and " + std::to_string(test_loader.samples()) +
                                    " test samples");
}

template <class T>
Trainer<T>& Trainer<T>::set_accuracy(AccuracyFn<T> accuracy) {
    accuracy_ = std::move(accuracy);
    return *this;
}

template <class T>
Trainer<T>& Trainer<T>::add_observer(Observer& observer) {
    observers_.push_back(&observer);
    return *this;
}

template <class T>
Trainer<T>& Trainer<T>::set_schedule(optim::LrScheduler& schedule) {
    schedule_ = &schedule;
    return *this;
}

template <class T>
Trainer<T>& Trainer<T>::set_parallel(Parallel<T>& parallel) {
    parallel_ = &parallel;
    return *this;
}

template <class T>
Trainer<T>& Trainer<T>::set_clip_grad_norm(double max_norm) {
    if (!(max_norm >= 0 && std::isfinite(max_norm)))
        throw std::invalid_argument("clip_grad_norm must be finite and >= 0, got " +
                                    std::to_string(max_norm));
    clip_grad_norm_ = max_norm;
    return *this;
}

template <class T>
EpochMetrics Trainer<T>::run_epoch(std::size_t epoch) {
    const auto start = std::chrono::steady_clock::now();
    begin_epoch(epoch);
    train_steps();
    return end_epoch(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

template <class T>
std::pair<double, double> Trainer<T>::train_epoch(std::size_t epoch) {
    begin_epoch(epoch);
    train_steps();
    const double batches = static_cast<double>(state_.batches);
    return {state_.loss_sum / batches, state_.acc_sum / batches};
}

template <class T>
void Trainer<T>::begin_epoch(std::size_t epoch) {
    state_ = {epoch, 0, 0, 0};
    train_loader_.start_epoch();
    for (Observer* o : observers_) o->on_epoch_start(epoch);
}

template <class T>
void Trainer<T>::restore(const EpochState& state, std::vector<std::size_t> order) {
    train_loader_.restore(std::move(order), state.batches);
    state_ = state;
    for (Observer* o : observers_) o->on_epoch_start(state.epoch);
}

namespace {
void throw_if_diverged(double value, const char* what, const EpochState& state) {
    if (!std::isfinite(value))
        throw TrainingDiverged("training diverged at epoch " + std::to_string(state.epoch) +
                               ", iteration " + std::to_string(state.batches + 1) + ": the " +
                               what + " is " + std::to_string(value));
}
}  // namespace

template <class T>
bool Trainer<T>::train_steps(const std::function<bool()>& stop) {
    model_.train();
    data::Batch<T> batch;
    while (train_loader_.next(batch)) {
        optimizer_.zero_grad();
        if (parallel_) parallel_->synchronize_buffers();
        // The batch's mean loss and accuracy; a process of a data-parallel run holds part of the
        // batch and weighs its means by its fraction of it (1 otherwise: the same bits).
        std::array<double, 2> means{0, 0};
        if (batch.size() > 0) {
            const Tensor<T> logits = model_(batch.inputs);
            const Tensor<T> loss = loss_(logits, batch.labels);
            means = {loss.item() * batch.fraction(),
                     accuracy_(logits, batch.labels) * batch.fraction()};
            if (!parallel_) throw_if_diverged(means[0], "loss", state_);
            loss.backward();
        }
        if (parallel_) {
            parallel_->reduce_gradients(optimizer_.parameters(), batch.fraction());
            parallel_->sum(means);
            throw_if_diverged(means[0], "loss", state_);
        }
        const auto [loss_value, acc_value] = means;
        if (clip_grad_norm_ > 0)
            throw_if_diverged(optim::clip_grad_norm(optimizer_.parameters(), clip_grad_norm_),
                              "gradient norm", state_);
        optimizer_.step();
        if (schedule_) schedule_->batch_done();
        state_.loss_sum += loss_value;
        state_.acc_sum += acc_value;
        ++state_.batches;
        for (Observer* o : observers_)
            o->on_step({state_.epoch, state_.batches, loss_value, acc_value});
        if (stop && stop()) return train_loader_.position() >= train_loader_.batches_per_epoch();
    }
    return true;
}

template <class T>
EpochMetrics Trainer<T>::end_epoch(double seconds) {
    const auto [test_loss, test_acc] = evaluate();
    const double batches = static_cast<double>(state_.batches);
    EpochMetrics metrics{
        state_.epoch, state_.loss_sum / batches, state_.acc_sum / batches, test_loss, test_acc,
        seconds};
    if (schedule_) schedule_->step(test_loss);
    for (Observer* o : observers_) o->on_epoch_end(metrics);
    return metrics;
}

template <class T>
std::pair<double, double> Trainer<T>::evaluate() {
    NoGradGuard no_grad;
    model_.eval();
    if (parallel_) parallel_->synchronize_buffers();  // evaluate what process 0 checkpoints
    std::array<double, 2> sums{0, 0};                 // of the batches' mean loss and accuracy
    std::size_t batches = 0;
    for (const auto& batch : test_loader_) {
        if (batch.size() > 0) {
            const Tensor<T> logits = model_(batch.inputs);
            sums[0] += loss_(logits, batch.labels).item() * batch.fraction();
            sums[1] += accuracy_(logits, batch.labels) * batch.fraction();
        }
        ++batches;
    }
    if (parallel_) parallel_->sum(sums);
    model_.train();
    return {sums[0] / static_cast<double>(batches), sums[1] / static_cast<double>(batches)};
}

#define XTGRAD_INSTANTIATE(T) template class Trainer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::train
