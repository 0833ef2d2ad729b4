// Linear layer y = x W + b, with W of shape (in, out) as in the reference lab.
#pragma once

#include <cstddef>

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/nn/init.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

struct LinearOptions {
    LinearOptions(std::size_t in, std::size_t out) : in_features(in), out_features(out) {}
    LinearOptions& bias(bool on) {
        with_bias = on;
        return *this;
    }
    LinearOptions& init(Init how) {
        weight_init = how;
        return *this;
    }

    std::size_t in_features;
    std::size_t out_features;
    bool with_bias = true;
    Init weight_init = Init::normal(0.01);
};

template <class T>
class Linear : public Module<T> {
  public:
    /// Draws the weight from rng (the bias starts at zero).
    Linear(const LinearOptions& options, RandomEngine& rng);

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

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace xtgrad::nn
