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

void expect_same_parameters(const std::string& a, const std::string& b) {
    const Archive x = load_archive(a);
    const Archive y = load_archive(b);
    std::size_t compared = 0;
    for (const auto& [name, entry] : x.entries()) {
        if (!name.starts_with("param/") && !name.ends_with("/momentum_buffer")) continue;
        BOOST_TEST_REQUIRE(y.contains(name), name);
        const auto& u = x.array<double>(name);
        const auto& v = y.array<double>(name);
        BOOST_TEST_REQUIRE(u.size() == v.size());
        BOOST_TEST(std::equal(u.begin(), u.end(), v.begin()), name << " differs");
        ++compared;
    }
    BOOST_TEST(compared == 8u);  // 4 parameters, 4 momentum buffers
    BOOST_TEST(x.text("rng") == y.text("rng"));
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
    expect_same_parameters(straight.checkpoint, split.checkpoint);
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
    expect_same_parameters(straight.checkpoint, stopped.checkpoint);
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
