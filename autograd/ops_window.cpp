// unfold (im2col) and fold (col2im), each the other's adjoint, and the convolution and pooling
// functions composed from them: their gradients, second derivatives and tangents all come from
// the primitives' rules.
#include <algorithm>
#include <limits>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/window.hpp"

namespace xtgrad {

using detail::WindowGeometry;

template <class T>
Tensor<T> unfold(const Tensor<T>& x, const Window2d& window, T pad_value) {
    const WindowGeometry g = detail::window_geometry("unfold", x.shape(), window);
    Array<T> cols = empty_array<T>({g.rows(), g.columns()});
    detail::im2col(g, x.value().data(), pad_value, cols.data());
    return record_op(
        op_info::unfold, std::move(cols), {x},
        [g](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) std::fill(slot.buffer.begin(), slot.buffer.end(), T(0));
            detail::col2im_add(g, ctx.grad_output().data(), slot.data());
        },
        [window](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, fold(ctx.grad_output(), ctx.input_shape(0), window));
        },
        [&window](const TangentContext<T>& ctx) { return unfold(ctx.tangent(0), window, T(0)); });
}

template <class T>
Tensor<T> fold(const Tensor<T>& columns, const Shape& image_shape, const Window2d& window) {
    const WindowGeometry g = detail::window_geometry("fold", image_shape, window);
    if (columns.shape() != Shape{g.rows(), g.columns()})
        throw ShapeError("fold", columns.shape(), image_shape,
                         "the columns must be (N * OH * OW, C * kh * kw) = (" +
                             std::to_string(g.rows()) + ", " + std::to_string(g.columns()) +
                             ") for this image shape and window");
    Array<T> image = empty_array<T>(image_shape);
    std::fill(image.begin(), image.end(), T(0));
    detail::col2im_add(g, columns.value().data(), image.data());
    return record_op(
        op_info::fold, std::move(image), {columns},
        [g](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) {
                detail::im2col(g, ctx.grad_output().data(), T(0), slot.data());
                return;
            }
            Array<T> cols = empty_array<T>(slot.buffer.shape());
            detail::im2col(g, ctx.grad_output().data(), T(0), cols.data());
            for (std::size_t i = 0; i < cols.size(); ++i) slot.data()[i] += cols.data()[i];
        },
        [window](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, unfold(ctx.grad_output(), window, T(0)));
        },
        [&](const TangentContext<T>& ctx) { return fold(ctx.tangent(0), image_shape, window); });
}

template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                 const Conv2dOptions& options) {
    const auto& ws = weight.shape();
    detail::check_conv2d_shapes(x.shape(), ws, bias.defined() ? &bias.shape() : nullptr,
                                options.groups);
    if (options.groups > 1) {  // one convolution per group, joined along the channels
        const std::size_t in = ws[1], out = ws[0] / options.groups;
        Conv2dOptions single = options;
        single.groups = 1;
        std::vector<Tensor<T>> parts;
        for (std::size_t k = 0; k < options.groups; ++k)
            parts.push_back(
                conv2d(slice(x, 1, k * in, (k + 1) * in), slice(weight, 0, k * out, (k + 1) * out),
                       bias.defined() ? slice(bias, 0, k * out, (k + 1) * out) : bias, single));
        return concat(parts, 1);
    }
    const Window2d window{{ws[2], ws[3]}, options.stride, options.padding, options.dilation};
    const WindowGeometry g = detail::window_geometry("conv2d", x.shape(), window);
    const auto out = static_cast<std::ptrdiff_t>(ws[0]);
    const Tensor<T> kernel = reshape(weight, {out, -1});                        // (out, C kh kw)
    const Tensor<T> rows = matmul(unfold(x, window, T(0)), transpose(kernel));  // (N OH OW, out)
    Tensor<T> y = transpose(
        reshape(rows, {static_cast<std::ptrdiff_t>(g.n), static_cast<std::ptrdiff_t>(g.oh),
                       static_cast<std::ptrdiff_t>(g.ow), out}),
        {0, 3, 1, 2});
    return bias.defined() ? y + reshape(bias, {1, out, 1, 1}) : y;
}

namespace {

/// Each channel's windows as the last axis: (N OH OW, C, kh kw), and the geometry.
template <class T>
Tensor<T> windows_by_channel(const char* op, const Tensor<T>& x, const Window2d& window,
                             T pad_value, WindowGeometry& g) {
    g = detail::window_geometry(op, x.shape(), window);
    const auto k = static_cast<std::ptrdiff_t>(window.kernel[0] * window.kernel[1]);
    return reshape(unfold(x, window, pad_value),
                   {static_cast<std::ptrdiff_t>(g.rows()), static_cast<std::ptrdiff_t>(g.c), k});
}

/// (N OH OW, C) back to (N, C, OH, OW).
template <class T>
Tensor<T> to_image(const Tensor<T>& pooled, const WindowGeometry& g) {
    const auto s = [](std::size_t v) { return static_cast<std::ptrdiff_t>(v); };
    return transpose(reshape(pooled, {s(g.n), s(g.oh), s(g.ow), s(g.c)}), {0, 3, 1, 2});
}

/// x with ceil_mode's extra rows and columns of value at the bottom and right.
template <class T>
Tensor<T> extended_for_ceil_mode(const char* op, const Tensor<T>& x, const Window2d& window,
                                 T value) {
    const auto [rows, columns] = detail::ceil_mode_padding(op, x.shape(), window);
    return pad(pad(x, 2, 0, rows, value), 3, 0, columns, value);
}

}  // namespace

template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode) {
    if (ceil_mode)
        return max_pool2d(
            extended_for_ceil_mode("max_pool2d", x, window, std::numeric_limits<T>::lowest()),
            window);
    WindowGeometry g;
    // The padding never wins: it reads the lowest finite value (finite, so anomaly mode does
    // not mistake it for an overflow).
    const Tensor<T> windows =
        windows_by_channel("max_pool2d", x, window, std::numeric_limits<T>::lowest(), g);
    return to_image(max(windows, 2), g);
}

template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode) {
    WindowGeometry g;
    if (!ceil_mode)
        return to_image(mean(windows_by_channel("avg_pool2d", x, window, T(0), g), 2), g);
    const Tensor<T> sums = to_image(
        sum(windows_by_channel("avg_pool2d", extended_for_ceil_mode("avg_pool2d", x, window, T(0)),
                               window, T(0), g),
            2),
        g);
    const auto counts =
        detail::pool_tap_counts(detail::window_geometry("avg_pool2d", x.shape(), window, true));
    Array<T> divisors = empty_array<T>({g.oh, g.ow});
    std::transform(counts.begin(), counts.end(), divisors.begin(),
                   [](std::size_t n) { return static_cast<T>(n); });
    return sums / Tensor<T>(std::move(divisors));
}

#define XTGRAD_INSTANTIATE(T)                                                       \
    template Tensor<T> unfold(const Tensor<T>&, const Window2d&, T);                \
    template Tensor<T> fold(const Tensor<T>&, const Shape&, const Window2d&);       \
    template Tensor<T> conv2d(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, \
                              const Conv2dOptions&);                                \
    template Tensor<T> max_pool2d(const Tensor<T>&, const Window2d&, bool);         \
    template Tensor<T> avg_pool2d(const Tensor<T>&, const Window2d&, bool);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
