#include "xtgrad/nn/conv.hpp"

#include <stdexcept>

#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/fused_ops.hpp"

namespace xtgrad::nn {

namespace {

std::string pair_text(const std::array<std::size_t, 2>& p) {
    return "(" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ")";
}

Window2d pool_window(const PoolOptions& o) {
    const auto stride = o.stride == std::array<std::size_t, 2>{0, 0} ? o.kernel : o.stride;
    return {o.kernel, stride, o.padding, {1, 1}};
}

/// "kernel (2, 2), stride (2, 2)", then padding and ceil mode where set.
std::string pool_text(const Window2d& w, bool ceil_mode) {
    std::string text = "kernel " + pair_text(w.kernel) + ", stride " + pair_text(w.stride);
    if (w.padding != std::array<std::size_t, 2>{0, 0}) text += ", padding " + pair_text(w.padding);
    return ceil_mode ? text + ", ceil_mode" : text;
}

xtgrad::Conv2dOptions conv_options(const Conv2dOptions& o) {
    return {o.stride, o.padding, o.dilation, o.groups};
}

}  // namespace

template <class T>
Conv2d<T>::Conv2d(const Conv2dOptions& options, RandomEngine& rng) : options_(options) {
    const auto [kh, kw] = options.kernel;
    const std::size_t groups = options.groups;
    if (options.in_channels == 0 || options.out_channels == 0 || kh == 0 || kw == 0 ||
        groups == 0 || options.in_channels % groups != 0 || options.out_channels % groups != 0)
        throw std::invalid_argument("Conv2d(" + std::to_string(options.in_channels) + ", " +
                                    std::to_string(options.out_channels) + ", kernel " +
                                    pair_text(options.kernel) + ", groups " +
                                    std::to_string(groups) +
                                    "): channels and kernel must be positive, the channels "
                                    "divisible by groups");
    // Drawn as a (fan_in, out) matrix, as Linear's weight, then laid out as (out, in, kh, kw).
    const std::size_t group_in = options.in_channels / groups;
    const std::size_t fan_in = group_in * kh * kw;
    Array<T> drawn = empty_array<T>({fan_in, options.out_channels});
    initialize(drawn, options.init, rng);
    Array<T> w = empty_array<T>({options.out_channels, group_in, kh, kw});
    for (std::size_t o = 0; o < options.out_channels; ++o)
        for (std::size_t f = 0; f < fan_in; ++f) w.data()[o * fan_in + f] = drawn(f, o);
    weight_ = &this->register_parameter("weight", Tensor<T>(std::move(w)));
    if (options.bias)
        bias_ = &this->register_parameter("bias", Tensor<T>(xt::zeros<T>({options.out_channels})));
}

template <class T>
Tensor<T> Conv2d<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::conv2d(x, *weight_, *bias_, conv_options(options_))
                               : composed::conv2d(x, *weight_, *bias_, conv_options(options_));
}

template <class T>
std::string Conv2d<T>::describe() const {
    std::string text = "Conv2d(" + std::to_string(options_.in_channels) + ", " +
                       std::to_string(options_.out_channels) + ", kernel " +
                       pair_text(options_.kernel);
    if (options_.stride != std::array<std::size_t, 2>{1, 1})
        text += ", stride " + pair_text(options_.stride);
    if (options_.padding != std::array<std::size_t, 2>{0, 0})
        text += ", padding " + pair_text(options_.padding);
    if (options_.dilation != std::array<std::size_t, 2>{1, 1})
        text += ", dilation " + pair_text(options_.dilation);
    if (options_.groups != 1) text += ", groups " + std::to_string(options_.groups);
    return text + (options_.bias ? ")" : ", bias=false)");
}

template <class T>
MaxPool2d<T>::MaxPool2d(const PoolOptions& options)
    : window_(pool_window(options)), ceil_mode_(options.ceil_mode) {}

template <class T>
Tensor<T> MaxPool2d<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::max_pool2d(x, window_, ceil_mode_)
                               : composed::max_pool2d(x, window_, ceil_mode_);
}

template <class T>
std::string MaxPool2d<T>::describe() const {
    return "MaxPool2d(" + pool_text(window_, ceil_mode_) + ")";
}

template <class T>
AvgPool2d<T>::AvgPool2d(const PoolOptions& options)
    : window_(pool_window(options)), ceil_mode_(options.ceil_mode) {}

template <class T>
Tensor<T> AvgPool2d<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::avg_pool2d(x, window_, ceil_mode_)
                               : composed::avg_pool2d(x, window_, ceil_mode_);
}

template <class T>
std::string AvgPool2d<T>::describe() const {
    return "AvgPool2d(" + pool_text(window_, ceil_mode_) + ")";
}

template <class T>
Tensor<T> Flatten<T>::forward(const Tensor<T>& x) {
    if (x.dimension() < 2) throw ShapeError("Flatten", x.shape(), "needs (N, d1, ...)");
    return flatten(x, 1);
}

#define XTGRAD_INSTANTIATE(T)    \
    template class Conv2d<T>;    \
    template class MaxPool2d<T>; \
    template class AvgPool2d<T>; \
    template class Flatten<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
