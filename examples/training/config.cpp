#include "config.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace xtgrad::training {

std::filesystem::path TrainConfig::resolved_data_dir() const {
    if (!data_dir.empty()) return data_dir;
    if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
    const char* from_environment = std::getenv("XTGRAD_MNIST_DIR");  // set by scripts/train-mnist
    return from_environment && *from_environment ? from_environment : "data/mnist";
}

namespace {

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
    for (const char* a : allowed)
        if (value == a) return true;
    return false;
}

std::string list(std::initializer_list<const char*> allowed) {
    std::string text;
    for (const char* a : allowed) text += (text.empty() ? "" : ", ") + std::string(a);
    return text;
}

}  // namespace

std::vector<std::string> validate(const TrainConfig& c) {
    std::vector<std::string> errors;
    const auto require = [&](bool ok, const std::string& message) {
        if (!ok) errors.push_back(message);
    };
    const auto member = [&](const std::string& name, const std::string& value,
                            std::initializer_list<const char*> allowed) {
        require(one_of(value, allowed),
                name + " must be one of " + list(allowed) + ", got '" + value + "'");
    };
    require(!c.hidden.empty(), "hidden needs at least one layer size");
    for (std::size_t size : c.hidden)
        require(size > 0, "hidden layer sizes must be positive, got 0");
    member("act", c.activation, {"sigmoid", "relu", "gelu", "gelu-erf"});
    member("loss", c.loss, {"euclidean", "softmax-ce", "hinge"});
    member("rng", c.rng, {"numpy", "std"});
    member("dtype", c.dtype, {"float32", "float64"});
    member("normalize", c.normalize, {"lab", "unit", "standard"});
    member("dataset", c.dataset, {"mnist", "fashion-mnist"});
    member("path", c.path, {"fused", "composed"});
    require(std::isfinite(c.margin) && c.margin > 0,
            "margin must be positive, got " + std::to_string(c.margin));
    require(std::isfinite(c.lr) && c.lr > 0, "lr must be positive, got " + std::to_string(c.lr));
    require(std::isfinite(c.momentum) && c.momentum >= 0 && c.momentum < 1,
            "momentum must be in [0, 1), got " + std::to_string(c.momentum));
    require(std::isfinite(c.weight_decay) && c.weight_decay >= 0,
            "weight-decay must be >= 0, got " + std::to_string(c.weight_decay));
    require(c.batch_size > 0, "batch-size must be positive");
    require(c.epochs > 0, "epochs must be positive");
    require(std::isfinite(c.init_std) && c.init_std > 0,
            "init-std must be positive, got " + std::to_string(c.init_std));
    require(c.threads >= 0,
            "threads must be >= 0 (0 = every core), got " + std::to_string(c.threads));
    require(c.disp_freq > 0, "disp-freq must be positive");
    require(c.rng != "numpy" || c.seed <= 0xffffffffULL, "the numpy generator takes a 32-bit seed");
    require(c.checkpoint_every > 0, "checkpoint-every must be positive");
    require(!c.resume || !c.checkpoint.empty(), "resume needs --checkpoint FILE");
    return errors;
}

nlohmann::json to_json(const TrainConfig& c) {
    return {{"hidden", c.hidden},
            {"act", c.activation},
            {"loss", c.loss},
            {"margin", c.margin},
            {"lr", c.lr},
            {"momentum", c.momentum},
            {"weight_decay", c.weight_decay},
            {"batch_size", c.batch_size},
            {"epochs", c.epochs},
            {"seed", c.seed},
            {"rng", c.rng},
            {"dtype", c.dtype},
            {"init_std", c.init_std},
            {"normalize", c.normalize},
            {"dataset", c.dataset},
            {"data_dir", c.data_dir},
            {"threads", c.threads},
            {"limit_train", c.limit_train},
            {"path", c.path},
            {"disp_freq", c.disp_freq},
            {"metrics_out", c.metrics_out},
            {"checkpoint", c.checkpoint},
            {"checkpoint_every", c.checkpoint_every},
            {"resume", c.resume},
            {"detect_anomaly", c.detect_anomaly}};
}

namespace {

/// A non-negative integer (nlohmann would silently wrap a negative one into a huge size_t).
std::size_t count_value(const std::string& key, const nlohmann::json& value) {
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
        throw std::invalid_argument("'" + key + "' must be a non-negative integer, got " +
                                    value.dump());
    return value.get<std::size_t>();
}

std::vector<std::size_t> counts_value(const std::string& key, const nlohmann::json& value) {
    if (value.is_number()) return {count_value(key, value)};
    if (!value.is_array())
        throw std::invalid_argument("'" + key + "' must be a list of layer sizes, got " +
                                    value.dump());
    std::vector<std::size_t> sizes;
    for (const auto& element : value) sizes.push_back(count_value(key, element));
    return sizes;
}

}  // namespace

void apply_json(TrainConfig& c, const nlohmann::json& json) {
    if (!json.is_object()) throw std::invalid_argument("the config must be a JSON object");
    for (const auto& [key, value] : json.items()) {
        try {
            if (key == "hidden")
                c.hidden = counts_value(key, value);
            else if (key == "act")
                c.activation = value.get<std::string>();
            else if (key == "loss")
                c.loss = value.get<std::string>();
            else if (key == "margin")
                c.margin = value.get<double>();
            else if (key == "lr")
                c.lr = value.get<double>();
            else if (key == "momentum")
                c.momentum = value.get<double>();
            else if (key == "weight_decay")
                c.weight_decay = value.get<double>();
            else if (key == "batch_size")
                c.batch_size = count_value(key, value);
            else if (key == "epochs")
                c.epochs = count_value(key, value);
            else if (key == "seed")
                c.seed = count_value(key, value);
            else if (key == "rng")
                c.rng = value.get<std::string>();
            else if (key == "dtype")
                c.dtype = value.get<std::string>();
            else if (key == "init_std")
                c.init_std = value.get<double>();
            else if (key == "normalize")
                c.normalize = value.get<std::string>();
            else if (key == "dataset")
                c.dataset = value.get<std::string>();
            else if (key == "data_dir")
                c.data_dir = value.get<std::string>();
            else if (key == "threads")
                c.threads = value.get<int>();
            else if (key == "limit_train")
                c.limit_train = count_value(key, value);
            else if (key == "path")
                c.path = value.get<std::string>();
            else if (key == "disp_freq")
                c.disp_freq = count_value(key, value);
            else if (key == "metrics_out")
                c.metrics_out = value.get<std::string>();
            else if (key == "checkpoint")
                c.checkpoint = value.get<std::string>();
            else if (key == "checkpoint_every")
                c.checkpoint_every = count_value(key, value);
            else if (key == "resume")
                c.resume = value.get<bool>();
            else if (key == "detect_anomaly")
                c.detect_anomaly = value.get<bool>();
            else
                throw std::invalid_argument("unknown key '" + key + "'");
        } catch (const nlohmann::json::exception&) {
            throw std::invalid_argument("'" + key + "' has the wrong type (" +
                                        std::string(value.type_name()) + ")");
        }
    }
}

void apply_json_file(TrainConfig& config, const std::filesystem::path& file) {
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

}  // namespace xtgrad::training

namespace xtgrad::training {

void check_resumable(const nlohmann::json& saved, const TrainConfig& current) {
    const nlohmann::json now = to_json(current);
    for (const char* key :
         {"hidden", "act", "loss", "margin", "lr", "momentum", "weight_decay", "batch_size", "seed",
          "rng", "dtype", "init_std", "normalize", "dataset", "limit_train", "path"}) {
        if (!saved.contains(key) || saved.at(key) != now.at(key))
            throw std::invalid_argument(
                std::string("the checkpoint was made with ") + key + " = " +
                (saved.contains(key) ? saved.at(key).dump() : std::string("(unset)")) +
                ", this run has " + now.at(key).dump() +
                "; resume with the same settings or start a new checkpoint");
    }
}

}  // namespace xtgrad::training
