// Shape helpers and the variance, composed from the registry's ops: their gradients, second
// derivatives and tangents are those of reshape, mean, sub and square.
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

namespace {

std::vector<std::ptrdiff_t> signed_shape(const Shape& shape) {
    return {shape.begin(), shape.end()};
}

}  // namespace

template <class T>
Tensor<T> flatten(const Tensor<T>& x, std::size_t start_axis) {
    if (start_axis >= x.dimension())
        throw ShapeError("flatten", x.shape(),
                         "start axis " + std::to_string(start_axis) + " is out of range");
    std::vector<std::ptrdiff_t> shape(x.shape().begin(), x.shape().begin() + start_axis);
    shape.push_back(-1);
    if (x.size() == 0) {  // -1 cannot be inferred from zero elements: multiply it out
        std::size_t rest = 1;
        for (std::size_t a = start_axis; a < x.dimension(); ++a) rest *= x.shape()[a];
        shape.back() = static_cast<std::ptrdiff_t>(rest);
    }
    return reshape(x, shape);
}

template <class T>
Tensor<T> squeeze(const Tensor<T>& x, std::ptrdiff_t axis) {
    const std::size_t a = detail::normalize_axis("squeeze", axis, x.shape());
    if (x.shape()[a] != 1)
        throw ShapeError("squeeze", x.shape(),
                         "axis " + std::to_string(axis) + " has length " +
                             std::to_string(x.shape()[a]) + ", not 1");
    auto shape = signed_shape(x.shape());
    shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(a));
    return reshape(x, shape);
}

template <class T>
Tensor<T> unsqueeze(const Tensor<T>& x, std::ptrdiff_t axis) {
    const auto rank = static_cast<std::ptrdiff_t>(x.dimension());
    const std::ptrdiff_t at = axis < 0 ? axis + rank + 1 : axis;
    if (at < 0 || at > rank)
        throw ShapeError("unsqueeze", x.shape(),
                         "axis " + std::to_string(axis) +
                             " is out of range for inserting into rank " + std::to_string(rank));
    auto shape = signed_shape(x.shape());
    shape.insert(shape.begin() + at, 1);
    return reshape(x, shape);
}

template <class T>
Tensor<T> var(const Tensor<T>& x, std::ptrdiff_t axis, bool unbiased, bool keepdims) {
    const std::size_t a = detail::normalize_axis("var", axis, x.shape());
    const std::size_t n = x.shape()[a];
    if (n < (unbiased ? 2u : 1u))
        throw ShapeError(
            "var", x.shape(),
            "axis " + std::to_string(axis) + " has " + std::to_string(n) +
                (unbiased ? " elements: the unbiased variance needs at least 2" : " elements"));
    const Tensor<T> deviation = x - mean(x, axis, true);
    const Tensor<T> biased = mean(square(deviation), axis, keepdims);
    return unbiased ? biased * (T(n) / T(n - 1)) : biased;
}

#define XTGRAD_INSTANTIATE(T)                                       \
    template Tensor<T> flatten(const Tensor<T>&, std::size_t);      \
    template Tensor<T> squeeze(const Tensor<T>&, std::ptrdiff_t);   \
    template Tensor<T> unsqueeze(const Tensor<T>&, std::ptrdiff_t); \
    template Tensor<T> var(const Tensor<T>&, std::ptrdiff_t, bool, bool);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
