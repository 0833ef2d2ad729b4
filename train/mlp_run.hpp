// The standard run a RunConfig describes: an MLP with one of the losses, trained by SGD on an
// IDX image dataset (MNIST or Fashion-MNIST). mnist-train, the lab report, the benchmarks and
// the tests all build their runs here, on the library's Trainer and run loop.
#pragma once

#include <functional>
#include <memory>

#include "xtgrad/data/dataset.hpp"
#include "xtgrad/data/loader.hpp"
#include "xtgrad/optim/optimizer.hpp"
#include "xtgrad/optim/schedule.hpp"
#include "xtgrad/train/run_config.hpp"
#include "xtgrad/train/run_loop.hpp"
#include "xtgrad/train/trainer.hpp"

namespace xtgrad::train {

/// Both splits of config's dataset, raw (shared by runs of any element type).
struct RawData {
    data::Dataset train;
    data::Dataset test;
};
RawData load_raw_data(const RunConfig& config);

/// Normalised inputs (count, features) and labels of both splits, in the run's element type.
template <class T>
struct TrainingData {
    Array<T> train_inputs;
    std::vector<Label> train_labels;
    Array<T> test_inputs;
    std::vector<Label> test_labels;

    /// Values per sample (784 for MNIST, flat or as images).
    std::size_t features() const {
        return train_inputs.size() / std::max<std::size_t>(1, train_inputs.shape(0));
    }
};

template <class T>
TrainingData<T> prepare_data(const RawData& raw, const RunConfig& config);

/// What a run trains: the network, its loss, and how accuracy is read off the logits.
template <class T>
struct Model {
    std::shared_ptr<nn::Module<T>> network;
    std::shared_ptr<nn::Loss<T>> loss;
    AccuracyFn<T> accuracy;  // empty: nn::accuracy
};

/// Classes of the datasets a RunConfig names (MNIST and Fashion-MNIST both have ten).
inline constexpr std::size_t kClasses = 10;

/// "Sequential(conv1: Conv2d(1, 16, kernel (5, 5), padding (2, 2)), ...)": the network
/// config describes (over 28 x 28 images), for the programs to print at start.
std::string describe_model(const RunConfig& config);

/// The model (the MLP features -> config.hidden -> kClasses, or the CNN over 28 x 28 images)
/// and loss config describes, weights drawn from rng.
template <class T>
Model<T> make_model(const RunConfig& config, std::size_t features, RandomEngine& rng);

template <class T>
using ModelFactory =
    std::function<Model<T>(const RunConfig& config, std::size_t features, RandomEngine& rng)>;

/// One run's parts, built in the order that fixes the random stream: the engine (seeded from
/// the config), the model's weights, then the per-epoch shuffles.
template <class T>
class MlpRun {
  public:
    /// data must outlive the run; make (default make_model) builds the model; shard is the part
    /// of every batch this process trains and evaluates on (a data-parallel run's).
    MlpRun(const RunConfig& config, const TrainingData<T>& data, const ModelFactory<T>& make = {},
           data::Shard shard = {});

    Trainer<T>& trainer() { return trainer_; }
    RandomEngine& rng() { return *rng_; }
    const Model<T>& model() const { return model_; }
    optim::Optimizer<T>& optimizer() { return *optimizer_; }
    /// The config's learning-rate schedule, or null.
    optim::LrScheduler* schedule() { return schedule_.get(); }

    /// Trains data-parallel: the trainer reduces over parallel, stop requests are agreed on by
    /// every process, and only a process with write_files writes checkpoints and metrics.
    void set_parallel(Parallel<T>& parallel, bool write_files);

    /// The run loop with config's epochs, checkpoints and metrics file; the layers take the
    /// config's path. settings (default to_json(config)) go into the metrics and checkpoint.
    RunResult run(const std::function<bool()>& should_stop = {},
                  std::optional<nlohmann::json> settings = std::nullopt);

  private:
    /// The checkpoint as the first process reads it, broadcast to every process.
    io::Archive read_shared_checkpoint(const std::filesystem::path& file);

    RunConfig config_;
    std::unique_ptr<RandomEngine> rng_;
    Model<T> model_;
    std::unique_ptr<optim::Optimizer<T>> optimizer_;
    std::unique_ptr<optim::LrScheduler> schedule_;
    data::DataLoader<T> train_loader_;
    data::DataLoader<T> test_loader_;
    Trainer<T> trainer_;
    Parallel<T>* parallel_ = nullptr;
    bool write_files_ = true;
};

/// config's optimizer (--optimizer and its settings) over parameters.
template <class T>
std::unique_ptr<optim::Optimizer<T>> make_optimizer(const RunConfig& config,
                                                    std::vector<Tensor<T>> parameters);
/// config's schedule (--lr-schedule, --warmup-epochs) over optimizer, or null for none.
std::unique_ptr<optim::LrScheduler> make_schedule(const RunConfig& config,
                                                  optim::LearningRates& optimizer);

/// Applies config's machine settings: the thread count (0: every core, shared out among the
/// processes of a data-parallel run on this machine) and the gemm backend.
void configure_machine(const RunConfig& config);

/// A whole standard run of config: loads the data, resumes from config.checkpoint if
/// config.resume, trains with the given observer (may be null), writes the metrics file after
/// every epoch and a checkpoint every config.checkpoint_every epochs; should_stop is asked
/// after every step (mnist-train answers whether SIGINT/SIGTERM arrived). With
/// config.distributed it trains data-parallel over the processes of the live dist::World
/// (std::logic_error if there is none); process 0 alone writes files.
RunResult run_training(const RunConfig& config, Observer* observer,
                       const std::function<bool()>& should_stop = {});

#define XTGRAD_EXTERN(T)                                                                  \
    extern template TrainingData<T> prepare_data(const RawData&, const RunConfig&);       \
    extern template Model<T> make_model(const RunConfig&, std::size_t, RandomEngine&);    \
    extern template class MlpRun<T>;                                                      \
    extern template std::unique_ptr<optim::Optimizer<T>> make_optimizer(const RunConfig&, \
                                                                        std::vector<Tensor<T>>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::train
