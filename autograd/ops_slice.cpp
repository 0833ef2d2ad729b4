// slice along an axis and embed (its adjoint: placing a tensor into zeros at the sliced
// positions), and the shape ops composed from them: concat, stack, pad.
#include <algorithm>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

namespace {

/// Copies `count` blocks of `inner` values per outer index between a line of length `from_length`
/// (positions first_from + k * step_from) and one of length `to_length` (first_to + k * step_to).
template <class T>
void copy_lines(const T* from, std::size_t from_length, std::size_t first_from,
                std::size_t step_from, T* to, std::size_t to_length, std::size_t first_to,
                std::size_t step_to, std::size_t outer, std::size_t count, std::size_t inner) {
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t k = 0; k < count; ++k)
            std::copy_n(from + (o * from_length + first_from + k * step_from) * inner, inner,
                        to + (o * to_length + first_to + k * step_to) * inner);
}

std::size_t slice_count(std::size_t start, std::size_t stop, std::size_t step) {
    return stop > start ? (stop - start + step - 1) / step : 0;
}

}  // namespace

template <class T>
Tensor<T> slice(const Tensor<T>& x, std::ptrdiff_t axis, std::size_t start, std::size_t stop,
                std::size_t step) {
    const std::size_t a = detail::normalize_axis("slice", axis, x.shape());
    const std::size_t length = x.shape()[a];
    if (step == 0 || start > stop || stop > length)
        throw ShapeError("slice", x.shape(),
                         "start " + std::to_string(start) + ", stop " + std::to_string(stop) +
                             " and step " + std::to_string(step) + " on axis " +
                             std::to_string(axis) + " of length " + std::to_string(length) +
                             ": needs start <= stop <= length and step > 0");
    const auto s = detail::split_at_axis(x.shape(), a);
    const std::size_t count = slice_count(start, stop, step);
    Shape shape = x.shape();
    shape[a] = count;
    Array<T> out = empty_array<T>(shape);
    copy_lines(x.value().data(), length, start, step, out.data(), count, 0, 1, s.outer, count,
               s.inner);
    const Shape input_shape = x.shape();
    return record_op(
        op_info::slice, std::move(out), {x},
        [s, start, step, count](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) std::fill(slot.buffer.begin(), slot.buffer.end(), T(0));
            const T* g = ctx.grad_output().data();
            T* d = slot.data();
            for (std::size_t o = 0; o < s.outer; ++o)
                for (std::size_t k = 0; k < count; ++k) {
                    T* target = d + (o * s.length + start + k * step) * s.inner;
                    const T* source = g + (o * count + k) * s.inner;
                    for (std::size_t i = 0; i < s.inner; ++i) target[i] += source[i];
                }
        },
        [input_shape, a, start, step](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, embed(ctx.grad_output(), input_shape, static_cast<std::ptrdiff_t>(a),
                                    start, step));
        },
        [a, start, stop, step](const TangentContext<T>& ctx) {
            return slice(ctx.tangent(0), static_cast<std::ptrdiff_t>(a), start, stop, step);
        });
}

template <class T>
Tensor<T> embed(const Tensor<T>& x, const Shape& shape, std::ptrdiff_t axis, std::size_t start,
                std::size_t step) {
    const std::size_t a = detail::normalize_axis("embed", axis, shape);
    const std::size_t count = x.dimension() == shape.size() ? x.shape()[a] : 0;
    Shape expected = shape;
    expected[a] = count;
    if (step == 0 || x.shape() != expected || (count > 0 && start + (count - 1) * step >= shape[a]))
        throw ShapeError("embed", x.shape(), shape,
                         "needs the target's shape but along axis " + std::to_string(axis) +
                             " positions start + k step (start " + std::to_string(start) +
                             ", step " + std::to_string(step) + ") inside it");
    const auto s = detail::split_at_axis(shape, a);
    Array<T> out = empty_array<T>(shape);
    std::fill(out.begin(), out.end(), T(0));
    copy_lines(x.value().data(), count, 0, 1, out.data(), s.length, start, step, s.outer, count,
               s.inner);
    const std::size_t stop = start + (count == 0 ? 0 : (count - 1) * step + 1);
    return record_op(
        op_info::embed, std::move(out), {x},
        [s, start, step, count](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            const T* g = ctx.grad_output().data();
            T* d = slot.data();
            for (std::size_t o = 0; o < s.outer; ++o)
                for (std::size_t k = 0; k < count; ++k) {
                    const T* source = g + (o * s.length + start + k * step) * s.inner;
                    T* target = d + (o * count + k) * s.inner;
                    for (std::size_t i = 0; i < s.inner; ++i)
                        target[i] = slot.accumulate ? target[i] + source[i] : source[i];
                }
        },
        [a, start, stop, step](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(
                0, slice(ctx.grad_output(), static_cast<std::ptrdiff_t>(a), start, stop, step));
        },
        [&shape, a, start, step](const TangentContext<T>& ctx) {
            return embed(ctx.tangent(0), shape, static_cast<std::ptrdiff_t>(a), start, step);
        });
}

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, std::ptrdiff_t axis) {
    if (xs.empty()) throw std::invalid_argument("concat: no tensors");
    const std::size_t a = detail::normalize_axis("concat", axis, xs[0].shape());
    Shape shape = xs[0].shape();
    shape[a] = 0;
    for (const auto& x : xs) {
        Shape other = x.shape();
        if (other.size() != shape.size())
            throw ShapeError("concat", xs[0].shape(), other, "ranks differ");
        other[a] = 0;
        Shape mine = shape;
        mine[a] = 0;
        if (other != mine)
            throw ShapeError("concat", xs[0].shape(), x.shape(),
                             "sizes differ off axis " + std::to_string(axis));
        shape[a] += x.shape()[a];
    }
    Tensor<T> total;
    std::size_t offset = 0;
    for (const auto& x : xs) {
        const Tensor<T> placed = embed(x, shape, static_cast<std::ptrdiff_t>(a), offset, 1);
        total = total.defined() ? total + placed : placed;
        offset += x.shape()[a];
    }
    return total;
}

template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& xs, std::ptrdiff_t axis) {
    std::vector<Tensor<T>> expanded;
    for (const auto& x : xs) expanded.push_back(unsqueeze(x, axis));
    return concat(expanded, axis);
}

template <class T>
Tensor<T> pad(const Tensor<T>& x, std::ptrdiff_t axis, std::size_t before, std::size_t after,
              T value) {
    const std::size_t a = detail::normalize_axis("pad", axis, x.shape());
    Shape shape = x.shape();
    shape[a] += before + after;
    const Tensor<T> placed = embed(x, shape, static_cast<std::ptrdiff_t>(a), before, 1);
    if (value == T(0)) return placed;
    Array<T> border = empty_array<T>(shape);  // value outside x's positions, 0 inside
    std::fill(border.begin(), border.end(), value);
    const auto s = detail::split_at_axis(shape, a);
    for (std::size_t o = 0; o < s.outer; ++o)
        std::fill_n(border.data() + (o * s.length + before) * s.inner, x.shape()[a] * s.inner,
                    T(0));
    return placed + Tensor<T>(std::move(border));
}

#define XTGRAD_INSTANTIATE(T)                                                             \
    template Tensor<T> slice(const Tensor<T>&, std::ptrdiff_t, std::size_t, std::size_t,  \
                             std::size_t);                                                \
    template Tensor<T> embed(const Tensor<T>&, const Shape&, std::ptrdiff_t, std::size_t, \
                             std::size_t);                                                \
    template Tensor<T> concat(const std::vector<Tensor<T>>&, std::ptrdiff_t);             \
    template Tensor<T> stack(const std::vector<Tensor<T>>&, std::ptrdiff_t);              \
    template Tensor<T> pad(const Tensor<T>&, std::ptrdiff_t, std::size_t, std::size_t, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
