// index_select along an axis and index_add (its adjoint: adding slices into zeros at the
// indexed positions; repeated indices add up).
#include <algorithm>
#include <memory>
#include <stdexcept>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

namespace {

using Indices = std::shared_ptr<const std::vector<std::size_t>>;

/// The indices, each checked against the axis length (the error names op and the first bad one).
Indices checked_indices(const char* op, std::span<const std::size_t> indices, std::size_t length) {
    for (std::size_t k = 0; k < indices.size(); ++k)
        if (indices[k] >= length)
            throw std::out_of_range(std::string(op) + ": index " + std::to_string(indices[k]) +
                                    " at position " + std::to_string(k) +
                                    " is outside an axis of length " + std::to_string(length));
    return std::make_shared<const std::vector<std::size_t>>(indices.begin(), indices.end());
}

/// to[o, k, :] (op)= from[o, indices[k], :] for lines of `length` (from) and indices->size() (to).
template <class T>
void gather_lines(const T* from, std::size_t length, const std::vector<std::size_t>& indices, T* to,
                  std::size_t outer, std::size_t inner, bool add) {
    const std::size_t count = indices.size();
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t k = 0; k < count; ++k) {
            const T* source = from + (o * length + indices[k]) * inner;
            T* target = to + (o * count + k) * inner;
            for (std::size_t i = 0; i < inner; ++i)
                target[i] = add ? target[i] + source[i] : source[i];
        }
}

/// to[o, indices[k], :] += from[o, k, :].
template <class T>
void scatter_add_lines(const T* from, const std::vector<std::size_t>& indices, T* to,
                       std::size_t length, std::size_t outer, std::size_t inner) {
    const std::size_t count = indices.size();
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t k = 0; k < count; ++k) {
            const T* source = from + (o * count + k) * inner;
            T* target = to + (o * length + indices[k]) * inner;
            for (std::size_t i = 0; i < inner; ++i) target[i] += source[i];
        }
}

}  // namespace

template <class T>
Tensor<T> index_select(const Tensor<T>& x, std::ptrdiff_t axis,
                       std::span<const std::size_t> indices) {
    const std::size_t a = detail::normalize_axis("index_select", axis, x.shape());
    const auto s = detail::split_at_axis(x.shape(), a);
    const Indices picked = checked_indices("index_select", indices, s.length);
    Shape shape = x.shape();
    shape[a] = picked->size();
    Array<T> out = empty_array<T>(shape);
    gather_lines(x.value().data(), s.length, *picked, out.data(), s.outer, s.inner, false);
    const Shape input_shape = x.shape();
    return record_op(
        op_info::index_select, std::move(out), {x},
        [s, picked](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) std::fill(slot.buffer.begin(), slot.buffer.end(), T(0));
            scatter_add_lines(ctx.grad_output().data(), *picked, slot.data(), s.length, s.outer,
                              s.inner);
        },
        [input_shape, a, picked](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, index_add(ctx.grad_output(), input_shape,
                                        static_cast<std::ptrdiff_t>(a), *picked));
        },
        [a, picked](const TangentContext<T>& ctx) {
            return index_select(ctx.tangent(0), static_cast<std::ptrdiff_t>(a), *picked);
        });
}

template <class T>
Tensor<T> index_add(const Tensor<T>& x, const Shape& shape, std::ptrdiff_t axis,
                    std::span<const std::size_t> indices) {
    const std::size_t a = detail::normalize_axis("index_add", axis, shape);
    const auto s = detail::split_at_axis(shape, a);
    Shape expected = shape;
    expected[a] = indices.size();
    if (x.shape() != expected)
        throw ShapeError("index_add", x.shape(), shape,
                         "needs the target's shape but " + std::to_string(indices.size()) +
                             " (the number of indices) along axis " + std::to_string(axis));
    const Indices picked = checked_indices("index_add", indices, s.length);
    Array<T> out = empty_array<T>(shape);
    std::fill(out.begin(), out.end(), T(0));
    scatter_add_lines(x.value().data(), *picked, out.data(), s.length, s.outer, s.inner);
    return record_op(
        op_info::index_add, std::move(out), {x},
        [s, picked](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            gather_lines(ctx.grad_output().data(), s.length, *picked, slot.data(), s.outer, s.inner,
                         slot.accumulate);
        },
        [a, picked](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(
                0, index_select(ctx.grad_output(), static_cast<std::ptrdiff_t>(a), *picked));
        },
        [shape, a, picked](const TangentContext<T>& ctx) {
            return index_add(ctx.tangent(0), shape, static_cast<std::ptrdiff_t>(a), *picked);
        });
}

#define XTGRAD_INSTANTIATE(T)                                                    \
    template Tensor<T> index_select(const Tensor<T>&, std::ptrdiff_t,            \
                                    std::span<const std::size_t>);               \
    template Tensor<T> index_add(const Tensor<T>&, const Shape&, std::ptrdiff_t, \
                                 std::span<const std::size_t>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
