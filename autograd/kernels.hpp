// Loop kernels shared by the op implementations: plain loops over contiguous buffers, which
// the compiler vectorises, instead of lazy xtensor expressions (whose broadcasting and nested
// reducers are 15-800x slower at our shapes; the measurements are in bench/README.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/broadcast.hpp"
#include "xtgrad/autograd/parallel.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad::detail {

/// out = f(x) elementwise.
template <class T, class F>
Array<T> unary_map(const Array<T>& x, F f) {
    Array<T> out = empty_array<T>(x.shape());
    const T* in = x.data();
    T* o = out.data();
    parallel_for<T>(x.size(), [=](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) o[i] = f(in[i]);
    });
    return out;
}

/// out = f(a, b) elementwise with broadcasting; contiguous fast paths for equal shapes, a
/// scalar operand and a trailing block (row vector against a matrix).
template <class T, class F>
Array<T> binary_map(std::string_view op, const Array<T>& a, const Array<T>& b, F f) {
    const T* pa = a.data();
    const T* pb = b.data();
    if (a.shape() == b.shape()) {
        Array<T> out = empty_array<T>(a.shape());
        T* o = out.data();
        parallel_for<T>(out.size(), [=](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) o[i] = f(pa[i], pb[i]);
        });
        return out;
    }
    const Shape shape = broadcast_shapes(op, a.shape(), b.shape());
    Array<T> out = empty_array<T>(shape);
    T* o = out.data();
    const std::size_t n = out.size();
    if (a.shape() == shape && b.size() == 1) {
        const T vb = pb[0];
        parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) o[i] = f(pa[i], vb);
        });
    } else if (b.shape() == shape && a.size() == 1) {
        const T va = pa[0];
        parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) o[i] = f(va, pb[i]);
        });
    } else if (a.shape() == shape && is_trailing_block(b.shape(), shape)) {
        const std::size_t m = b.size();
        for (std::size_t row = 0; row < n; row += m)
            for (std::size_t j = 0; j < m; ++j) o[row + j] = f(pa[row + j], pb[j]);
    } else if (b.shape() == shape && is_trailing_block(a.shape(), shape)) {
        const std::size_t m = a.size();
        for (std::size_t row = 0; row < n; row += m)
            for (std::size_t j = 0; j < m; ++j) o[row + j] = f(pa[j], pb[row + j]);
    } else {
        for_each_broadcast(
            shape, a.shape(), b.shape(),
            [&](std::size_t i, std::size_t ia, std::size_t ib) { o[i] = f(pa[ia], pb[ib]); });
    }
    return out;
}

/// Writes value(i) into a gradient slot, or adds it if the slot already holds contributions.
template <class T, class F>
void assign_or_add(GradSlot<T> slot, F value) {
    T* out = slot.data();
    const bool accumulate = slot.accumulate;
    parallel_for<T>(slot.buffer.size(), [=, &value](std::size_t begin, std::size_t end) {
        if (accumulate) {
            for (std::size_t i = begin; i < end; ++i) out[i] += value(i);
        } else {
            for (std::size_t i = begin; i < end; ++i) out[i] = value(i);
        }
    });
}

/// The max-shifted softmax normaliser of n values at in[0], in[stride], ...: their maximum and
/// sum_j exp(in_j - max). With exps, exp(in_j - max) is also stored at exps[j * stride].
/// The registry's softmax, log-softmax and cross-entropy compute it here, in this order; the
/// fused losses compute the same sums with the vector exp (nn/fused_losses.cpp).
template <class T>
std::pair<T, T> shifted_normaliser(const T* in, std::size_t n, std::size_t stride = 1,
                                   T* exps = nullptr) {
    T top = -std::numeric_limits<T>::infinity();
    for (std::size_t j = 0; j < n; ++j) top = std::max(top, in[j * stride]);
    T total = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const T e = std::exp(in[j * stride] - top);
        if (exps) exps[j * stride] = e;
        total += e;
    }
    return {top, total};
}

/// Index of the largest of n contiguous values, the first one on ties.
template <class T>
std::size_t argmax_index(const T* row, std::size_t n) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < n; ++k)
        if (row[k] > row[best]) best = k;
    return best;
}

/// The axes of x permuted (output axis i is input axis permutation[i]). A matrix transpose
/// runs in cache-sized tiles: xtensor's strided copy is several times slower.
template <class T>
Array<T> permuted(const Array<T>& x, const std::vector<std::size_t>& permutation);

/// An axis of a row-major array seen as (outer, length, inner): element (o, j, i) is at
/// o * length * inner + j * inner + i.
struct AxisSplit {
    std::size_t outer;
    std::size_t length;
    std::size_t inner;
};

/// Resolves a possibly negative axis; throws ShapeError naming op if it is out of range.
std::size_t normalize_axis(std::string_view op, std::ptrdiff_t axis, const Shape& shape);
AxisSplit split_at_axis(const Shape& shape, std::size_t axis);
/// shape without axis, or with it set to 1 when keepdims.
Shape reduced_shape(const Shape& shape, std::size_t axis, bool keepdims);

}  // namespace xtgrad::detail
