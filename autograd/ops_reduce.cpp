// Reductions (sum, mean) and normalisations over an axis (softmax, log_softmax).
// An axis is handled as (outer, length, inner) lines, so every axis of a contiguous array is
// a plain strided loop and each reduction is materialised once, never re-evaluated lazily.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/graph_rules.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

using detail::AxisSplit;
using detail::shifted_normaliser;

namespace {

/// Calls f(first, stride) for each line along the split axis: the line's elements are at
/// first, first + stride, ..., first + (length - 1) * stride.
template <class F>
void for_each_line(const AxisSplit& s, F f) {
    for (std::size_t o = 0; o < s.outer; ++o)
        for (std::size_t i = 0; i < s.inner; ++i) f(o * s.length * s.inner + i, s.inner);
}

template <class T>
Array<T> sum_along(const Array<T>& x, const AxisSplit& s, const Shape& out_shape, T scale) {
    Array<T> out = empty_array<T>(out_shape);
    T* o = out.data();
    const T* in = x.data();
    std::fill(o, o + out.size(), T(0));
    for (std::size_t a = 0; a < s.outer; ++a)
        for (std::size_t j = 0; j < s.length; ++j) {
            const T* row = in + (a * s.length + j) * s.inner;
            T* acc = o + a * s.inner;
            for (std::size_t i = 0; i < s.inner; ++i) acc[i] += row[i];
        }
    if (scale != T(1))
        for (std::size_t i = 0; i < out.size(); ++i) o[i] *= scale;
    return out;
}

/// Gradient of a reduction along the split axis: g (one value per line) spread along each line.
template <class T>
void spread_along(GradSlot<T> slot, const Array<T>& g, const AxisSplit& s, T scale) {
    const T* gv = g.data();
    const std::size_t line = s.length * s.inner;
    detail::assign_or_add(
        slot, [&](std::size_t k) { return scale * gv[(k / line) * s.inner + k % s.inner]; });
}

template <class T>
Tensor<T> reduce_all(const OpInfo& op, const Tensor<T>& x, bool average) {
    const Array<T>& xv = x.value();
    T total = 0;
    for (std::size_t i = 0; i < xv.size(); ++i) total += xv.data()[i];
    const T scale = average ? T(1) / static_cast<T>(xv.size()) : T(1);
    Array<T> out = empty_array<T>(Shape{});
    out.data()[0] = average ? total * scale : total;
    return record_op(
        op, std::move(out), {x},
        [scale](BackwardContext<T>& ctx) {
            const T g = ctx.grad_output().data()[0] * scale;
            detail::assign_or_add(ctx.slot(0), [g](std::size_t) { return g; });
        },
        [scale](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, detail::expand_to(ctx.grad_output() * scale, ctx.input_shape(0)));
        },
        [scale](const TangentContext<T>& ctx) { return sum(ctx.tangent(0)) * scale; });
}

template <class T>
Tensor<T> reduce_axis(const OpInfo& op, const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims,
                      bool average) {
    const std::size_t ax = detail::normalize_axis(op.name, axis, x.shape());
    const AxisSplit s = detail::split_at_axis(x.shape(), ax);
    const T scale = average ? T(1) / static_cast<T>(s.length) : T(1);
    Array<T> out = sum_along(x.value(), s, detail::reduced_shape(x.shape(), ax, keepdims), scale);
    return record_op(
        op, std::move(out), {x},
        [s, scale](BackwardContext<T>& ctx) {
            spread_along(ctx.slot(0), ctx.grad_output(), s, scale);
        },
        [ax, scale](GraphBackwardContext<T>& ctx) {
            const Shape& shape = ctx.input_shape(0);
            std::vector<std::ptrdiff_t> kept(shape.begin(), shape.end());
            kept[ax] = 1;
            ctx.accumulate(0, detail::expand_to(reshape(ctx.grad_output(), kept) * scale, shape));
        },
        [axis, keepdims, scale](const TangentContext<T>& ctx) {
            return sum(ctx.tangent(0), axis, keepdims) * scale;
        });
}

}  // namespace

template <class T>
Tensor<T> sum(const Tensor<T>& x) {
    return reduce_all(op_info::sum, x, false);
}
template <class T>
Tensor<T> sum(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    return reduce_axis(op_info::sum, x, axis, keepdims, false);
}
template <class T>
Tensor<T> mean(const Tensor<T>& x) {
    return reduce_all(op_info::mean, x, true);
}
template <class T>
Tensor<T> mean(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    return reduce_axis(op_info::mean, x, axis, keepdims, true);
}

template <class T>
Tensor<T> max(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    const std::size_t ax = detail::normalize_axis("max", axis, x.shape());
    const AxisSplit s = detail::split_at_axis(x.shape(), ax);
    if (s.length == 0) throw ShapeError("max", x.shape(), "the axis is empty: no maximum");
    Array<T> out = empty_array<T>(detail::reduced_shape(x.shape(), ax, keepdims));
    // Flat index of each line's first maximum: the one the gradient goes to.
    auto winners = std::make_shared<std::vector<std::size_t>>(out.size());
    const T* in = x.value().data();
    std::size_t line = 0;
    for_each_line(s, [&](std::size_t first, std::size_t stride) {
        std::size_t best = first;
        for (std::size_t j = 1; j < s.length; ++j)
            if (in[first + j * stride] > in[best]) best = first + j * stride;
        (*winners)[line] = best;
        out.data()[line++] = in[best];
    });
    const auto mask = [winners](const Shape& shape) {  // 1 at each winner
        Array<T> m = empty_array<T>(shape);
        std::fill(m.begin(), m.end(), T(0));
        for (const std::size_t w : *winners) m.data()[w] = T(1);
        return Tensor<T>(std::move(m));
    };
    return record_op(
        op_info::max, std::move(out), {x},
        [winners](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) std::fill(slot.buffer.begin(), slot.buffer.end(), T(0));
            const T* g = ctx.grad_output().data();
            for (std::size_t k = 0; k < winners->size(); ++k) slot.data()[(*winners)[k]] += g[k];
        },
        [ax, mask](GraphBackwardContext<T>& ctx) {
            const Shape& shape = ctx.input_shape(0);
            std::vector<std::ptrdiff_t> kept(shape.begin(), shape.end());
            kept[ax] = 1;
            ctx.accumulate(
                0, detail::expand_to(reshape(ctx.grad_output(), kept), shape) * mask(shape));
        },
        [ax, keepdims, &mask](const TangentContext<T>& ctx) {
            const Tensor<T> t = ctx.tangent(0);
            return sum(t * mask(t.shape()), static_cast<std::ptrdiff_t>(ax), keepdims);
        });
}

template <class T>
Tensor<T> min(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    return -max(-x, axis, keepdims);
}

template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    // The shift is a constant: its gradient would cancel anyway (d/dm [m + log sum e^(x-m)] = 0).
    const Tensor<T> shift(max(Tensor<T>(x.value()), axis, true).value());
    const Tensor<T> total = log(sum(exp(x - shift), axis, true)) + shift;
    return keepdims ? total : squeeze(total, axis);
}

template <class T>
Tensor<T> argmax(const Tensor<T>& x, std::ptrdiff_t axis, bool keepdims) {
    const std::size_t ax = detail::normalize_axis("argmax", axis, x.shape());
    const AxisSplit s = detail::split_at_axis(x.shape(), ax);
    if (s.length == 0) throw ShapeError("argmax", x.shape(), "the axis is empty: no maximum");
    Array<T> out = empty_array<T>(detail::reduced_shape(x.shape(), ax, keepdims));
    const T* in = x.value().data();
    std::size_t line = 0;
    for_each_line(s, [&](std::size_t first, std::size_t stride) {
        std::size_t best = 0;
        for (std::size_t j = 1; j < s.length; ++j)
            if (in[first + j * stride] > in[first + best * stride]) best = j;
        out.data()[line++] = static_cast<T>(best);
    });
    return Tensor<T>(std::move(out));
}

template <class T>
Tensor<T> softmax(const Tensor<T>& x, std::ptrdiff_t axis) {
    const std::size_t ax = detail::normalize_axis("softmax", axis, x.shape());
    const AxisSplit s = detail::split_at_axis(x.shape(), ax);
    const Array<T>& xv = x.value();
    Array<T> out = empty_array<T>(xv.shape());
    for_each_line(s, [&](std::size_t first, std::size_t stride) {
        T* y = out.data() + first;
        const T total = shifted_normaliser(xv.data() + first, s.length, stride, y).second;
        for (std::size_t j = 0; j < s.length; ++j) y[j * stride] /= total;
    });
    return record_op(
        op_info::softmax, std::move(out), {x},
        [s](BackwardContext<T>& ctx) {
            // dx = y * (g - <g, y>) along each line.
            const Array<T>& g = ctx.grad_output();
            const Array<T>& y = ctx.output();
            Array<T> dx = empty_array<T>(y.shape());
            for_each_line(s, [&](std::size_t first, std::size_t stride) {
                const T* gl = g.data() + first;
                const T* yl = y.data() + first;
                T* d = dx.data() + first;
                T dot = 0;
                for (std::size_t j = 0; j < s.length; ++j) dot += gl[j * stride] * yl[j * stride];
                for (std::size_t j = 0; j < s.length; ++j)
                    d[j * stride] = yl[j * stride] * (gl[j * stride] - dot);
            });
            ctx.accumulate(0, std::move(dx));
        },
        [ax](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            const Tensor<T> y = ctx.output();
            const auto axis = static_cast<std::ptrdiff_t>(ax);
            ctx.accumulate(0, y * (g - sum(g * y, axis, true)));
        },
        [ax](const TangentContext<T>& ctx) {  // y (dx - <y, dx>)
            const Tensor<T>& y = ctx.output();
            const Tensor<T> t = ctx.tangent(0);
            return y * (t - sum(y * t, static_cast<std::ptrdiff_t>(ax), true));
        });
}

template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, std::ptrdiff_t axis) {
    const std::size_t ax = detail::normalize_axis("log_softmax", axis, x.shape());
    const AxisSplit s = detail::split_at_axis(x.shape(), ax);
    const Array<T>& xv = x.value();
    Array<T> out = empty_array<T>(xv.shape());
    for_each_line(s, [&](std::size_t first, std::size_t stride) {
        const T* in = xv.data() + first;
        T* y = out.data() + first;
        const auto [top, total] = shifted_normaliser(in, s.length, stride);
        const T log_total = std::log(total);
        for (std::size_t j = 0; j < s.length; ++j) y[j * stride] = in[j * stride] - top - log_total;
    });
    return record_op(
        op_info::log_softmax, std::move(out), {x},
        [s](BackwardContext<T>& ctx) {
            // dx = g - softmax * sum(g) along each line; softmax = exp(y).
            const Array<T>& g = ctx.grad_output();
            const Array<T>& y = ctx.output();
            Array<T> dx = empty_array<T>(y.shape());
            for_each_line(s, [&](std::size_t first, std::size_t stride) {
                const T* gl = g.data() + first;
                const T* yl = y.data() + first;
                T* d = dx.data() + first;
                T total = 0;
                for (std::size_t j = 0; j < s.length; ++j) total += gl[j * stride];
                for (std::size_t j = 0; j < s.length; ++j)
                    d[j * stride] = gl[j * stride] - std::exp(yl[j * stride]) * total;
            });
            ctx.accumulate(0, std::move(dx));
        },
        [ax](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            const auto axis = static_cast<std::ptrdiff_t>(ax);
            ctx.accumulate(0, g - exp(ctx.output()) * sum(g, axis, true));
        },
        [ax](const TangentContext<T>& ctx) {  // dx - <softmax, dx>
            const Tensor<T> t = ctx.tangent(0);
            return t - sum(exp(ctx.output()) * t, static_cast<std::ptrdiff_t>(ax), true);
        });
}

#define XTGRAD_INSTANTIATE(T)                                             \
    template Tensor<T> sum(const Tensor<T>&);                             \
    template Tensor<T> sum(const Tensor<T>&, std::ptrdiff_t, bool);       \
    template Tensor<T> mean(const Tensor<T>&);                            \
    template Tensor<T> mean(const Tensor<T>&, std::ptrdiff_t, bool);      \
    template Tensor<T> max(const Tensor<T>&, std::ptrdiff_t, bool);       \
    template Tensor<T> min(const Tensor<T>&, std::ptrdiff_t, bool);       \
    template Tensor<T> logsumexp(const Tensor<T>&, std::ptrdiff_t, bool); \
    template Tensor<T> argmax(const Tensor<T>&, std::ptrdiff_t, bool);    \
    template Tensor<T> softmax(const Tensor<T>&, std::ptrdiff_t);         \
    template Tensor<T> log_softmax(const Tensor<T>&, std::ptrdiff_t);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
