// The configuration of one standard training run (an MLP on an IDX image dataset), declared
// once: each field's member, JSON key (which is also its command-line flag, --key), type,
// default, whether a resumed run must repeat it, its check, and its help text. The JSON
// reader and writer, the validation, the resume check and the command line all iterate this
// table, so a field added here is everywhere at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xtgrad/train/choices.hpp"

namespace xtgrad::train {

/// Whether a resumed run must use the saved value (it changes the run) or may differ.
enum class OnResume { must_match, may_differ };

/// Field checks: an error text ("must be positive") or nothing.
namespace check {
inline std::optional<std::string> none(const auto&) {
    return std::nullopt;
}
std::optional<std::string> positive(double value);
std::optional<std::string> non_negative(double value);
std::optional<std::string> fraction_below_one(double value);  // [0, 1)
std::optional<std::string> layer_sizes(const std::vector<std::size_t>& sizes);
std::optional<std::string> increasing(const std::vector<std::size_t>& values);
}  // namespace check

// clang-format off
// X(member, "key", type, default, OnResume, check, "help")
#define XTGRAD_RUN_CONFIG_FIELDS(X) \
    X(model, "model", ModelKind, ModelKind::mlp, must_match, none, \
      "mlp, or cnn: two 5x5 convolutions (16, 32 channels) with ReLU and 2x2 max pooling, then " \
      "the --hidden layers and 10 outputs, in PyTorch's default initialisation") \
    X(batch_norm, "batch-norm", bool, false, must_match, none, \
      "cnn: batch normalisation (BatchNorm2d) after each convolution") \
    X(dropout, "dropout", double, 0, must_match, fraction_below_one, \
      "cnn: dropout probability before the output layer (0 = none)") \
    X(augment_shift, "augment-shift", std::size_t, 0, must_match, none, \
      "cnn: shift each training image by up to this many pixels, at random (0 = none)") \
    X(hidden, "hidden", std::vector<std::size_t>, {128}, must_match, layer_sizes, \
      "hidden layer sizes, e.g. 128 or 256,128") \
    X(act, "act", nn::Activation, nn::Activation::relu, must_match, none, \
      "activation: sigmoid, relu, gelu (tanh form) or gelu-erf") \
    X(loss, "loss", LossKind, LossKind::softmax_ce, must_match, none, \
      "loss: euclidean, softmax-ce or hinge") \
    X(margin, "margin", double, 5, must_match, positive, "hinge loss margin") \
    X(lr, "lr", double, 0.1, must_match, positive, "learning rate") \
    X(optimizer, "optimizer", OptimizerKind, OptimizerKind::sgd, must_match, none, \
      "sgd, adam, adamw, rmsprop or adagrad (PyTorch 1.13's updates)") \
    X(momentum, "momentum", double, 0.9, must_match, fraction_below_one, \
      "momentum (sgd, rmsprop)") \
    X(weight_decay, "weight-decay", double, 2e-4, must_match, non_negative, \
      "weight decay: added to the gradient (decoupled for adamw)") \
    X(beta1, "beta1", double, 0.9, must_match, fraction_below_one, "adam/adamw: beta1") \
    X(beta2, "beta2", double, 0.999, must_match, fraction_below_one, \
      "adam/adamw: beta2 (rmsprop: its alpha is 0.99)") \
    X(eps, "eps", double, 1e-8, must_match, non_negative, \
      "adam/adamw/rmsprop/adagrad: the denominator's epsilon") \
    X(amsgrad, "amsgrad", bool, false, must_match, none, "adam/adamw: the AMSGrad maximum") \
    X(lr_schedule, "lr-schedule", ScheduleKind, ScheduleKind::none, must_match, none, \
      "none, step, multistep, exponential, cosine or plateau (stepped after every epoch)") \
    X(lr_gamma, "lr-gamma", double, 0.1, must_match, positive, \
      "step/multistep/exponential: the decay factor; plateau: the reduction factor") \
    X(lr_step, "lr-step", std::size_t, 10, must_match, positive, "step: epochs between decays") \
    X(lr_milestones, "lr-milestones", std::vector<std::size_t>, {}, must_match, increasing, \
      "multistep: the epochs after which the rate decays, e.g. 5,8") \
    X(lr_period, "lr-period", std::size_t, 0, must_match, none, \
      "cosine: epochs from the base rate to --lr-min (0 = --epochs)") \
    X(lr_min, "lr-min", double, 0, must_match, non_negative, "cosine: the lowest rate") \
    X(lr_patience, "lr-patience", std::size_t, 10, must_match, none, \
      "plateau: epochs without a lower test loss before the rate is reduced") \
    X(warmup_epochs, "warmup-epochs", std::size_t, 0, must_match, none, \
      "linear warmup from 1/3 of the rate over these epochs, times the schedule (0 = none)") \
    X(warmup_steps, "warmup-steps", std::size_t, 0, must_match, none, \
      "the same warmup over this many optimizer steps instead (0 = none)") \
    X(clip_grad_norm, "clip-grad-norm", double, 0, must_match, non_negative, \
      "clip the gradients to this global 2-norm before every step (0 = off)") \
    X(batch_size, "batch-size", std::size_t, 100, must_match, positive, "mini-batch size") \
    X(epochs, "epochs", std::size_t, 10, may_differ, none, \
      "training epochs (0: evaluate the --load-weights file only)") \
    X(seed, "seed", std::uint64_t, 42, must_match, none, "seed of the one random generator") \
    X(rng, "rng", RngKind, RngKind::numpy, must_match, none, \
      "numpy (numpy's legacy stream, drawn in the lab's order) or std") \
    X(dtype, "dtype", Dtype, Dtype::float32, must_match, none, "float32 or float64") \
    X(init_std, "init-std", double, 0.01, must_match, positive, \
      "standard deviation of the initial weights") \
    /* unit (p/255) by default: the lab's (p - 128)/255 has mean -0.37, which slows SGD at */ \
    /* lr 0.1 (test accuracy 0.963 after 3 epochs against 0.973 with unit). */ \
    X(normalize, "normalize", Normalize, Normalize::unit, must_match, none, \
      "lab ((p-128)/255), unit (p/255) or standard (mean/std)") \
    X(dataset, "dataset", DatasetKind, DatasetKind::mnist, must_match, none, \
      "mnist or fashion-mnist") \
    X(data_dir, "data-dir", std::string, "", may_differ, none, \
      "folder with the IDX files, raw or .gz (default: $XTGRAD_MNIST_DIR, else data/mnist; " \
      "/usr/share/datasets/fashion-mnist for Fashion-MNIST)") \
    X(threads, "threads", int, 0, may_differ, non_negative, \
      "threads of OpenBLAS and oneDNN (0 = every core)") \
    X(distributed, "distributed", bool, false, may_differ, none, \
      "data-parallel over the processes of an MPI launch (mpirun -np K mnist-train " \
      "--distributed ...): each trains on 1/K of every --batch-size batch") \
    X(gemm, "gemm", blas::Backend, blas::Backend::automatic, may_differ, none, \
      "matrix products: auto (the fastest built in: oneDNN for float32, OpenBLAS for float64), " \
      "openblas or onednn") \
    X(limit_train, "limit-train", std::size_t, 0, must_match, none, \
      "train on the first N images only (0 = all)") \
    X(path, "path", LayerPath, LayerPath::fused, must_match, none, \
      "fused (hand-written backwards) or composed (tape primitives)") \
    X(disp_freq, "disp-freq", std::size_t, 100, may_differ, positive, \
      "iterations between progress lines when not on a terminal") \
    X(metrics_out, "metrics-out", std::string, "", may_differ, none, \
      "write per-epoch metrics as JSON to this file") \
    X(checkpoint, "checkpoint", std::string, "", may_differ, none, \
      "checkpoint file: written every --checkpoint-every epochs and on SIGINT/SIGTERM") \
    X(checkpoint_every, "checkpoint-every", std::size_t, 1, may_differ, positive, \
      "epochs between checkpoints") \
    X(load_weights, "load-weights", std::string, "", must_match, none, \
      "start from the weights in this file (.safetensors or .npz) instead of random ones") \
    X(save_weights, "save-weights", std::string, "", may_differ, none, \
      "after training, write the weights to this file (.safetensors or .npz)") \
    X(weight_layout, "weight-layout", nn::WeightLayout, nn::WeightLayout::pytorch, may_differ, \
      none, "layout of --save-weights, and of a --load-weights file without one: pytorch " \
      "(the state_dict of torch.nn.Sequential(Linear, act, ..., Linear)) or xtgrad") \
    X(logits_out, "logits-out", std::string, "", may_differ, none, \
      "after the run, write the test images' logits (count, 10) to this .npy file") \
    X(resume, "resume", bool, false, may_differ, none, \
      "continue from --checkpoint (same settings; --epochs may grow)") \
    X(detect_anomaly, "detect-anomaly", bool, false, may_differ, none, \
      "check every op's output and gradient for NaN/Inf and name the first op that produces one")
// clang-format on

struct RunConfig {
#define XTGRAD_DECLARE_FIELD(member, key, type, default_value, resume, check, help) \
    type member = default_value;
    XTGRAD_RUN_CONFIG_FIELDS(XTGRAD_DECLARE_FIELD)
#undef XTGRAD_DECLARE_FIELD

    /// The data folder actually used (data_dir, or the dataset's default).
    std::filesystem::path resolved_data_dir() const;
};

/// What the table says of one field, for generic code (the command line).
struct FieldInfo {
    const char* key;
    const char* help;
    OnResume on_resume;
};

/// Calls visit(info, member) for every field of config, in table order.
template <class Config, class Visitor>
void for_each_field(Config& config, Visitor&& visit) {
#define XTGRAD_VISIT_FIELD(member, key, type, default_value, resume, check, help) \
    visit(FieldInfo{key, help, OnResume::resume}, config.member);
    XTGRAD_RUN_CONFIG_FIELDS(XTGRAD_VISIT_FIELD)
#undef XTGRAD_VISIT_FIELD
}

/// Every problem with the values, one message each (empty if the config is valid).
/// Whether this build has xtgrad::dist (MPI), which --distributed needs.
bool has_mpi();
std::vector<std::string> validate(const RunConfig& config);

/// Throws std::invalid_argument naming the first must-match field in which `current` differs
/// from the `saved` config of a checkpoint.
void check_resumable(const nlohmann::json& saved, const RunConfig& current);

nlohmann::json to_json(const RunConfig& config);
/// Overrides the fields present in json; throws std::invalid_argument naming an unknown key (or
/// the new name of a renamed one) or a value of the wrong type or out of its choices.
void apply_json(RunConfig& config, const nlohmann::json& json);
/// Reads a JSON config file over config; throws std::runtime_error naming the file.
void apply_json_file(RunConfig& config, const std::filesystem::path& file);

/// The settings in which a model's defaults differ from the table's (keyed like the fields):
/// the CNN trains with Adam and a cosine schedule, no weight decay, for fewer epochs. Empty for
/// the MLP.
nlohmann::json model_defaults(ModelKind model);
/// The table's defaults with model_defaults(model) over them: where a run starts, before its
/// config file and flags.
RunConfig defaults_for(ModelKind model);

}  // namespace xtgrad::train
