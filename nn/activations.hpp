// Activation layers (no parameters).
#pragma once

#include <string_view>

#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

template <class T>
class Sigmoid : public Module<T> {
  public:
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override { return "Sigmoid()"; }
};

template <class T>
class ReLU : public Module<T> {
  public:
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override { return "ReLU()"; }
};

template <class T>
class GeLU : public Module<T> {
  public:
    explicit GeLU(GeluApproximation approximation = GeluApproximation::tanh)
        : approximation_(approximation) {}
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

  private:
    GeluApproximation approximation_;
};

enum class Activation { sigmoid, relu, gelu, gelu_erf };

/// "sigmoid", "relu", "gelu" (tanh form) or "gelu-erf"; throws std::invalid_argument otherwise.
Activation parse_activation(std::string_view name);
std::string_view to_string(Activation activation);

template <class T>
typename Module<T>::Ptr make_activation(Activation activation);

extern template class Sigmoid<float>;
extern template class Sigmoid<double>;
extern template class ReLU<float>;
extern template class ReLU<double>;
extern template class GeLU<float>;
extern template class GeLU<double>;
extern template Module<float>::Ptr make_activation<float>(Activation);
extern template Module<double>::Ptr make_activation<double>(Activation);

}  // namespace xtgrad::nn
