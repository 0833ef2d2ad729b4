#include <boost/test/unit_test.hpp>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "training/config.hpp"

using namespace xtgrad::training;

namespace {

bool has_error(const TrainConfig& config, const std::string& fragment) {
    for (const auto& error : validate(config))
        if (error.find(fragment) != std::string::npos) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_config)

BOOST_AUTO_TEST_CASE(defaults_are_valid_and_round_trip_through_json) {
    TrainConfig config;
    BOOST_TEST(validate(config).empty());
    TrainConfig copy;
    copy.lr = 1;
    copy.hidden = {7};
    apply_json(copy, to_json(config));
    BOOST_TEST(to_json(copy) == to_json(config));
}

BOOST_AUTO_TEST_CASE(each_bad_value_gets_a_message) {
    const auto with = [](auto change) {
        TrainConfig c;
        change(c);
        return c;
    };
    BOOST_TEST(has_error(with([](auto& c) { c.lr = -0.1; }), "lr must be positive"));
    BOOST_TEST(has_error(with([](auto& c) { c.batch_size = 0; }), "batch-size must be positive"));
    BOOST_TEST(has_error(with([](auto& c) {
                             c.hidden = {128, 0};
                         }),
                         "hidden layer sizes must be positive"));
    BOOST_TEST(has_error(with([](auto& c) { c.hidden = {}; }), "hidden needs at least one"));
    BOOST_TEST(has_error(with([](auto& c) { c.activation = "tanh"; }),
                         "act must be one of sigmoid, relu, gelu, gelu-erf, got 'tanh'"));
    BOOST_TEST(has_error(with([](auto& c) { c.loss = "mse"; }), "loss must be one of"));
    BOOST_TEST(has_error(with([](auto& c) { c.momentum = 1.5; }), "momentum must be in [0, 1)"));
    BOOST_TEST(has_error(with([](auto& c) { c.weight_decay = -1; }), "weight-decay"));
    BOOST_TEST(has_error(with([](auto& c) { c.dtype = "float16"; }), "dtype"));
    BOOST_TEST(has_error(with([](auto& c) { c.epochs = 0; }), "epochs"));
    BOOST_TEST(has_error(with([](auto& c) { c.threads = -2; }), "threads"));
    BOOST_TEST(has_error(with([](auto& c) { c.seed = 1ULL << 40; }), "32-bit seed"));
}

BOOST_AUTO_TEST_CASE(json_keys_and_types_are_checked) {
    TrainConfig config;
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"lrr", 0.1}}), std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"lr", "fast"}}), std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"batch_size", -5}}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"hidden", {256, -1}}}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json::array()), std::invalid_argument);
    apply_json(config, nlohmann::json{{"hidden", 64}, {"act", "gelu"}});
    BOOST_TEST(config.hidden == (std::vector<std::size_t>{64}), boost::test_tools::per_element());
    BOOST_TEST(config.activation == "gelu");
}

BOOST_AUTO_TEST_CASE(a_bad_file_is_named) {
    xtgrad::testing::TempDir dir;
    std::ofstream(dir / "bad.json") << "{\"lr\": 0.1,";
    try {
        TrainConfig config;
        apply_json_file(config, dir / "bad.json");
        BOOST_FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("bad.json: invalid JSON") != std::string::npos,
                   e.what());
    }
    BOOST_CHECK_THROW(apply_json_file(*std::make_unique<TrainConfig>(), dir / "missing.json"),
                      std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
