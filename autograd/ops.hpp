// The built-in differentiable ops (and a few non-differentiable helpers).
//
// Binary elementwise ops broadcast like numpy/xtensor; their gradients are summed back to each
// input's shape (see unbroadcast in broadcast.hpp). Every op checks its operands and throws
// ShapeError naming itself and the shapes at fault. Axis arguments accept negative values
// (counted from the end). Each op is listed in op_info.hpp and has a gradcheck case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"
#include "xtgrad/autograd/window.hpp"

namespace xtgrad {

/// Class labels (indices into the last axis of logits).
using Label = std::int32_t;

// Elementwise, broadcasting.
template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
/// Elementwise maximum; where a == b the gradient is split evenly between both.
template <class T>
Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b);

/// mask ? a : b elementwise; mask, a and b broadcast together. mask is a constant (never
/// differentiated; nonzero means true), e.g. from greater. The gradient goes to a where the mask
/// holds and to b elsewhere. Unlike mask * a + (1 - mask) * b, an inf or nan in the branch not
/// taken never reaches the output.
template <class T>
Tensor<T> where(const Tensor<T>& mask, const Tensor<T>& a, const Tensor<T>& b);

// Elementwise, unary.
template <class T>
Tensor<T> neg(const Tensor<T>& x);
template <class T>
Tensor<T> exp(const Tensor<T>& x);
template <class T>
Tensor<T> log(const Tensor<T>& x);
template <class T>
Tensor<T> tanh(const Tensor<T>& x);
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x);
/// max(x, 0); gradient 0 at x == 0.
template <class T>
Tensor<T> relu(const Tensor<T>& x);
template <class T>
Tensor<T> erf(const Tensor<T>& x);
/// x^exponent; the gradient of x^0 is 0 everywhere, also at x == 0.
template <class T>
Tensor<T> pow(const Tensor<T>& x, T exponent);
template <class T>
Tensor<T> square(const Tensor<T>& x);
template <class T>
Tensor<T> sqrt(const Tensor<T>& x);
/// |x|; gradient 0 at x == 0.
template <class T>
Tensor<T> abs(const Tensor<T>& x);
/// min(max(x, low), high); the gradient passes where low <= x <= high.
template <class T>
Tensor<T> clamp(const Tensor<T>& x, T low, T high);

// Linear algebra and shape.
/// 2-D matrix product through BLAS gemm; the backward uses gemm's transpose flags. A batch
/// (B, m, k) times (B, k, n) gives (B, m, n), one product per entry; (B, m, k) times (k, n) is
/// one product over the B m rows. Batches are composed from 2-D products (slice, stack).
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b);
/// Reverses the axes (a matrix transpose for 2-D).
template <class T>
Tensor<T> transpose(const Tensor<T>& x);
/// Permutes the axes: output axis i is input axis permutation[i].
template <class T>
Tensor<T> transpose(const Tensor<T>& x, std::vector<std::size_t> permutation);
/// Same elements, new shape; at most one entry may be -1 (inferred).
template <class T>
Tensor<T> reshape(const Tensor<T>& x, std::vector<std::ptrdiff_t> shape);

// Shape helpers (reshapes: the gradient, second derivative and tangent are reshape's).
/// Merges the axes from start_axis on: (N, C, H, W) -> (N, C H W) by default.
template <class T>
Tensor<T> flatten(const Tensor<T>& x, std::size_t start_axis = 1);
/// Removes axis, which must have length 1.
template <class T>
Tensor<T> squeeze(const Tensor<T>& x, std::ptrdiff_t axis);
/// Inserts a length-1 axis before position axis (0..rank; -1 appends one).
template <class T>
Tensor<T> unsqueeze(const Tensor<T>& x, std::ptrdiff_t axis);

/// Positions start, start + step, ... below stop along axis (numpy's x[start:stop:step]).
/// Throws ShapeError unless start <= stop <= the axis length and step > 0.
template <class T>
Tensor<T> slice(const Tensor<T>& x, std::ptrdiff_t axis, std::size_t start, std::size_t stop,
                std::size_t step = 1);
/// The adjoint of slice: zeros of shape with x placed at positions start + k step along axis.
template <class T>
Tensor<T> embed(const Tensor<T>& x, const Shape& shape, std::ptrdiff_t axis, std::size_t start,
                std::size_t step = 1);
/// The slices at indices along axis, in their order (repeats allowed): x[..., indices, ...].
/// Throws std::out_of_range naming the first index outside the axis.
template <class T>
Tensor<T> index_select(const Tensor<T>& x, std::ptrdiff_t axis,
                       std::span<const std::size_t> indices);
/// The adjoint of index_select: zeros of shape with x's k-th slice along axis added at
/// indices[k] (repeated indices add up).
template <class T>
Tensor<T> index_add(const Tensor<T>& x, const Shape& shape, std::ptrdiff_t axis,
                    std::span<const std::size_t> indices);
/// Joins tensors along an existing axis (their other sizes must agree). Composed from embed.
template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, std::ptrdiff_t axis);
/// Joins equally shaped tensors along a new axis.
template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& xs, std::ptrdiff_t axis);
/// before and after positions of value around x along axis (constant padding).
template <class T>
Tensor<T> pad(const Tensor<T>& x, std::ptrdiff_t axis, std::size_t before, std::size_t after,
              T value = T(0));

// Reductions.
/// Sum of all elements (a rank-0 tensor).
template <class T>
Tensor<T> sum(const Tensor<T>& x);
template <class T>
Tensor<T> sum(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);
template <class T>
Tensor<T> mean(const Tensor<T>& x);
template <class T>
Tensor<T> mean(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);

/// Variance along axis: the mean squared deviation from the mean, times n / (n - 1) when
/// unbiased (torch.var's default). Composed from mean, sub and square.
template <class T>
Tensor<T> var(const Tensor<T>& x, std::ptrdiff_t axis, bool unbiased = true, bool keepdims = false);
/// The largest entry along axis. The gradient goes to the first maximum of each line (the
/// lowest index on ties), as torch.max(dim) picks it.
template <class T>
Tensor<T> max(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);
/// log(sum(exp(x))) along axis, shifted by the (constant) maximum so that it never overflows.
template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);
/// Index of the largest entry of every line along axis (the first on ties), as a constant
/// tensor of indices with that axis removed (kept with length 1 if keepdims).
template <class T>
Tensor<T> argmax(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);
/// The smallest entry along axis (-max(-x)); the gradient goes to the first minimum.
template <class T>
Tensor<T> min(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims = false);

// Sliding windows over (N, C, H, W) images (window.hpp).
/// im2col: (N OH OW, C kh kw); row (n, oh, ow) holds that window's values channel by channel.
/// Positions in the padding read pad_value. The backward is fold.
template <class T>
Tensor<T> unfold(const Tensor<T>& x, const Window2d& window, T pad_value = T(0));
/// col2im, the adjoint of unfold: adds each row's entries back into an image of image_shape
/// (entries that fall in the padding are dropped). The backward is unfold.
template <class T>
Tensor<T> fold(const Tensor<T>& columns, const Shape& image_shape, const Window2d& window);

struct Conv2dOptions {
    std::array<std::size_t, 2> stride = {1, 1};
    std::array<std::size_t, 2> padding = {0, 0};
    std::array<std::size_t, 2> dilation = {1, 1};
    /// Channel groups: input channels g C/groups.. and output channels g out/groups.. only
    /// meet each other (groups = C is a depthwise convolution).
    std::size_t groups = 1;
};
/// Cross-correlation of x (N, C, H, W) with weight (out, C / groups, kh, kw), plus bias (out)
/// if defined: (N, out, OH, OW), as torch.nn.functional.conv2d. Composed from unfold, matmul,
/// reshape and transpose (and, with groups, slice and concat).
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                 const Conv2dOptions& options = {});
/// Max pooling (padding never wins): (N, C, OH, OW). ceil_mode rounds the grid up as PyTorch's
/// does (a last, partial window that starts inside the input counts). Composed from unfold and
/// max (and pad, in ceil mode).
template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false);
/// Average pooling, zero padding counted in the average (torch's count_include_pad=True); in
/// ceil mode a partial window divides by its taps inside the padded input, as PyTorch does.
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode = false);

// Normalisation over an axis (max-shifted: no overflow for large inputs).
template <class T>
Tensor<T> softmax(const Tensor<T>& x, std::ptrdiff_t axis = -1);
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, std::ptrdiff_t axis = -1);

// Integer labels.
/// out[n] = x[n, labels[n]] for x of shape (N, C).
template <class T>
Tensor<T> gather(const Tensor<T>& x, std::span<const Label> labels);
/// Constant (N, classes) matrix with a 1 at each label.
template <class T>
Tensor<T> one_hot(std::span<const Label> labels, std::size_t classes);
/// Throws std::out_of_range naming op, the position and the value of the first label outside
/// 0..classes-1.
void check_labels(std::string_view op, std::span<const Label> labels, std::size_t classes);
/// Index of the largest entry of each row of x (N, C); the first one on ties.
template <class T>
std::vector<Label> argmax(const Tensor<T>& x);

// Comparisons: constant 0/1 masks (never differentiable), broadcasting.
template <class T>
Tensor<T> greater(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> greater_equal(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> less(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> less_equal(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> equal(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> not_equal(const Tensor<T>& a, const Tensor<T>& b);

/// A rank-0 constant.
template <class T>
Tensor<T> scalar(T value) {
    return Tensor<T>(Array<T>(value));  // xarray's rank-0 constructor
}

// Operators.
template <class T>
Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) {
    return add(a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) {
    return sub(a, b);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) {
    return mul(a, b);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) {
    return div(a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& x) {
    return neg(x);
}
template <class T>
Tensor<T> operator+(const Tensor<T>& a, std::type_identity_t<T> b) {
    return add(a, scalar(b));
}
template <class T>
Tensor<T> operator+(std::type_identity_t<T> a, const Tensor<T>& b) {
    return add(scalar(a), b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, std::type_identity_t<T> b) {
    return sub(a, scalar(b));
}
template <class T>
Tensor<T> operator-(std::type_identity_t<T> a, const Tensor<T>& b) {
    return sub(scalar(a), b);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, std::type_identity_t<T> b) {
    return mul(a, scalar(b));
}
template <class T>
Tensor<T> operator*(std::type_identity_t<T> a, const Tensor<T>& b) {
    return mul(scalar(a), b);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, std::type_identity_t<T> b) {
    return div(a, scalar(b));
}
template <class T>
Tensor<T> operator/(std::type_identity_t<T> a, const Tensor<T>& b) {
    return div(scalar(a), b);
}

}  // namespace xtgrad
