#include "xtgrad/autograd/kernels.hpp"

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

}  // namespace xtgrad::detail
