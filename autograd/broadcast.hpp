// Numpy broadcasting: the shape two operands broadcast to, the loop that walks them together,
// and unbroadcast, which sums a gradient back to the shape of the operand it belongs to.
#pragma once

#include <string_view>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad {

/// The broadcast shape of a and b; throws ShapeError naming op and both shapes if they clash.
Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b);

/// Sums gradient (of a broadcast result) over the axes along which an operand of shape target
/// was broadcast, returning an array of shape target. Moves gradient through when the shapes
/// already agree. Throws ShapeError if target does not broadcast to gradient's shape.
template <class T>
Array<T> unbroadcast(Array<T> gradient, const Shape& target);

/// True if shape, without leading 1s, equals the trailing dimensions of full (a row vector
/// against a matrix, say): the case worth a contiguous row loop.
bool is_trailing_block(const Shape& shape, const Shape& full);

namespace detail {

/// Element strides of an operand of shape `operand` read as if broadcast to `full`
/// (stride 0 along broadcast axes). `operand` must broadcast to `full`.
Shape broadcast_strides(const Shape& operand, const Shape& full);

/// Calls f(out_index, a_index, b_index) for every element of an array of shape full, with
/// a_index and b_index the flat positions in operands of shapes a and b broadcast to full.
/// Row-major order; the innermost axis is a plain strided loop.
template <class F>
void for_each_broadcast(const Shape& full, const Shape& a, const Shape& b, F&& f) {
    const std::size_t total = element_count(full);
    if (total == 0) return;
    const std::size_t rank = full.size();
    if (rank == 0) {
        f(std::size_t{0}, std::size_t{0}, std::size_t{0});
        return;
    }
    const Shape stride_a = broadcast_strides(a, full);
    const Shape stride_b = broadcast_strides(b, full);
    const std::size_t inner = full[rank - 1];
    const std::size_t inner_a = stride_a[rank - 1];
    const std::size_t inner_b = stride_b[rank - 1];
    Shape index(rank, 0);
    std::size_t offset_a = 0;
    std::size_t offset_b = 0;
    for (std::size_t out = 0; out < total; out += inner) {
        for (std::size_t j = 0; j < inner; ++j)
            f(out + j, offset_a + j * inner_a, offset_b + j * inner_b);
        for (std::size_t k = rank - 1; k-- > 0;) {  // odometer over the outer axes
            ++index[k];
            offset_a += stride_a[k];
            offset_b += stride_b[k];
            if (index[k] < full[k]) break;
            offset_a -= stride_a[k] * full[k];
            offset_b -= stride_b[k] * full[k];
            index[k] = 0;
        }
    }
}

}  // namespace detail

extern template Array<float> unbroadcast(Array<float>, const Shape&);
extern template Array<double> unbroadcast(Array<double>, const Shape&);

}  // namespace xtgrad
