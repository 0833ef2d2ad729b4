#include "xtgrad/train/run_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <type_traits>

namespace xtgrad::train {

std::filesystem::path RunConfig::resolved_data_dir() const {
    if (!data_dir.empty()) return data_dir;
    if (dataset == DatasetKind::fashion_mnist) return "/usr/share/datasets/fashion-mnist";
    const char* from_environment = std::getenv("XTGRAD_MNIST_DIR");  // set by scripts/train-mnist
    return from_environment && *from_environment ? from_environment : "data/mnist";
}

namespace check {

namespace {
std::string number(double value) {
    return std::to_string(value);
}
}  // namespace

std::optional<std::string> positive(double value) {
    if (std::isfinite(value) && value > 0) return std::nullopt;
    return "must be positive, got " + number(value);
}

std::optional<std::string> non_negative(double value) {
    if (std::isfinite(value) && value >= 0) return std::nullopt;
    return "must be >= 0, got " + number(value);
}

std::optional<std::string> fraction_below_one(double value) {
    if (std::isfinite(value) && value >= 0 && value < 1) return std::nullopt;
    return "must be in [0, 1), got " + number(value);
}

std::optional<std::string> increasing(const std::vector<std::size_t>& values) {
    for (std::size_t i = 1; i < values.size(); ++i)
        if (values[i] <= values[i - 1]) return "must be increasing epochs";
    return std::nullopt;
}

std::optional<std::string> layer_sizes(const std::vector<std::size_t>& sizes) {
    if (sizes.empty()) return "needs at least one layer size";
    for (std::size_t size : sizes)
        if (size == 0) return "layer sizes must be positive, got 0";
    return std::nullopt;
}

}  // namespace check

bool has_mpi() {
#ifdef XTGRAD_HAVE_MPI
    return true;
#else
    return false;
#endif
}

std::vector<std::string> validate(const RunConfig& c) {
    std::vector<std::string> errors;
#define XTGRAD_CHECK_FIELD(member, key, type, default_value, resume, check_name, help) \
    if (auto error = check::check_name(c.member)) errors.push_back(std::string(key) + " " + *error);
    XTGRAD_RUN_CONFIG_FIELDS(XTGRAD_CHECK_FIELD)
#undef XTGRAD_CHECK_FIELD
    // Checks across fields.
    if (c.rng == RngKind::numpy && c.seed > 0xffffffffULL)
        errors.push_back("seed: the numpy generator takes a 32-bit seed");
    if (c.resume && c.checkpoint.empty()) errors.push_back("resume needs --checkpoint FILE");
    if (c.epochs == 0 && c.load_weights.empty())
        errors.push_back("epochs 0 evaluates given weights: it needs --load-weights FILE");
    if (c.epochs == 0 && c.resume) errors.push_back("epochs 0 cannot --resume a training run");
    if (c.gemm == blas::Backend::onednn && !blas::has_onednn())
        errors.push_back("gemm onednn: this build of xtgrad has no oneDNN");
    if (c.distributed && !has_mpi())
        errors.push_back(
            "distributed: this build of xtgrad has no MPI (install libopenmpi-dev "
            "and rebuild)");
    if (c.distributed && c.dropout > 0)
        errors.push_back(
            "dropout: not supported with --distributed yet (every process would "
            "draw the same masks for its own samples)");
    if (c.warmup_epochs > 0 && c.warmup_steps > 0)
        errors.push_back("warmup-epochs and warmup-steps: give one of them");
    if (c.model != ModelKind::cnn && c.batch_norm)
        errors.push_back("batch-norm: only --model cnn has batch normalisation");
    if (c.model != ModelKind::cnn && c.dropout > 0)
        errors.push_back("dropout: only --model cnn has dropout");
    if (c.model != ModelKind::cnn && c.augment_shift > 0)
        errors.push_back("augment-shift: only --model cnn reads images (the MLP flattens them)");
    if (c.augment_shift >= 14)
        errors.push_back("augment-shift must be below 14 pixels, got " +
                         std::to_string(c.augment_shift));
    if (c.lr_schedule == ScheduleKind::multistep && c.lr_milestones.empty())
        errors.push_back("lr-schedule multistep needs --lr-milestones, e.g. 5,8");
    if (c.lr_schedule == ScheduleKind::plateau && !(c.lr_gamma < 1))
        errors.push_back("lr-gamma must be below 1 for lr-schedule plateau, got " +
                         check::number(c.lr_gamma));
    return errors;
}

namespace {

template <class V>
nlohmann::json json_value(const V& value) {
    if constexpr (Choice<V>)
        return std::string(choice_name(value));
    else
        return value;
}

/// A non-negative integer (nlohmann would silently wrap a negative one into a huge size_t).
template <class V>
V count_value(const std::string& key, const nlohmann::json& value) {
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
        throw std::invalid_argument("'" + key + "' must be a non-negative integer, got " +
                                    value.dump());
    return value.get<V>();
}

template <class V>
void read_value(const std::string& key, const nlohmann::json& value, V& out) {
    if constexpr (Choice<V>) {
        out = parse_choice<V>(key, value.get<std::string>());
    } else if constexpr (std::is_same_v<V, std::vector<std::size_t>>) {
        if (value.is_number()) {
            out = {count_value<std::size_t>(key, value)};
            return;
        }
        if (!value.is_array())
            throw std::invalid_argument("'" + key + "' must be a list of layer sizes, got " +
                                        value.dump());
        out.clear();
        for (const auto& element : value) out.push_back(count_value<std::size_t>(key, element));
    } else if constexpr (std::is_unsigned_v<V> && !std::is_same_v<V, bool>) {
        out = count_value<V>(key, value);
    } else {
        out = value.get<V>();
    }
}

}  // namespace

nlohmann::json to_json(const RunConfig& config) {
    nlohmann::json json = nlohmann::json::object();
    for_each_field(config, [&](const FieldInfo& field, const auto& value) {
        json[field.key] = json_value(value);
    });
    return json;
}

void apply_json(RunConfig& config, const nlohmann::json& json) {
    if (!json.is_object()) throw std::invalid_argument("the config must be a JSON object");
    for (const auto& [key, value] : json.items()) {
        bool known = false;
        try {
            for_each_field(config, [&](const FieldInfo& field, auto& member) {
                if (key != field.key) return;
                known = true;
                read_value(key, value, member);
            });
        } catch (const nlohmann::json::exception&) {
            throw std::invalid_argument("'" + key + "' has the wrong type (" +
                                        std::string(value.type_name()) + ")");
        }
        if (known) continue;
        // Keys were spelt with '_' before they became the flags' words.
        std::string renamed = key;
        std::replace(renamed.begin(), renamed.end(), '_', '-');
        bool was_renamed = false;
        for_each_field(config, [&](const FieldInfo& field, const auto&) {
            was_renamed = was_renamed || (renamed != key && renamed == field.key);
        });
        throw std::invalid_argument("unknown key '" + key + "'" +
                                    (was_renamed ? " (it is now '" + renamed + "')" : ""));
    }
}

void apply_json_file(RunConfig& config, const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot open the config file");
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(file.string() + ": invalid JSON: " + e.what());
    }
    try {
        apply_json(config, json);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
}

void check_resumable(const nlohmann::json& saved, const RunConfig& current) {
    const nlohmann::json now = to_json(current);
    for_each_field(current, [&](const FieldInfo& field, const auto&) {
        if (field.on_resume != OnResume::must_match) return;
        const std::string key = field.key;
        if (!saved.contains(key) || saved.at(key) != now.at(key))
            throw std::invalid_argument(
                "the checkpoint was made with " + key + " = " +
                (saved.contains(key) ? saved.at(key).dump() : std::string("(unset)")) +
                ", this run has " + now.at(key).dump() +
                "; resume with the same settings or start a new checkpoint");
    });
}

nlohmann::json model_defaults(ModelKind model) {
    if (model != ModelKind::cnn) return nlohmann::json::object();
    return {{"optimizer", "adam"},
            {"lr", 2e-3},
            {"lr-schedule", "cosine"},
            {"weight-decay", 0.0},
            {"epochs", 3}};
}

RunConfig defaults_for(ModelKind model) {
    RunConfig config;
    config.model = model;
    apply_json(config, model_defaults(model));
    return config;
}

}  // namespace xtgrad::train
