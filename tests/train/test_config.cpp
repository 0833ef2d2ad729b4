#include <boost/test/unit_test.hpp>

#include <fstream>

#include <xtgrad/train/run_config.hpp>
#include "../support/temp_dir.hpp"

using namespace xtgrad::train;

namespace {

bool has_error(const RunConfig& config, const std::string& fragment) {
    for (const auto& error : validate(config))
        if (error.find(fragment) != std::string::npos) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_config)

BOOST_AUTO_TEST_CASE(defaults_are_valid_and_round_trip_through_json) {
    RunConfig config;
    BOOST_TEST(validate(config).empty());
    RunConfig copy;
    copy.lr = 1;
    copy.hidden = {7};
    apply_json(copy, to_json(config));
    BOOST_TEST(to_json(copy) == to_json(config));
}

BOOST_AUTO_TEST_CASE(each_bad_value_gets_a_message) {
    const auto with = [](auto change) {
        RunConfig c;
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
    BOOST_TEST(has_error(with([](auto& c) { c.momentum = 1.5; }), "momentum must be in [0, 1)"));
    BOOST_TEST(has_error(with([](auto& c) { c.weight_decay = -1; }), "weight-decay"));
    BOOST_TEST(has_error(with([](auto& c) { c.epochs = 0; }), "epochs 0 evaluates given weights"));
    BOOST_TEST(validate(with([](auto& c) {
                   c.epochs = 0;
                   c.load_weights = "w.npz";
               })).empty());
    BOOST_TEST(has_error(with([](auto& c) {
                             c.epochs = 0;
                             c.load_weights = "w.npz";
                             c.resume = true;
                             c.checkpoint = "c.ckpt";
                         }),
                         "epochs 0 cannot --resume"));
    BOOST_TEST(has_error(with([](auto& c) { c.threads = -2; }), "threads"));
    BOOST_TEST(has_error(with([](auto& c) { c.seed = 1ULL << 40; }), "32-bit seed"));
    BOOST_TEST(has_error(with([](auto& c) { c.beta1 = 1.0; }), "beta1 must be in [0, 1)"));
    BOOST_TEST(has_error(with([](auto& c) { c.beta2 = -0.5; }), "beta2 must be in [0, 1)"));
    BOOST_TEST(has_error(with([](auto& c) { c.eps = -1e-8; }), "eps must be >= 0"));
    BOOST_TEST(has_error(with([](auto& c) { c.clip_grad_norm = -1; }), "clip-grad-norm"));
    BOOST_TEST(has_error(with([](auto& c) {
                             c.lr_milestones = {5, 3};
                         }),
                         "lr-milestones must be increasing"));
    BOOST_TEST(has_error(with([](auto& c) { c.lr_schedule = ScheduleKind::multistep; }),
                         "lr-schedule multistep needs --lr-milestones"));
    BOOST_TEST(has_error(with([](auto& c) {
                             c.lr_schedule = ScheduleKind::plateau;
                             c.lr_gamma = 2;
                         }),
                         "lr-gamma must be below 1"));
    BOOST_TEST(
        has_error(with([](auto& c) { c.batch_norm = true; }), "batch-norm: only --model cnn"));
    BOOST_TEST(has_error(with([](auto& c) { c.dropout = 0.5; }), "dropout: only --model cnn"));
    BOOST_TEST(
        has_error(with([](auto& c) { c.augment_shift = 2; }), "augment-shift: only --model cnn"));
    BOOST_TEST(has_error(with([](auto& c) {
                             c.model = ModelKind::cnn;
                             c.dropout = 1;
                         }),
                         "dropout must be in [0, 1)"));
    BOOST_TEST(validate(with([](auto& c) {
                   c.model = ModelKind::cnn;
                   c.batch_norm = true;
                   c.dropout = 0.25;
                   c.augment_shift = 2;
               })).empty());
}

BOOST_AUTO_TEST_CASE(json_keys_and_types_are_checked) {
    RunConfig config;
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"lrr", 0.1}}), std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"lr", "fast"}}), std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"batch-size", -5}}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json{{"hidden", {256, -1}}}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(apply_json(config, nlohmann::json::array()), std::invalid_argument);
    apply_json(config, nlohmann::json{{"hidden", 64}, {"act", "gelu"}});
    BOOST_TEST(config.hidden == (std::vector<std::size_t>{64}), boost::test_tools::per_element());
    BOOST_TEST((config.act == xtgrad::nn::Activation::gelu));
}

BOOST_AUTO_TEST_CASE(choices_are_parsed_once_with_a_message_naming_the_key) {
    const auto message = [](const nlohmann::json& json) {
        RunConfig config;
        try {
            apply_json(config, json);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    BOOST_TEST(message({{"act", "tanh"}}) ==
               "act must be one of sigmoid, relu, gelu, gelu-erf, got 'tanh'");
    BOOST_TEST(message({{"loss", "mse"}}).starts_with("loss must be one of"));
    BOOST_TEST(message({{"dtype", "float16"}}) ==
               "dtype must be one of float32, float64, got 'float16'");
    BOOST_TEST(message({{"dataset", "cifar"}}).starts_with("dataset must be one of"));
    BOOST_TEST(message({{"optimizer", "lbfgs"}}) ==
               "optimizer must be one of sgd, adam, adamw, rmsprop, adagrad, got 'lbfgs'");
    BOOST_TEST(message({{"lr-schedule", "cyclic"}}).starts_with("lr-schedule must be one of"));
    RunConfig config;
    apply_json(config, {{"dtype", "float64"}, {"loss", "hinge"}, {"path", "composed"}});
    BOOST_TEST((config.dtype == Dtype::float64 && config.loss == LossKind::hinge &&
                config.path == LayerPath::composed));
}

BOOST_AUTO_TEST_CASE(keys_are_the_flag_names_and_old_keys_name_the_new_one) {
    const nlohmann::json json = to_json(RunConfig{});
    for (const char* key : {"batch-size", "weight-decay", "init-std", "limit-train", "disp-freq",
                            "metrics-out", "checkpoint-every", "detect-anomaly", "data-dir"})
        BOOST_TEST(json.contains(key), key);
    RunConfig config;
    try {
        apply_json(config, {{"batch_size", 10}});
        BOOST_FAIL("an old key was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "unknown key 'batch_size' (it is now 'batch-size')");
    }
}

BOOST_AUTO_TEST_CASE(every_field_round_trips_and_only_must_match_fields_block_a_resume) {
    RunConfig changed;
    std::size_t fields = 0;
    // Change every field through JSON: each key must be read back into its own member.
    nlohmann::json json = to_json(changed);
    json["hidden"] = {3, 4};
    json["act"] = "gelu-erf";
    json["loss"] = "hinge";
    json["rng"] = "std";
    json["dtype"] = "float64";
    json["normalize"] = "lab";
    json["dataset"] = "fashion-mnist";
    json["path"] = "composed";
    json["model"] = "cnn";
    json["optimizer"] = "adamw";
    json["lr-schedule"] = "cosine";
    json["lr-milestones"] = {2, 5};
    for (auto& [key, value] : json.items()) {
        ++fields;
        if (value.is_boolean())
            value = !value.get<bool>();
        else if (value.is_number_float())
            value = value.get<double>() / 2 + 0.125;
        else if (value.is_number_integer())
            value = value.get<std::int64_t>() + 3;
        else if (value.is_string() && key.find('-') != std::string::npos)
            value = "x/" + key;
        else if (key == "checkpoint")
            value = "x/checkpoint";
    }
    json["lr-schedule"] = "cosine";  // choices whose keys have a dash: not paths
    json["weight-layout"] = "xtgrad";
    json["gemm"] = "openblas";
    apply_json(changed, json);
    BOOST_TEST(to_json(changed) == json);
    BOOST_TEST(fields == 50u);
    const nlohmann::json defaults = to_json(RunConfig{});
    std::size_t must_match = 0;
    for_each_field(changed, [&](const FieldInfo& field, const auto&) {
        nlohmann::json saved = defaults;
        saved[field.key] = json[field.key];
        const bool refused = [&] {
            try {
                check_resumable(saved, RunConfig{});
                return false;
            } catch (const std::invalid_argument&) {
                return true;
            }
        }();
        BOOST_TEST(refused == (field.on_resume == OnResume::must_match), field.key);
        must_match += refused;
    });
    BOOST_TEST(must_match == 36u);
}

BOOST_AUTO_TEST_CASE(the_cnn_starts_from_its_own_defaults) {
    const RunConfig cnn = defaults_for(ModelKind::cnn);
    BOOST_TEST(validate(cnn).empty());
    BOOST_TEST((cnn.model == ModelKind::cnn));
    BOOST_TEST((cnn.optimizer == OptimizerKind::adam));
    BOOST_TEST((cnn.lr_schedule == ScheduleKind::cosine));
    BOOST_TEST(cnn.weight_decay == 0.0);
    // Only the listed settings differ from the table's defaults.
    nlohmann::json changed = to_json(cnn);
    nlohmann::json expected = to_json(RunConfig{});
    expected.update(model_defaults(ModelKind::cnn));
    expected["model"] = "cnn";
    BOOST_TEST(changed == expected);
    BOOST_TEST(to_json(defaults_for(ModelKind::mlp)) == to_json(RunConfig{}));
}

BOOST_AUTO_TEST_CASE(a_bad_file_is_named) {
    xtgrad::testing::TempDir dir;
    std::ofstream(dir / "bad.json") << "{\"lr\": 0.1,";
    try {
        RunConfig config;
        apply_json_file(config, dir / "bad.json");
        BOOST_FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("bad.json: invalid JSON") != std::string::npos,
                   e.what());
    }
    BOOST_CHECK_THROW(apply_json_file(*std::make_unique<RunConfig>(), dir / "missing.json"),
                      std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
