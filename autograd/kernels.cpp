#include "xtgrad/autograd/kernels.hpp"

#include <algorithm>

#include <xtensor/xmanipulation.hpp>

namespace xtgrad::detail {

std::size_t normalize_axis(std::string_view op, std::ptrdiff_t axis, const Shape& shape) {
    const auto rank = static_cast<std::ptrdiff_t>(shape.size());
    const std::ptrdiff_t resolved = axis < 0 ? axis + rank : axis;
    if (resolved < 0 || resolved >= rank)
        throw ShapeError(
            op, shape,
            "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return static_cast<std::size_t>(resolved);
}

AxisSplit split_at_axis(const Shape& shape, std::size_t axis) {
    AxisSplit split{1, shape[axis], 1};
    for (std::size_t i = 0; i < axis; ++i) split.outer *= shape[i];
    for (std::size_t i = axis + 1; i < shape.size(); ++i) split.inner *= shape[i];
    return split;
}

Shape reduced_shape(const Shape& shape, std::size_t axis, bool keepdims) {
    Shape out = shape;
    if (keepdims) {
        out[axis] = 1;
    } else {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    return out;
}

template <class T>
Array<T> permuted(const Array<T>& x, const std::vector<std::size_t>& permutation) {
    if (x.dimension() != 2 || permutation != std::vector<std::size_t>{1, 0})
        return Array<T>(xt::transpose(x, permutation));
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    Array<T> out = empty_array<T>({cols, rows});
    constexpr std::size_t kTile = 32;
    const T* in = x.data();
    T* o = out.data();
    for (std::size_t r0 = 0; r0 < rows; r0 += kTile)
        for (std::size_t c0 = 0; c0 < cols; c0 += kTile)
            for (std::size_t r = r0; r < std::min(rows, r0 + kTile); ++r)
                for (std::size_t c = c0; c < std::min(cols, c0 + kTile); ++c)
                    o[c * rows + r] = in[r * cols + c];
    return out;
}

template Array<float> permuted(const Array<float>&, const std::vector<std::size_t>&);
template Array<double> permuted(const Array<double>&, const std::vector<std::size_t>&);

}  // namespace xtgrad::detail
