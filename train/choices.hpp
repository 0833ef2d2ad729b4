// Settings that take one of a few named values: parsed into an enum once, when a config is
// read, and named again when it is written. Each enum lists its names in one table.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "xtgrad/autograd/gemm_backend.hpp"
#include "xtgrad/nn/activations.hpp"
#include "xtgrad/nn/weights.hpp"

namespace xtgrad::train {

enum class Dtype { float32, float64 };
enum class LossKind { euclidean, softmax_ce, hinge };
enum class RngKind { numpy, std };
enum class Normalize { lab, unit, standard };
enum class DatasetKind { mnist, fashion_mnist };
enum class LayerPath { fused, composed };
enum class ModelKind { mlp, cnn };
enum class OptimizerKind { sgd, adam, adamw, rmsprop, adagrad };
enum class ScheduleKind { none, step, multistep, exponential, cosine, plateau };

/// ChoiceNames<E>::values: every value of E with its name, in the order help texts list them.
template <class E>
struct ChoiceNames;

template <class E>
concept Choice = requires {
    ChoiceNames<E>::values;
};

// clang-format off
template <> struct ChoiceNames<Dtype> {
    static constexpr std::array values{std::pair{Dtype::float32, std::string_view("float32")},
                                       std::pair{Dtype::float64, std::string_view("float64")}};
};
template <> struct ChoiceNames<LossKind> {
    static constexpr std::array values{
        std::pair{LossKind::euclidean, std::string_view("euclidean")},
        std::pair{LossKind::softmax_ce, std::string_view("softmax-ce")},
        std::pair{LossKind::hinge, std::string_view("hinge")}};
};
template <> struct ChoiceNames<RngKind> {
    static constexpr std::array values{std::pair{RngKind::numpy, std::string_view("numpy")},
                                       std::pair{RngKind::std, std::string_view("std")}};
};
template <> struct ChoiceNames<Normalize> {
    static constexpr std::array values{std::pair{Normalize::lab, std::string_view("lab")},
                                       std::pair{Normalize::unit, std::string_view("unit")},
                                       std::pair{Normalize::standard, std::string_view("standard")}};
};
template <> struct ChoiceNames<DatasetKind> {
    static constexpr std::array values{
        std::pair{DatasetKind::mnist, std::string_view("mnist")},
        std::pair{DatasetKind::fashion_mnist, std::string_view("fashion-mnist")}};
};
template <> struct ChoiceNames<LayerPath> {
    static constexpr std::array values{std::pair{LayerPath::fused, std::string_view("fused")},
                                       std::pair{LayerPath::composed, std::string_view("composed")}};
};
template <> struct ChoiceNames<ModelKind> {
    static constexpr std::array values{std::pair{ModelKind::mlp, std::string_view("mlp")},
                                       std::pair{ModelKind::cnn, std::string_view("cnn")}};
};
template <> struct ChoiceNames<OptimizerKind> {
    static constexpr std::array values{
        std::pair{OptimizerKind::sgd, std::string_view("sgd")},
        std::pair{OptimizerKind::adam, std::string_view("adam")},
        std::pair{OptimizerKind::adamw, std::string_view("adamw")},
        std::pair{OptimizerKind::rmsprop, std::string_view("rmsprop")},
        std::pair{OptimizerKind::adagrad, std::string_view("adagrad")}};
};
template <> struct ChoiceNames<ScheduleKind> {
    static constexpr std::array values{
        std::pair{ScheduleKind::none, std::string_view("none")},
        std::pair{ScheduleKind::step, std::string_view("step")},
        std::pair{ScheduleKind::multistep, std::string_view("multistep")},
        std::pair{ScheduleKind::exponential, std::string_view("exponential")},
        std::pair{ScheduleKind::cosine, std::string_view("cosine")},
        std::pair{ScheduleKind::plateau, std::string_view("plateau")}};
};
template <> struct ChoiceNames<nn::Activation> {
    static constexpr std::array values{
        std::pair{nn::Activation::sigmoid, std::string_view("sigmoid")},
        std::pair{nn::Activation::relu, std::string_view("relu")},
        std::pair{nn::Activation::gelu, std::string_view("gelu")},
        std::pair{nn::Activation::gelu_erf, std::string_view("gelu-erf")}};
};
template <> struct ChoiceNames<blas::Backend> {
    static constexpr auto values = blas::kBackendNames;
};
template <> struct ChoiceNames<nn::WeightLayout> {
    static constexpr auto values = nn::kWeightLayoutNames;
};
// clang-format on

template <Choice E>
std::string_view choice_name(E value) {
    for (const auto& [v, name] : ChoiceNames<E>::values)
        if (v == value) return name;
    throw std::invalid_argument("choice_name: a value outside its enum");
}

/// "sigmoid, relu, gelu, gelu-erf"
template <Choice E>
std::string choice_list() {
    std::string text;
    for (const auto& [v, name] : ChoiceNames<E>::values)
        text += (text.empty() ? "" : ", ") + std::string(name);
    return text;
}

/// Throws std::invalid_argument "<key> must be one of <names>, got '<text>'".
template <Choice E>
E parse_choice(std::string_view key, std::string_view text) {
    for (const auto& [v, name] : ChoiceNames<E>::values)
        if (name == text) return v;
    throw std::invalid_argument(std::string(key) + " must be one of " + choice_list<E>() +
                                ", got '" + std::string(text) + "'");
}

}  // namespace xtgrad::train
