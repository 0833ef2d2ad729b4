#include "xtgrad/autograd/graph_rules.hpp"

#include <algorithm>

#include "xtgrad/autograd/ops.hpp"

namespace xtgrad::detail {

template <class T>
Tensor<T> sum_to(const Tensor<T>& g, const Shape& target) {
    if (g.shape() == target) return g;
    if (g.dimension() < target.size())
        throw ShapeError("sum_to", g.shape(), target, "the target has more axes");
    Tensor<T> r = g;
    const std::size_t leading = g.dimension() - target.size();
    for (std::size_t i = 0; i < leading; ++i) r = sum(r, 0, false);
    for (std::size_t axis = 0; axis < target.size(); ++axis)
        if (target[axis] == 1 && r.shape()[axis] != 1)
            r = sum(r, static_cast<std::ptrdiff_t>(axis), true);
    if (r.shape() != target)
        throw ShapeError("sum_to", g.shape(), target, "the target does not broadcast to it");
    return r;
}

template <class T>
Tensor<T> filled(const Shape& shape, T value) {
    Array<T> v = empty_array<T>(shape);
    std::fill(v.begin(), v.end(), value);
    return Tensor<T>(std::move(v));
}

template <class T>
Tensor<T> expand_to(const Tensor<T>& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    return mul(g, filled<T>(shape, T(1)));
}

#define XTGRAD_INSTANTIATE(T)                                     \
    template Tensor<T> sum_to(const Tensor<T>&, const Shape&);    \
    template Tensor<T> expand_to(const Tensor<T>&, const Shape&); \
    template Tensor<T> filled(const Shape&, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::detail
