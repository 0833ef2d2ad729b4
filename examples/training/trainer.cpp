#include "trainer.hpp"

#include "checkpoint.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include <xtgrad/autograd/blas.hpp>
#include <xtgrad/autograd/tape.hpp>

namespace xtgrad::training {

RawData load_raw_data(const TrainConfig& config) {
    const auto dir = config.resolved_data_dir();
    RawData raw{data::load_mnist(dir, data::Split::train),
                data::load_mnist(dir, data::Split::test)};
    raw.train = data::first_samples(raw.train, config.limit_train);
    return raw;
}

template <class T>
TrainingData<T> prepare_data(const RawData& raw, const TrainConfig& config) {
    const data::Normalization normalization =
        data::parse_normalization(config.normalize, raw.train);
    return {data::normalized_inputs<T>(raw.train, normalization), raw.train.labels,
            data::normalized_inputs<T>(raw.test, normalization), raw.test.labels};
}

template <class T>
Model<T> make_model(const TrainConfig& config, RandomEngine& rng) {
    std::vector<std::size_t> sizes = {784};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(10);
    Model<T> model;
    model.network = nn::make_mlp<T>(
        {sizes, nn::parse_activation(config.activation), nn::Init::normal(config.init_std)}, rng);
    model.network->set_fused(config.path == "fused");
    model.loss = nn::make_loss<T>(config.loss, static_cast<T>(config.margin));
    model.loss->set_fused(config.path == "fused");
    return model;
}

template <class T>
Trainer<T>::Trainer(const TrainConfig& config, Model<T> model, const TrainingData<T>& data,
                    RandomEngine& rng, Progress* progress)
    : config_(config),
      model_(std::move(model)),
      data_(data),
      optimizer_(
          model_.network->parameters(),
          optim::SGDOptions(config.lr).momentum(config.momentum).weight_decay(config.weight_decay)),
      train_loader_(data.train_inputs, data.train_labels,
                    {.batch_size = config.batch_size, .shuffle = true}, &rng),
      test_loader_(data.test_inputs, data.test_labels, {.batch_size = config.batch_size}),
      progress_(progress) {
    if (train_loader_.batches_per_epoch() == 0 || test_loader_.batches_per_epoch() == 0)
        throw std::invalid_argument(
            "no complete batch: " + std::to_string(data.train_labels.size()) + " training and " +
            std::to_string(data.test_labels.size()) + " test samples");
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
    if (progress_) progress_->start_epoch(epoch);
}

template <class T>
void Trainer<T>::restore(const EpochState& state, std::vector<std::size_t> order) {
    train_loader_.restore(std::move(order), state.batches);
    state_ = state;
    if (progress_) progress_->start_epoch(state.epoch);
}

template <class T>
bool Trainer<T>::train_steps(const std::function<bool()>& stop) {
    model_.network->train();
    data::Batch<T> batch;
    while (train_loader_.next(batch)) {
        optimizer_.zero_grad();
        const Tensor<T> logits = (*model_.network)(batch.inputs);
        const Tensor<T> loss = (*model_.loss)(logits, batch.labels);
        const double loss_value = loss.item();
        if (!std::isfinite(loss_value))
            throw TrainingDiverged(
                "training diverged at epoch " + std::to_string(state_.epoch) + ", iteration " +
                std::to_string(state_.batches + 1) + ": the loss is " + std::to_string(loss_value) +
                " (try a smaller --lr; --detect-anomaly names the op that first produced it)");
        const double acc_value = model_.accuracy(logits, batch.labels);
        loss.backward();
        optimizer_.step();
        state_.loss_sum += loss_value;
        state_.acc_sum += acc_value;
        ++state_.batches;
        if (progress_) progress_->step(loss_value, acc_value);
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
    if (progress_) progress_->end_epoch(metrics);
    return metrics;
}

template <class T>
std::pair<double, double> Trainer<T>::evaluate() {
    NoGradGuard no_grad;
    model_.network->eval();
    double loss_sum = 0;
    double acc_sum = 0;
    std::size_t batches = 0;
    data::Batch<T> batch;
    test_loader_.start_epoch();
    while (test_loader_.next(batch)) {
        const Tensor<T> logits = (*model_.network)(batch.inputs);
        loss_sum += (*model_.loss)(logits, batch.labels).item();
        acc_sum += model_.accuracy(logits, batch.labels);
        ++batches;
    }
    model_.network->train();
    return {loss_sum / static_cast<double>(batches), acc_sum / static_cast<double>(batches)};
}

namespace {

template <class T>
RunResult run_typed(const TrainConfig& config, const RawData& raw, Progress* progress,
                    const std::function<bool()>& should_stop) {
    const TrainingData<T> data = prepare_data<T>(raw, config);
    // The one generator, seeded after the data is loaded: first the weights, then the shuffles.
    const auto rng = make_random_engine(config.rng, config.seed);
    Trainer<T> trainer(config, make_model<T>(config, *rng), data, *rng, progress);
    RunResult result{{to_json(config), {}}, RunOutcome::completed, {}};
    RunMetrics& metrics = result.metrics;
    if (config.resume) metrics = load_checkpoint(config.checkpoint, config, trainer, *rng);
    if (progress)
        progress->start_run(config.epochs, trainer.train_loader().batches_per_epoch(),
                            config.batch_size);

    const auto stop_requested = [&should_stop] { return should_stop && should_stop(); };
    const auto checkpoint = [&] {
        if (!config.checkpoint.empty())
            save_checkpoint(config.checkpoint, config, trainer, *rng, metrics);
    };
    // A checkpoint taken mid-epoch continues that epoch; one taken after an epoch starts the next.
    bool mid_epoch = config.resume && metrics.epochs.size() < trainer.state().epoch;
    for (std::size_t epoch = config.resume ? trainer.state().epoch + (mid_epoch ? 0 : 1) : 1;
         epoch <= config.epochs; ++epoch) {
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
        if (!config.metrics_out.empty())
            write_json_atomically(config.metrics_out, metrics.to_json());
        if (epoch % config.checkpoint_every == 0 || epoch == config.epochs) checkpoint();
    }
    result.stopped_at = trainer.state();
    return result;
}

}  // namespace

RunResult run_training(const TrainConfig& requested, Progress* progress,
                       const std::function<bool()>& should_stop) {
    TrainConfig config = requested;  // with the thread count resolved, as the metrics record it
    if (config.threads == 0)
        config.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    blas::set_num_threads(config.threads);
    const RawData raw = load_raw_data(config);
    AnomalyModeGuard anomaly(config.detect_anomaly);
    return config.dtype == "float64" ? run_typed<double>(config, raw, progress, should_stop)
                                     : run_typed<float>(config, raw, progress, should_stop);
}

template class Trainer<float>;
template class Trainer<double>;
template TrainingData<float> prepare_data(const RawData&, const TrainConfig&);
template TrainingData<double> prepare_data(const RawData&, const TrainConfig&);
template Model<float> make_model(const TrainConfig&, RandomEngine&);
template Model<double> make_model(const TrainConfig&, RandomEngine&);

}  // namespace xtgrad::training
