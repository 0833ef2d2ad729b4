// Helpers for differentiable backwards (create_graph): the tensor-op forms of the array
// helpers the ordinary backwards use.
#pragma once

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::detail {

/// g summed over the axes along which an operand of shape target was broadcast (unbroadcast,
/// recorded).
template <class T>
Tensor<T> sum_to(const Tensor<T>& g, const Shape& target);

/// g broadcast to shape (g's shape must broadcast to it): the gradient of a sum, recorded.
template <class T>
Tensor<T> expand_to(const Tensor<T>& g, const Shape& shape);

/// A constant (not requiring a gradient) of the given shape filled with value.
template <class T>
Tensor<T> filled(const Shape& shape, T value);

#define XTGRAD_EXTERN(T)                                                 \
    extern template Tensor<T> sum_to(const Tensor<T>&, const Shape&);    \
    extern template Tensor<T> expand_to(const Tensor<T>&, const Shape&); \
    extern template Tensor<T> filled(const Shape&, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::detail
