#include "xtgrad/train/mlp_run.hpp"

#include <algorithm>
#include <thread>

#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/sequential.hpp"

namespace xtgrad::train {

RawData load_raw_data(const RunConfig& config) {
    const auto dir = config.resolved_data_dir();
    RawData raw{data::load_mnist(dir, data::Split::train, kClasses),
                data::load_mnist(dir, data::Split::test, kClasses)};
    raw.train = data::first_samples(raw.train, config.limit_train);
    return raw;
}

template <class T>
TrainingData<T> prepare_data(const RawData& raw, const RunConfig& config) {
    const data::Normalization normalization =
        data::parse_normalization(choice_name(config.normalize), raw.train);
    return {data::normalized_inputs<T>(raw.train, normalization), raw.train.labels,
            data::normalized_inputs<T>(raw.test, normalization), raw.test.labels};
}

template <class T>
Model<T> make_model(const RunConfig& config, std::size_t features, RandomEngine& rng) {
    std::vector<std::size_t> sizes = {features};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(kClasses);
    Model<T> model;
    model.network =
        nn::make_mlp<T>({sizes, config.act, nn::Init::normal(config.init_std)}, rng).ptr();
    model.loss = nn::make_loss<T>(choice_name(config.loss), static_cast<T>(config.margin));
    return model;
}

template <class T>
MlpRun<T>::MlpRun(const RunConfig& config, const TrainingData<T>& data, const ModelFactory<T>& make)
    : config_(config),
      rng_(make_random_engine(choice_name(config.rng), config.seed)),
      model_((make ? make : ModelFactory<T>(make_model<T>))(config, data.features(), *rng_)),
      optimizer_(
          model_.network->parameters(),
          {.lr = config.lr, .momentum = config.momentum, .weight_decay = config.weight_decay}),
      train_loader_(data.train_inputs, data.train_labels,
                    {.batch_size = config.batch_size, .shuffle = true}, rng_.get()),
      test_loader_(data.test_inputs, data.test_labels, {.batch_size = config.batch_size}),
      trainer_(*model_.network, *model_.loss, optimizer_, train_loader_, test_loader_) {
    if (model_.accuracy) trainer_.set_accuracy(model_.accuracy);
}

template <class T>
RunResult MlpRun<T>::run(const std::function<bool()>& should_stop,
                         std::optional<nlohmann::json> settings) {
    nn::ComposedGuard path(config_.path == LayerPath::composed);
    return train::run(trainer_, *rng_,
                      {.epochs = config_.epochs,
                       .checkpoint = config_.checkpoint,
                       .checkpoint_every = config_.checkpoint_every,
                       .resume = config_.resume,
                       .metrics_out = config_.metrics_out,
                       .settings = settings ? *settings : to_json(config_),
                       .check_resumable =
                           [this](const nlohmann::json& saved) { check_resumable(saved, config_); },
                       .should_stop = should_stop});
}

RunResult run_training(const RunConfig& requested, Observer* observer,
                       const std::function<bool()>& should_stop) {
    RunConfig config = requested;  // with the thread count resolved, as the metrics record it
    if (config.threads == 0)
        config.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    blas::set_num_threads(config.threads);
    const RawData raw = load_raw_data(config);
    AnomalyModeGuard anomaly(config.detect_anomaly);
    const auto run_typed = [&]<class T>(T) {
        const TrainingData<T> data = prepare_data<T>(raw, config);
        MlpRun<T> run(config, data);
        if (observer) run.trainer().add_observer(*observer);
        return run.run(should_stop);
    };
    return config.dtype == Dtype::float64 ? run_typed(double{}) : run_typed(float{});
}

#define XTGRAD_INSTANTIATE(T)                                                   \
    template TrainingData<T> prepare_data(const RawData&, const RunConfig&);    \
    template Model<T> make_model(const RunConfig&, std::size_t, RandomEngine&); \
    template class MlpRun<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::train
