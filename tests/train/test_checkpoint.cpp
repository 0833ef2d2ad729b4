// Checkpoints of training runs: resuming gives the same bits as never stopping, whether the run
// stopped at an epoch boundary or in the middle of an epoch; checkpoints of another model or
// corrupted files are refused.
#include <boost/test/unit_test.hpp>

#include <xtgrad/io/archive.hpp>
#include <xtgrad/train/mlp_run.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;
using namespace xtgrad::train;
using xtgrad::io::Archive;
using xtgrad::io::ArchiveError;
using xtgrad::io::load_archive;

namespace {

RunConfig small_run(const xtgrad::testing::TempDir& dir, const std::string& name) {
    RunConfig config;
    config.data_dir = XTGRAD_MNIST_DIR;
    config.threads = 1;
    config.limit_train = 2000;
    config.batch_size = 50;
    config.dtype = Dtype::float64;
    config.act = nn::Activation::gelu;
    config.checkpoint = (dir / (name + ".ckpt")).string();
    return config;
}

std::vector<std::vector<double>> values(const RunMetrics& metrics) {
    std::vector<std::vector<double>> out;
    for (const auto& e : metrics.epochs)
        out.push_back({double(e.epoch), e.train_loss, e.train_acc, e.test_loss, e.test_acc});
    return out;
}

/// Every parameter, optimizer buffer and schedule entry of two checkpoints has the same bits;
/// `arrays` counts the parameters and buffers compared.
void expect_same_state(const std::string& a, const std::string& b, std::size_t arrays) {
    const Archive x = load_archive(a);
    const Archive y = load_archive(b);
    std::size_t compared = 0;
    for (const auto& [name, entry] : x.entries()) {
        if (!name.starts_with("param/") && !name.starts_with("optim/") &&
            !name.starts_with("schedule/"))
            continue;
        BOOST_TEST_REQUIRE(y.contains(name), name);
        BOOST_TEST((entry == y.entries().at(name)), name << " differs");
        compared += std::holds_alternative<Array<double>>(entry) &&
                    !name.starts_with("optim/group") && name != "optim/options" &&
                    !name.starts_with("schedule/");
    }
    BOOST_TEST(compared == arrays);
    BOOST_TEST(x.text("rng") == y.text("rng"));
}

/// Adam with a warmed-up cosine schedule and gradient clipping (every piece with state).
RunConfig adam_run(const xtgrad::testing::TempDir& dir, const std::string& name) {
    RunConfig config = small_run(dir, name);
    config.optimizer = OptimizerKind::adam;
    config.lr = 2e-3;
    config.lr_schedule = ScheduleKind::cosine;
    config.lr_period = 3;  // fixed: the split run's --epochs grows
    config.warmup_epochs = 1;
    config.clip_grad_norm = 0.5;
    return config;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoints)

BOOST_AUTO_TEST_CASE(three_epochs_equal_two_then_resume_one) {
    xtgrad::testing::TempDir dir;
    RunConfig straight = small_run(dir, "straight");
    straight.epochs = 3;
    const RunMetrics reference = run_training(straight, nullptr).metrics;

    RunConfig split = small_run(dir, "split");
    split.epochs = 2;
    run_training(split, nullptr);
    split.epochs = 3;
    split.resume = true;
    const RunResult resumed = run_training(split, nullptr);
    BOOST_TEST((resumed.outcome == RunOutcome::completed));
    BOOST_TEST(values(resumed.metrics) == values(reference));
    expect_same_state(straight.checkpoint, split.checkpoint, 8);  // 4 parameters, 4 momenta
}

BOOST_AUTO_TEST_CASE(a_run_stopped_mid_epoch_resumes_bit_for_bit) {
    xtgrad::testing::TempDir dir;
    RunConfig straight = small_run(dir, "straight");
    straight.epochs = 2;
    const RunMetrics reference = run_training(straight, nullptr).metrics;

    RunConfig stopped = small_run(dir, "stopped");
    stopped.epochs = 2;
    // As SIGINT does: a stop request after some step, here the 57th (epoch 2, batch 17 of 40).
    const RunResult first =
        run_training(stopped, nullptr, [steps = 0]() mutable { return ++steps == 57; });
    BOOST_TEST_REQUIRE((first.outcome == RunOutcome::interrupted));
    BOOST_TEST(first.stopped_at.epoch == 2u);
    BOOST_TEST(first.stopped_at.batches > 0u);
    BOOST_TEST(first.stopped_at.batches < 40u);
    stopped.resume = true;
    const RunResult resumed = run_training(stopped, nullptr);
    BOOST_TEST(values(resumed.metrics) == values(reference));
    expect_same_state(straight.checkpoint, stopped.checkpoint, 8);
}

BOOST_AUTO_TEST_CASE(adam_cosine_warmup_and_clipping_resume_bit_for_bit) {
    xtgrad::testing::TempDir dir;
    RunConfig straight = adam_run(dir, "straight");
    straight.epochs = 3;
    const RunMetrics reference = run_training(straight, nullptr).metrics;

    RunConfig split = adam_run(dir, "split");
    split.epochs = 2;
    // Stopped in the middle of epoch 2, resumed, stopped at its end, resumed for epoch 3.
    run_training(split, nullptr, [steps = 0]() mutable { return ++steps == 57; });
    split.resume = true;
    run_training(split, nullptr);
    split.epochs = 3;
    const RunResult resumed = run_training(split, nullptr);
    BOOST_TEST((resumed.outcome == RunOutcome::completed));
    BOOST_TEST(values(resumed.metrics) == values(reference));
    expect_same_state(straight.checkpoint, split.checkpoint, 12);  // 4 parameters, 8 moments

    RunConfig without_schedule = adam_run(dir, "split");
    without_schedule.lr_schedule = ScheduleKind::none;
    without_schedule.warmup_epochs = 0;
    without_schedule.epochs = 4;
    without_schedule.resume = true;
    BOOST_CHECK_THROW(run_training(without_schedule, nullptr), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(checkpoints_of_other_runs_and_corrupted_files_are_refused) {
    xtgrad::testing::TempDir dir;
    RunConfig config = small_run(dir, "run");
    config.epochs = 1;
    config.limit_train = 500;
    run_training(config, nullptr);

    RunConfig other = config;
    other.resume = true;
    other.hidden = {64};
    try {
        run_training(other, nullptr);
        BOOST_FAIL("expected a refusal");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("hidden") != std::string::npos, e.what());
    }

    auto bytes = xtgrad::testing::read_bytes(config.checkpoint);
    bytes[bytes.size() / 2] ^= 0x40;
    xtgrad::testing::write_bytes(dir / "corrupt.ckpt", bytes);
    RunConfig corrupt = config;
    corrupt.resume = true;
    corrupt.checkpoint = (dir / "corrupt.ckpt").string();
    try {
        run_training(corrupt, nullptr);
        BOOST_FAIL("expected an ArchiveError");
    } catch (const ArchiveError& e) {
        BOOST_TEST(std::string(e.what()).find("checksum mismatch") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("corrupt.ckpt") != std::string::npos, e.what());
    }
    RunConfig missing = config;
    missing.resume = true;
    missing.checkpoint = (dir / "missing.ckpt").string();
    BOOST_CHECK_THROW(run_training(missing, nullptr), ArchiveError);
}

BOOST_AUTO_TEST_CASE(a_diverging_run_stops_with_a_clear_error) {
    xtgrad::testing::TempDir dir;
    RunConfig config = small_run(dir, "diverge");
    config.dtype = Dtype::float32;
    config.loss = LossKind::euclidean;
    config.lr = 20;  // far too large: the loss overflows within a few steps
    config.epochs = 3;
    try {
        run_training(config, nullptr);
        BOOST_FAIL("expected TrainingDiverged");
    } catch (const TrainingDiverged& e) {
        BOOST_TEST(std::string(e.what()).find("training diverged at epoch") != std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()
