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

xtgrad::Conv2dOptions conv_options(const Conv2dOptions& o) {
    return {o.stride, o.padding, o.dilation};
}

}  // namespace

template <class T>
Conv2d<T>::Conv2d(const Conv2dOptions& options, RandomEngine& rng) : options_(options) {
    const auto [kh, kw] = options.kernel;
    if (options.in_channels == 0 || options.out_channels == 0 || kh == 0 || kw == 0)
        throw std::invalid_argument("Conv2d(" + std::to_string(options.in_channels) + ", " +
                                    std::to_string(options.out_channels) + ", kernel " +
                                    pair_text(options.kernel) +
                                    "): channels and kernel must be positive");
    // Drawn as a (fan_in, out) matrix, as Linear's weight, then laid out as (out, in, kh, kw).
    const std::size_t fan_in = options.in_channels * kh * kw;
    Array<T> drawn = empty_array<T>({fan_in, options.out_channels});
    initialize(drawn, options.init, rng);
    Array<T> w = empty_array<T>({options.out_channels, options.in_channels, kh, kw});
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
    return text + (options_.bias ? ")" : ", bias=false)");
}

template <class T>
MaxPool2d<T>::MaxPool2d(const PoolOptions& options) : window_(pool_window(options)) {}

template <class T>
Tensor<T> MaxPool2d<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::max_pool2d(x, window_) : composed::max_pool2d(x, window_);
}

template <class T>
std::string MaxPool2d<T>::describe() const {
    return "MaxPool2d(kernel " + pair_text(window_.kernel) + ", stride " +
           pair_text(window_.stride) + ")";
}

template <class T>
AvgPool2d<T>::AvgPool2d(const PoolOptions& options) : window_(pool_window(options)) {}

template <class T>
Tensor<T> AvgPool2d<T>::forward(const Tensor<T>& x) {
    return avg_pool2d(x, window_);
}

template <class T>
std::string AvgPool2d<T>::describe() const {
    return "AvgPool2d(kernel " + pair_text(window_.kernel) + ", stride " +
           pair_text(window_.stride) + ")";
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
