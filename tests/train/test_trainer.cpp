// The library's Trainer over a model, loss and optimizer of the user's own: any nn::Module,
// any nn::Loss, any optim::Optimizer (here one written in the test), with an Observer, and a
// checkpoint of it resumed bit for bit. (This suite is in no list: ctest discovers it.)
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>

#include <xtgrad/nn/nn.hpp>
#include <xtgrad/train/checkpoint.hpp>
#include <xtgrad/train/run_loop.hpp>
#include <xtgrad/train/trainer.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;

namespace {

struct TinyNet : nn::Module<double> {
    explicit TinyNet(RandomEngine& rng)
        : fc1(register_module<nn::Lineard>("fc1", 2, 8, rng)),
          fc2(register_module<nn::Lineard>("fc2", 8, 2, rng)) {}
    Tensord forward(const Tensord& x) override { return fc2(sigmoid(fc1(x))); }
    nn::ModuleHolder<nn::Lineard> fc1, fc2;
};

/// sign-SGD: an optimizer that is not SGD, written by the user. Its step counts live in the
/// base's per-parameter state, so checkpoints save them without code of its own.
class SignDescent : public optim::Optimizer<double> {
  public:
    SignDescent(std::vector<Tensord> parameters, double lr) : Optimizer(std::move(parameters), lr) {
        describe_state("sign", {}, {});
    }
    void step() override {
        for (std::size_t i = 0; i < parameters_.size(); ++i) {
            if (!parameters_[i].has_grad()) continue;
            ++prepared_state(i).steps;
            const Array<double>& g = checked_grad(i);
            double* p = parameters_[i].mutable_value().data();
            const double rate = lr(group_of(i));
            for (std::size_t k = 0; k < g.size(); ++k) p[k] -= rate * ((g[k] > 0) - (g[k] < 0));
        }
    }
    std::uint64_t steps() const { return state(0).steps; }
};

struct CountingObserver : train::Observer {
    void on_epoch_start(std::size_t) override { ++epochs_started; }
    void on_step(const train::StepReport& step) override {
        last_batch = step.batch;
        ++steps;
    }
    void on_epoch_end(const train::EpochMetrics& m) override { last_epoch = m.epoch; }
    std::size_t epochs_started = 0, steps = 0, last_batch = 0, last_epoch = 0;
};

struct Blobs {
    Array<double> x = empty_array<double>({64, 2});
    std::vector<Label> y = std::vector<Label>(64);
    explicit Blobs(RandomEngine& rng) {
        for (std::size_t i = 0; i < 64; ++i) {
            y[i] = static_cast<Label>(i % 2);
            x(i, 0) = (y[i] ? 1.0 : -1.0) + 0.3 * rng.normal();
            x(i, 1) = (y[i] ? -1.0 : 1.0) + 0.3 * rng.normal();
        }
    }
};

/// A whole setup: engine, data, model, loss, optimizer, loaders and trainer.
struct Setup {
    StdRandom rng{11};
    Blobs data{rng};
    TinyNet model{rng};
    nn::SoftmaxCrossEntropyLoss<double> loss;
    SignDescent optimizer{model.parameters(), 0.01};
    data::DataLoader<double> train_loader{
        data.x, data.y, {.batch_size = 16, .shuffle = true}, &rng};
    data::DataLoader<double> test_loader{data.x, data.y, {.batch_size = 16}};
    train::Trainer<double> trainer{model, loss, optimizer, train_loader, test_loader};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer)

BOOST_AUTO_TEST_CASE(any_model_loss_and_optimizer_train_and_report) {
    Setup s;
    CountingObserver observer;
    s.trainer.add_observer(observer);
    const double before = s.trainer.evaluate().first;
    train::EpochMetrics last;
    for (std::size_t epoch = 1; epoch <= 30; ++epoch) last = s.trainer.run_epoch(epoch);
    BOOST_TEST(last.test_loss < before / 2, "test loss " << before << " -> " << last.test_loss);
    BOOST_TEST(last.test_acc >= 0.95);
    BOOST_TEST(s.optimizer.steps() == 30u * 4u);
    BOOST_TEST(observer.epochs_started == 30u);
    BOOST_TEST(observer.steps == 120u);
    BOOST_TEST(observer.last_batch == 4u);
    BOOST_TEST(observer.last_epoch == 30u);
}

BOOST_AUTO_TEST_CASE(a_run_of_zero_epochs_evaluates_and_records_the_machine) {
    testing::TempDir dir;
    Setup s;
    const auto [loss, acc] = s.trainer.evaluate();
    train::RunOptions options;
    options.epochs = 0;
    options.metrics_out = dir / "m.json";
    const auto result = train::run(s.trainer, s.rng, options);
    BOOST_TEST(result.metrics.epochs.empty());
    BOOST_TEST_REQUIRE(result.metrics.evaluation.has_value());
    BOOST_TEST(result.metrics.evaluation->test_loss == loss);
    BOOST_TEST(result.metrics.evaluation->test_acc == acc);
    BOOST_TEST(s.optimizer.steps() == 0u);  // nothing trained
    const nlohmann::json written = train::read_metrics(dir / "m.json").to_json();
    BOOST_TEST(written.at("final").at("test_loss").get<double>() == loss);
    for (const char* key : {"gemm_float32", "gemm_float64", "openblas_core", "onednn_isa",
                            "vector_math", "freed_memory"})
        BOOST_TEST(written.at("machine").contains(key), key);
    const std::string line = train::describe_machine(written.at("machine"));
    BOOST_TEST(line.starts_with("gemm: float32 "), line);
    BOOST_TEST(line.find(written.at("machine").at("openblas_core").get<std::string>()) !=
                   std::string::npos,
               line);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_any_optimizer_resumes_bit_for_bit) {
    testing::TempDir dir;
    Setup straight;
    for (std::size_t epoch = 1; epoch <= 3; ++epoch) straight.trainer.run_epoch(epoch);

    Setup first;
    first.trainer.run_epoch(1);
    first.trainer.begin_epoch(2);
    first.trainer.train_steps([n = 0]() mutable { return ++n == 2; });  // stop mid-epoch
    train::save_checkpoint(dir / "c.ckpt", first.trainer, first.rng, {});

    Setup resumed;  // fresh weights and engine, replaced by the checkpoint
    train::load_checkpoint(dir / "c.ckpt", resumed.trainer, resumed.rng);
    BOOST_TEST(resumed.optimizer.steps() == 6u);
    resumed.trainer.train_steps();
    resumed.trainer.end_epoch(0);
    resumed.trainer.run_epoch(3);
    for (const auto& [name, p] : straight.model.named_parameters()) {
        const Array<double>& other = resumed.model.parameter(name).value();
        BOOST_TEST(std::equal(p.value().begin(), p.value().end(), other.begin()), name);
    }
}

BOOST_AUTO_TEST_CASE(a_composed_guard_switches_every_layer_and_loss) {
    Setup s;
    const Tensord x(s.data.x);
    const auto fused_loss = s.loss(s.model(x), s.data.y);
    BOOST_TEST(fused_loss.op_name() == "softmax_cross_entropy");
    {
        nn::ComposedGuard composed;
        BOOST_TEST(nn::composed_enabled());
        const auto loss = s.loss(s.model(x), s.data.y);
        BOOST_TEST(loss.op_name() != "softmax_cross_entropy");
        BOOST_TEST(loss.item() == fused_loss.item(), boost::test_tools::tolerance(1e-12));
        {
            nn::ComposedGuard fused(false);  // guards nest
            BOOST_TEST(!nn::composed_enabled());
        }
        BOOST_TEST(nn::composed_enabled());
    }
    BOOST_TEST(!nn::composed_enabled());
}

BOOST_AUTO_TEST_CASE(module_holders_call_like_their_module) {
    StdRandom rng(1);
    auto mlp = nn::make_mlp<double>({{2, 3, 2}, nn::Activation::relu}, rng);
    const Tensord x(Array<double>{{1.0, 2.0}});
    BOOST_TEST(mlp(x).value() == mlp->forward(x).value(), boost::test_tools::per_element());
    nn::ModuleHolder<nn::Lineard> empty;
    try {
        empty(x);
        BOOST_FAIL("an empty holder was called");
    } catch (const std::logic_error& e) {
        BOOST_TEST(std::string(e.what()).find("ModuleHolder<Linear<double>>") != std::string::npos,
                   e.what());
    }
}

/// Records, at the start of every epoch, whether the checkpoint file changed since the last one.
struct CheckpointWatcher : train::Observer {
    explicit CheckpointWatcher(std::filesystem::path file) : file(std::move(file)) {}
    void on_epoch_start(std::size_t epoch) override {
        if (epoch > 1) saved_after.push_back(changed());
    }
    bool changed() {
        std::vector<std::uint8_t> now;
        if (std::filesystem::exists(file)) now = testing::read_bytes(file);
        const bool differs = now != last;
        last = std::move(now);
        return differs;
    }
    std::filesystem::path file;
    std::vector<std::uint8_t> last;
    std::vector<bool> saved_after;  // [e - 1]: a checkpoint was written after epoch e
};

BOOST_AUTO_TEST_CASE(a_run_checkpoints_every_n_epochs_and_at_the_end) {
    testing::TempDir dir;
    Setup s;
    CheckpointWatcher watcher(dir / "run.ckpt");
    s.trainer.add_observer(watcher);
    train::RunOptions options;
    options.epochs = 7;
    options.checkpoint = dir / "run.ckpt";
    options.checkpoint_every = 3;
    const auto result = train::run(s.trainer, s.rng, options);
    BOOST_TEST((result.outcome == train::RunOutcome::completed));
    watcher.saved_after.push_back(watcher.changed());
    const std::vector<bool> expected{false, false, true, false, false, true, true};
    BOOST_TEST(watcher.saved_after == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
