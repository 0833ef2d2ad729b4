// The layers and losses as fused ops: one tape node each, with a hand-written forward and
// backward recorded through record_op (the same public mechanism as every built-in op). This
// is the fast path nn modules use by default. composed.hpp has the same functions built from
// tape primitives; tests/nn checks every pair with check_backward.
#pragma once

#include <span>

#include "xtgrad/autograd/op_info.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad::nn {

enum class GeluApproximation {
    tanh,  // 0.5 u (1 + tanh(sqrt(2/pi) (u + 0.044715 u^3))): the lab's formula
    erf,   // 0.5 u (1 + erf(u / sqrt(2))): the exact form
};

// clang-format off
#define XTGRAD_NN_FUSED_OPS(X) \
    X(linear) \
    X(conv2d) \
    X(max_pool2d) \
    X(avg_pool2d) \
    X(batch_norm) \
    X(sigmoid) \
    X(gelu_tanh) \
    X(gelu_erf) \
    X(euclidean_loss) \
    X(softmax_cross_entropy) \
    X(hinge_loss)
// clang-format on

namespace op_info {
#define XTGRAD_DECLARE_NN_OP_INFO(id) inline constexpr OpInfo id{#id, true};
XTGRAD_NN_FUSED_OPS(XTGRAD_DECLARE_NN_OP_INFO)
#undef XTGRAD_DECLARE_NN_OP_INFO
}  // namespace op_info

/// Every fused nn op, in declaration order.
std::span<const OpInfo* const> fused_ops();

/// Per-channel statistics of a batch (N, C, ...): the mean and the biased variance over every
/// axis but 1, and how many values each channel has.
template <class T>
struct BatchStatistics {
    Array<T> mean;
    Array<T> variance;
    std::size_t count = 0;
};

/// The statistics of x (N, C, ...), accumulated in double (two passes: the variance is never
/// negative). Throws ShapeError naming batch_norm for a rank below 2 or one value per channel.
template <class T>
BatchStatistics<T> batch_statistics(const Array<T>& x);

namespace fused {

/// x (N, in) W (in, out) + b (out); bias may be an undefined Tensor (no bias).
/// Backward: dW = x^T G and dx = G W^T by gemm transpose flags, accumulated in place;
/// db = column sums of G.
template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias);

/// 1 / (1 + exp(-x)) with the vector exp of vector_math.hpp (the built-in sigmoid op, on libm,
/// is its reference); backward g y (1 - y) from the output.
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x);

/// The built-in relu op is already a single fused node.
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
    return xtgrad::relu(x);
}

template <class T>
Tensor<T> gelu(const Tensor<T>& x, GeluApproximation approximation);

/// xtgrad::conv2d as one node: im2col and a gemm; backward dW = G^T cols, dx = col2im(G W).
/// bias may be undefined.
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                 const xtgrad::Conv2dOptions& options);

/// xtgrad::max_pool2d as one node: a direct scan of each window, the first maximum's position
/// kept for the backward.
template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false);

/// Batch normalisation in training mode: x (N, C, ...) normalised per channel by its batch
/// mean and biased variance (batch_statistics), (x - mean) / sqrt(variance + eps), then times
/// weight and plus bias (each (C), either may be undefined). When statistics is given, they
/// are stored there (for running averages). Throws ShapeError naming batch_norm for a weight or
/// bias of another length, and as batch_statistics does.
/// Backward: dx = weight / (M sqrt(variance + eps)) (M dy - sum dy - x^ sum dy x^) per channel.
template <class T>
Tensor<T> batch_norm(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, T eps,
                     BatchStatistics<T>* statistics = nullptr);

/// xtgrad::avg_pool2d as one node: a direct sum over each window divided by its tap count
/// (count_include_pad; in ceil mode the taps inside the padded input); the backward spreads
/// each output gradient over its window's pixels.
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false);

/// 1/(2N) sum_n ||t_n - x_n||^2 with t the one-hot labels (or the given targets).
template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, std::span<const Label> labels);
template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, const Tensor<T>& targets);

/// -1/N sum_n log softmax(x_n)[y_n], max-shifted (finite for logits of any size).
template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const Label> labels);
/// -1/N sum_n sum_k t_nk log softmax(x_n)_k for target distributions t (one-hot or soft).
template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, const Tensor<T>& targets);

/// 1/N sum_n sum_{k != y_n} max(0, margin - x_n,y_n + x_n,k) (multi-class hinge).
template <class T>
Tensor<T> hinge_loss(const Tensor<T>& logits, std::span<const Label> labels, T margin);

}  // namespace fused

}  // namespace xtgrad::nn
