#include "xtgrad/nn/activations.hpp"

#include <stdexcept>

#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"

namespace xtgrad::nn {

template <class T>
Tensor<T> Sigmoid<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::sigmoid(x) : composed::sigmoid(x);
}

template <class T>
Tensor<T> ReLU<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::relu(x) : composed::relu(x);
}

template <class T>
Tensor<T> GeLU<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::gelu(x, approximation_) : composed::gelu(x, approximation_);
}

template <class T>
std::string GeLU<T>::describe() const {
    return approximation_ == GeluApproximation::tanh ? "GeLU(tanh)" : "GeLU(erf)";
}

Activation parse_activation(std::string_view name) {
    if (name == "sigmoid") return Activation::sigmoid;
    if (name == "relu") return Activation::relu;
    if (name == "gelu") return Activation::gelu;
    if (name == "gelu-erf") return Activation::gelu_erf;
    throw std::invalid_argument("unknown activation '" + std::string(name) +
                                "' (expected sigmoid, relu, gelu or gelu-erf)");
}

std::string_view to_string(Activation activation) {
    switch (activation) {
        case Activation::sigmoid:
            return "sigmoid";
        case Activation::relu:
            return "relu";
        case Activation::gelu:
            return "gelu";
        case Activation::gelu_erf:
            return "gelu-erf";
    }
    return "?";
}

template <class T>
typename Module<T>::Ptr make_activation(Activation activation) {
    switch (activation) {
        case Activation::sigmoid:
            return std::make_shared<Sigmoid<T>>();
        case Activation::relu:
            return std::make_shared<ReLU<T>>();
        case Activation::gelu:
            return std::make_shared<GeLU<T>>(GeluApproximation::tanh);
        case Activation::gelu_erf:
            return std::make_shared<GeLU<T>>(GeluApproximation::erf);
    }
    throw std::invalid_argument("make_activation: unknown activation");
}

template class Sigmoid<float>;
template class Sigmoid<double>;
template class ReLU<float>;
template class ReLU<double>;
template class GeLU<float>;
template class GeLU<double>;
template Module<float>::Ptr make_activation<float>(Activation);
template Module<double>::Ptr make_activation<double>(Activation);

}  // namespace xtgrad::nn
