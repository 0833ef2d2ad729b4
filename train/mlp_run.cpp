#include "xtgrad/train/mlp_run.hpp"

#include <algorithm>
#include <thread>

#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/io/npy.hpp"
#include "xtgrad/io/read_file.hpp"
#include "xtgrad/nn/batch_norm.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/conv.hpp"
#include "xtgrad/nn/dropout.hpp"
#include "xtgrad/nn/linear.hpp"
#include "xtgrad/nn/sequential.hpp"
#include "xtgrad/nn/weights.hpp"
#include "xtgrad/optim/optim.hpp"
#ifdef XTGRAD_HAVE_MPI
#include "xtgrad/dist/data_parallel.hpp"
#endif

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
    const auto inputs =
        config.model == ModelKind::cnn ? data::normalized_images<T> : data::normalized_inputs<T>;
    return {inputs(raw.train, normalization), raw.train.labels, inputs(raw.test, normalization),
            raw.test.labels};
}

namespace {

/// conv-act-pool twice on (N, 1, 28, 28) images, then the hidden layers: the LeNet shape of
/// every peer's MNIST example.
template <class T>
typename nn::Module<T>::Ptr make_cnn(const RunConfig& config, RandomEngine& rng) {
    auto net = std::make_shared<nn::Sequential<T>>();
    std::size_t channels = 1;
    std::size_t side = 28;
    for (const std::size_t out : {std::size_t{16}, std::size_t{32}}) {
        const std::string layer = std::to_string(out == 16 ? 1 : 2);
        net->add("conv" + layer,
                 std::make_shared<nn::Conv2d<T>>(nn::Conv2dOptions{.in_channels = channels,
                                                                   .out_channels = out,
                                                                   .kernel = {5, 5},
                                                                   .padding = {2, 2}},
                                                 rng));
        if (config.batch_norm)
            net->add("bn" + layer, std::make_shared<nn::BatchNorm2d<T>>(
                                       nn::BatchNormOptions{.num_features = out}));
        net->add("act" + layer, nn::make_activation<T>(config.act));
        net->add("pool" + layer, std::make_shared<nn::MaxPool2d<T>>());
        channels = out;
        side /= 2;
    }
    net->add("flatten", std::make_shared<nn::Flatten<T>>());
    std::size_t features = channels * side * side;
    const auto linear = [&](std::size_t out) {
        return std::make_shared<nn::Linear<T>>(
            nn::LinearOptions{
                .in_features = features, .out_features = out, .init = nn::Init::kaiming_uniform()},
            rng);
    };
    for (std::size_t i = 0; i < config.hidden.size(); ++i) {
        net->add("fc" + std::to_string(i + 1), linear(config.hidden[i]));
        net->add("act" + std::to_string(i + 3), nn::make_activation<T>(config.act));
        features = config.hidden[i];
    }
    if (config.dropout > 0)
        net->add("dropout", std::make_shared<nn::Dropout<T>>(config.dropout, rng));
    net->add("fc" + std::to_string(config.hidden.size() + 1), linear(kClasses));
    return net;
}

}  // namespace

template <class T>
Model<T> make_model(const RunConfig& config, std::size_t features, RandomEngine& rng) {
    Model<T> model;
    if (config.model == ModelKind::cnn) {
        model.network = make_cnn<T>(config, rng);
    } else {
        std::vector<std::size_t> sizes = {features};
        sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
        sizes.push_back(kClasses);
        model.network =
            nn::make_mlp<T>({sizes, config.act, nn::Init::normal(config.init_std)}, rng).ptr();
    }
    model.loss = nn::make_loss<T>(choice_name(config.loss), static_cast<T>(config.margin));
    return model;
}

std::string describe_model(const RunConfig& config) {
    StdRandom unused(0);
    return make_model<float>(config, 28 * 28, unused).network->describe();
}

template <class T>
std::unique_ptr<optim::Optimizer<T>> make_optimizer(const RunConfig& c,
                                                    std::vector<Tensor<T>> parameters) {
    switch (c.optimizer) {
        case OptimizerKind::sgd:
            return std::make_unique<optim::SGD<T>>(
                std::move(parameters),
                optim::SGDOptions{
                    .lr = c.lr, .momentum = c.momentum, .weight_decay = c.weight_decay});
        case OptimizerKind::adam:
            return std::make_unique<optim::Adam<T>>(
                std::move(parameters), optim::AdamOptions{.lr = c.lr,
                                                          .beta1 = c.beta1,
                                                          .beta2 = c.beta2,
                                                          .eps = c.eps,
                                                          .weight_decay = c.weight_decay,
                                                          .amsgrad = c.amsgrad});
        case OptimizerKind::adamw:
            return std::make_unique<optim::AdamW<T>>(
                std::move(parameters), optim::AdamWOptions{.lr = c.lr,
                                                           .beta1 = c.beta1,
                                                           .beta2 = c.beta2,
                                                           .eps = c.eps,
                                                           .weight_decay = c.weight_decay,
                                                           .amsgrad = c.amsgrad});
        case OptimizerKind::rmsprop:
            return std::make_unique<optim::RMSprop<T>>(
                std::move(parameters), optim::RMSpropOptions{.lr = c.lr,
                                                             .eps = c.eps,
                                                             .weight_decay = c.weight_decay,
                                                             .momentum = c.momentum});
        case OptimizerKind::adagrad:
            return std::make_unique<optim::Adagrad<T>>(
                std::move(parameters),
                optim::AdagradOptions{.lr = c.lr, .weight_decay = c.weight_decay, .eps = c.eps});
    }
    throw std::invalid_argument("make_optimizer: an optimizer outside its enum");
}

std::unique_ptr<optim::LrScheduler> make_schedule(const RunConfig& c,
                                                  optim::LearningRates& optimizer) {
    std::unique_ptr<optim::LrScheduler> schedule;
    if (c.epochs == 0) return schedule;  // evaluation only: nothing to schedule (a cosine of 0)
    switch (c.lr_schedule) {
        case ScheduleKind::none:
            break;
        case ScheduleKind::step:
            schedule = std::make_unique<optim::StepDecay>(
                optimizer, optim::StepDecay::Options{c.lr_step, c.lr_gamma});
            break;
        case ScheduleKind::multistep:
            schedule = std::make_unique<optim::MultiStepDecay>(
                optimizer, optim::MultiStepDecay::Options{c.lr_milestones, c.lr_gamma});
            break;
        case ScheduleKind::exponential:
            schedule = std::make_unique<optim::ExponentialDecay>(
                optimizer, optim::ExponentialDecay::Options{c.lr_gamma});
            break;
        case ScheduleKind::cosine:
            schedule = std::make_unique<optim::CosineAnnealing>(
                optimizer,
                optim::CosineAnnealing::Options{c.lr_period ? c.lr_period : c.epochs, c.lr_min});
            break;
        case ScheduleKind::plateau:
            schedule = std::make_unique<optim::ReduceOnPlateau>(
                optimizer,
                optim::ReduceOnPlateau::Options{.factor = c.lr_gamma, .patience = c.lr_patience});
            break;
    }
    if (c.warmup_epochs == 0 && c.warmup_steps == 0) return schedule;
    return std::make_unique<optim::Warmup>(
        optimizer, optim::Warmup::Options{.epochs = c.warmup_epochs, .steps = c.warmup_steps},
        std::move(schedule));
}

template <class T>
MlpRun<T>::MlpRun(const RunConfig& config, const TrainingData<T>& data, const ModelFactory<T>& make,
                  data::Shard shard)
    : config_(config),
      rng_(make_random_engine(choice_name(config.rng), config.seed)),
      model_((make ? make : ModelFactory<T>(make_model<T>))(config, data.features(), *rng_)),
      optimizer_(make_optimizer(config, model_.network->parameters())),
      schedule_(make_schedule(config, *optimizer_)),
      train_loader_(data.train_inputs, data.train_labels,
                    {.batch_size = config.batch_size,
                     .shuffle = true,
                     .max_shift = config.augment_shift,
                     .shard = shard},
                    rng_.get()),
      test_loader_(data.test_inputs, data.test_labels,
                   {.batch_size = config.batch_size, .shard = shard}),
      trainer_(*model_.network, *model_.loss, *optimizer_, train_loader_, test_loader_) {
    if (model_.accuracy) trainer_.set_accuracy(model_.accuracy);
    if (schedule_) trainer_.set_schedule(*schedule_);
    trainer_.set_clip_grad_norm(config.clip_grad_norm);
}

template <class T>
void MlpRun<T>::set_parallel(Parallel<T>& parallel, bool write_files) {
    trainer_.set_parallel(parallel);
    parallel_ = &parallel;
    write_files_ = write_files;
}

template <class T>
io::Archive MlpRun<T>::read_shared_checkpoint(const std::filesystem::path& file) {
    return io::parse_archive(
        parallel_->from_first_process([&] { return io::read_whole_file<io::ArchiveError>(file); }),
        file.string());
}

template <class T>
RunResult MlpRun<T>::run(const std::function<bool()>& should_stop,
                         std::optional<nlohmann::json> settings) {
    nn::ComposedGuard path(config_.path == LayerPath::composed);
    // A stop one process sees (its signal) stops every process after the same step.
    const auto stop = [this, should_stop] {
        const bool requested = should_stop && should_stop();
        return parallel_ ? parallel_->any(requested) : requested;
    };
    std::function<io::Archive(const std::filesystem::path&)> read_checkpoint;
    if (parallel_)
        read_checkpoint = [this](const std::filesystem::path& file) {
            return read_shared_checkpoint(file);
        };
    return train::run(trainer_, *rng_,
                      {.epochs = config_.epochs,
                       .checkpoint = config_.checkpoint,
                       .checkpoint_every = config_.checkpoint_every,
                       .resume = config_.resume,
                       .metrics_out = config_.metrics_out,
                       .settings = settings ? *settings : to_json(config_),
                       .check_resumable =
                           [this](const nlohmann::json& saved) { check_resumable(saved, config_); },
                       .read_checkpoint = read_checkpoint,
                       .write_files = write_files_,
                       .should_stop = stop});
}

namespace {
/// config.threads, or for 0 every core, shared among a data-parallel run's processes here.
int resolved_threads(const RunConfig& config) {
    if (config.threads > 0) return config.threads;
    int processes_here = 1;
#ifdef XTGRAD_HAVE_MPI
    if (const dist::World* world = dist::World::current(); config.distributed && world)
        processes_here = world->local_size();
#endif
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / processes_here);
}

#ifdef XTGRAD_HAVE_MPI
const dist::World& required_world(const RunConfig& config) {
    const dist::World* world = dist::World::current();
    if (world == nullptr)
        throw std::logic_error("distributed: run_training needs a live dist::World");
    if (config.batch_size % static_cast<std::size_t>(world->size()) != 0)
        throw std::invalid_argument("batch-size " + std::to_string(config.batch_size) +
                                    " does not divide among the " + std::to_string(world->size()) +
                                    " processes of this MPI launch");
    return *world;
}
#endif
}  // namespace

void configure_machine(const RunConfig& config) {
    blas::set_num_threads(resolved_threads(config));
    blas::set_backend(config.gemm);
}

RunResult run_training(const RunConfig& requested, Observer* observer,
                       const std::function<bool()>& should_stop) {
    RunConfig config = requested;  // with the thread count resolved, as the metrics record it
    config.threads = resolved_threads(config);
    configure_machine(config);
    data::Shard shard;
#ifdef XTGRAD_HAVE_MPI
    const dist::World* world = config.distributed ? &required_world(config) : nullptr;
    if (world)
        shard = {static_cast<std::size_t>(world->rank()), static_cast<std::size_t>(world->size())};
#else
    if (config.distributed) throw std::invalid_argument("distributed: this build has no MPI");
#endif
    const RawData raw = load_raw_data(config);
    AnomalyModeGuard anomaly(config.detect_anomaly);
    const auto run_typed = [&]<class T>(T) {
        const TrainingData<T> data = prepare_data<T>(raw, config);
        MlpRun<T> run(config, data, {}, shard);
        nn::Module<T>& network = *run.model().network;
        // Process 0 alone reads and writes weight files (DataParallel broadcasts its weights);
        // a resumed run's weights come from the checkpoint.
        const bool first_process = shard.index == 0;
        if (!config.load_weights.empty() && !config.resume && first_process)
            nn::load_weights(config.load_weights, network, config.weight_layout);
#ifdef XTGRAD_HAVE_MPI
        std::optional<dist::DataParallel<T>> parallel;
        if (world) run.set_parallel(parallel.emplace(*world, network), first_process);
#endif
        if (observer) run.trainer().add_observer(*observer);
        RunResult result = run.run(should_stop);
#ifdef XTGRAD_HAVE_MPI
        if (parallel)
            result.data_parallel = {world->size(), parallel->reductions(),
                                    parallel->reduce_seconds()};
#endif
        if (result.outcome != RunOutcome::completed || !first_process) return result;
        if (!config.save_weights.empty())
            nn::save_weights(config.save_weights, network, config.weight_layout);
        if (!config.logits_out.empty()) {
            NoGradGuard no_grad;
            network.eval();
            io::save_npy(config.logits_out, network(Tensor<T>(data.test_inputs)).value());
            network.train();
        }
        return result;
    };
    return config.dtype == Dtype::float64 ? run_typed(double{}) : run_typed(float{});
}

#define XTGRAD_INSTANTIATE(T)                                                      \
    template TrainingData<T> prepare_data(const RawData&, const RunConfig&);       \
    template Model<T> make_model(const RunConfig&, std::size_t, RandomEngine&);    \
    template class MlpRun<T>;                                                      \
    template std::unique_ptr<optim::Optimizer<T>> make_optimizer(const RunConfig&, \
                                                                 std::vector<Tensor<T>>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::train
