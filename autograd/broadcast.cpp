#include "xtgrad/autograd/broadcast.hpp"

#include <algorithm>

namespace xtgrad {

Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape out(rank, 1);
    for (std::size_t i = 0; i < rank; ++i) {
        const std::size_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const std::size_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1) throw ShapeError(op, a, b, "shapes do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

bool is_trailing_block(const Shape& shape, const Shape& full) {
    std::size_t first = 0;
    while (first < shape.size() && shape[first] == 1) ++first;
    const std::size_t kept = shape.size() - first;
    if (kept > full.size()) return false;
    return std::equal(shape.begin() + first, shape.end(), full.end() - kept);
}

namespace detail {

Shape broadcast_strides(const Shape& operand, const Shape& full) {
    const std::size_t rank = full.size();
    const std::size_t pad = rank - operand.size();
    Shape strides(rank, 0);
    std::size_t stride = 1;
    for (std::size_t i = operand.size(); i-- > 0;) {
        strides[pad + i] = operand[i] == 1 ? 0 : stride;
        stride *= operand[i];
    }
    return strides;
}

}  // namespace detail

template <class T>
Array<T> unbroadcast(Array<T> gradient, const Shape& target) {
    const Shape& full = gradient.shape();
    if (full == target) return gradient;
    if (target.size() > full.size() || broadcast_shapes("unbroadcast", target, full) != full)
        throw ShapeError("unbroadcast", full, target,
                         "target shape does not broadcast to the gradient's shape");

    Array<T> result = empty_array<T>(target);
    T* out = result.data();
    const T* in = gradient.data();
    const std::size_t n = gradient.size();
    const std::size_t m = result.size();
    std::fill(out, out + m, T(0));
    if (m == 1) {
        T total = 0;
        for (std::size_t i = 0; i < n; ++i) total += in[i];
        out[0] = total;
    } else if (is_trailing_block(target, full)) {  // e.g. a bias row: column sums
        for (std::size_t row = 0; row < n / m; ++row) {
            const T* src = in + row * m;
            for (std::size_t j = 0; j < m; ++j) out[j] += src[j];
        }
    } else {
        detail::for_each_broadcast(
            full, full, target,
            [&](std::size_t o, std::size_t, std::size_t t) { out[t] += in[o]; });
    }
    return result;
}

template Array<float> unbroadcast(Array<float>, const Shape&);
template Array<double> unbroadcast(Array<double>, const Shape&);

}  // namespace xtgrad
