// Convolutional layers over (N, C, H, W) images: Conv2d, MaxPool2d, AvgPool2d, and Flatten
// between them and the Linear layers.
//
//     nn::Conv2df conv({.in_channels = 1, .out_channels = 16, .kernel = {5, 5},
//                       .padding = {2, 2}}, rng);
#pragma once

#include <array>
#include <cstddef>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/random.hpp"
#include "xtgrad/nn/init.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

struct Conv2dOptions {
    std::size_t in_channels = 0;
    std::size_t out_channels = 0;
    std::array<std::size_t, 2> kernel = {3, 3};
    std::array<std::size_t, 2> stride = {1, 1};
    std::array<std::size_t, 2> padding = {0, 0};
    std::array<std::size_t, 2> dilation = {1, 1};
    /// Channel groups (in and out channels must divide by it); in_channels = groups is depthwise.
    std::size_t groups = 1;
    bool bias = true;
    /// Over fan_in = in_channels / groups kh kw. PyTorch's default: kaiming_uniform with a = sqrt(5).
    Init init =
        Init::kaiming_uniform(FanMode::fan_in, Nonlinearity::leaky_relu, 2.2360679774997896);
};

/// Weight (out, in / groups, kh, kw) as torch.nn.Conv2d holds it; bias (out), starting at zero.
template <class T>
class Conv2d : public Module<T> {
  public:
    Conv2d(const Conv2dOptions& options, RandomEngine& rng);
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

    Tensor<T>& weight() { return *weight_; }
    Tensor<T>& bias() { return *bias_; }
    const Conv2dOptions& options() const { return options_; }

  private:
    Conv2dOptions options_;
    Tensor<T> no_bias_;
    Tensor<T>* weight_ = nullptr;
    Tensor<T>* bias_ = &no_bias_;
};

/// stride defaults to the kernel (PyTorch's default) when left at {0, 0}.
struct PoolOptions {
    std::array<std::size_t, 2> kernel = {2, 2};
    std::array<std::size_t, 2> stride = {0, 0};
    std::array<std::size_t, 2> padding = {0, 0};
    /// Round the output grid up (PyTorch's ceil_mode).
    bool ceil_mode = false;
};

template <class T>
class MaxPool2d : public Module<T> {
  public:
    explicit MaxPool2d(const PoolOptions& options = {});
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

  private:
    Window2d window_;
    bool ceil_mode_;
};

template <class T>
class AvgPool2d : public Module<T> {
  public:
    explicit AvgPool2d(const PoolOptions& options = {});
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

  private:
    Window2d window_;
    bool ceil_mode_;
};

/// (N, d1, d2, ...) -> (N, d1 d2 ...).
template <class T>
class Flatten : public Module<T> {
  public:
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override { return "Flatten()"; }
};

using Conv2df = Conv2d<float>;
using Conv2dd = Conv2d<double>;

#define XTGRAD_EXTERN(T)                \
    extern template class Conv2d<T>;    \
    extern template class MaxPool2d<T>; \
    extern template class AvgPool2d<T>; \
    extern template class Flatten<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
