// The layers and losses written once from tape primitives (the automatic path): the reference
// the fused ops are checked against, and an alternative path for models (Module::set_fused).
#pragma once

#include <span>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/nn/fused_ops.hpp"

namespace xtgrad::nn::composed {

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias);
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x);
template <class T>
Tensor<T> relu(const Tensor<T>& x);
template <class T>
Tensor<T> gelu(const Tensor<T>& x, GeluApproximation approximation);
/// xtgrad::conv2d (unfold, matmul, reshape, transpose).
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                 const xtgrad::Conv2dOptions& options) {
    return xtgrad::conv2d(x, weight, bias, options);
}
/// xtgrad::avg_pool2d (unfold and mean).
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false) {
    return xtgrad::avg_pool2d(x, window, ceil_mode);
}
/// xtgrad::max_pool2d (unfold and max).
template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false) {
    return xtgrad::max_pool2d(x, window, ceil_mode);
}
/// Training-mode batch normalisation from mean, sub, square, sqrt and div.
template <class T>
Tensor<T> batch_norm(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, T eps);
template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, std::span<const Label> labels);
template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, const Tensor<T>& targets);
template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const Label> labels);
template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, const Tensor<T>& targets);
template <class T>
Tensor<T> hinge_loss(const Tensor<T>& logits, std::span<const Label> labels, T margin);

}  // namespace xtgrad::nn::composed
