// Linear layer y = x W + b, with W of shape (in, out) as in the reference lab.
#pragma once

#include <cstddef>

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/nn/init.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// nn::Linearf fc({.in_features = 784, .out_features = 128, .bias = false}, rng);
struct LinearOptions {
    std::size_t in_features = 0;
    std::size_t out_features = 0;
    bool bias = true;
    Init init = Init::normal(0.01);
};

template <class T>
class Linear : public Module<T> {
  public:
    /// Draws the weight from rng (the bias starts at zero).
    Linear(const LinearOptions& options, RandomEngine& rng);
    Linear(std::size_t in_features, std::size_t out_features, RandomEngine& rng)
        : Linear(LinearOptions{.in_features = in_features, .out_features = out_features}, rng) {}

    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

    Tensor<T>& weight() { return *weight_; }
    /// Undefined when the layer has no bias.
    Tensor<T>& bias() { return *bias_; }
    const LinearOptions& options() const { return options_; }

  private:
    LinearOptions options_;
    Tensor<T> no_bias_;
    Tensor<T>* weight_ = nullptr;
    Tensor<T>* bias_ = &no_bias_;
};

#define XTGRAD_EXTERN(T) extern template class Linear<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

using Linearf = Linear<float>;
using Lineard = Linear<double>;

}  // namespace xtgrad::nn
