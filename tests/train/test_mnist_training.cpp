// Training on the real MNIST files (fetched by scripts/get-mnist, which scripts/test runs).
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <xtgrad/train/mlp_run.hpp>

using namespace xtgrad::train;

namespace {

RunConfig mnist_config() {
    RunConfig config;
    config.data_dir = XTGRAD_MNIST_DIR;
    config.threads = 2;
    BOOST_TEST_REQUIRE(std::filesystem::exists(config.data_dir + "/train-images-idx3-ubyte"),
                       "MNIST is missing from " << config.data_dir << ": run scripts/get-mnist");
    return config;
}

/// Everything but the timings.
std::vector<std::vector<double>> values(const RunMetrics& metrics) {
    std::vector<std::vector<double>> out;
    for (const auto& e : metrics.epochs)
        out.push_back({e.train_loss, e.train_acc, e.test_loss, e.test_acc});
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mnist_training)

BOOST_AUTO_TEST_CASE(one_epoch_of_the_default_run_reaches_95_percent) {
    RunConfig config = mnist_config();
    config.epochs = 1;
    const RunMetrics metrics = run_training(config, nullptr).metrics;
    BOOST_TEST_REQUIRE(metrics.epochs.size() == 1u);
    BOOST_TEST(metrics.epochs[0].test_acc >= 0.95, "test accuracy " << metrics.epochs[0].test_acc);
    BOOST_TEST(metrics.config["threads"] == 2);
}

BOOST_AUTO_TEST_CASE(same_seed_and_threads_give_identical_metrics) {
    for (const RngKind rng : {RngKind::numpy, RngKind::std}) {
        for (const Dtype dtype : {Dtype::float32, Dtype::float64}) {
            RunConfig config = mnist_config();
            config.rng = rng;
            config.dtype = dtype;
            config.epochs = 2;
            config.limit_train = 3000;
            const auto first = values(run_training(config, nullptr).metrics);
            const auto second = values(run_training(config, nullptr).metrics);
            BOOST_TEST(first == second, choice_name(rng) << " " << choice_name(dtype));
            config.seed = 43;
            BOOST_TEST(!(values(run_training(config, nullptr).metrics) == first),
                       choice_name(rng) << " " << choice_name(dtype) << " seed 43");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
