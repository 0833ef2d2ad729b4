// Concrete array and shape types every xtgrad value is stored in.
//
// Include style for xtensor 0.24 is pinned project-wide: <xtensor/xarray.hpp>, never the
// 0.26 <xtensor/containers/...> layout.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <xtensor/xarray.hpp>

namespace xtgrad {

/// Every tensor value and gradient is a concrete, row-major, owning array: never a lazy
/// expression, so nothing stored can outlive the operands it was computed from.
template <class T>
using Array = xt::xarray<T, xt::layout_type::row_major>;

using Shape = xt::xarray<double>::shape_type;

/// The element types the library's templates are compiled for: X(float) X(double). Every
/// explicit instantiation (and its extern declaration) goes through this one list.
#define XTGRAD_FOR_EACH_ELEMENT_TYPE(X) X(float) X(double)

/// "(100, 784)"; "()" for a scalar.
std::string to_string(const Shape& shape);

/// Number of elements a shape holds (1 for a rank-0 shape).
std::size_t element_count(const Shape& shape);

/// An uninitialised array of the given shape (the caller writes every element).
template <class T>
Array<T> empty_array(const Shape& shape) {
    // One allocation: a default-constructed xarray is rank 0 and already owns one element.
    // (from_shape trips a GCC 12 -Wmaybe-uninitialized false positive.)
    return Array<T>(shape);
}

/// Thrown when operand shapes do not fit an op; the message names the op and every shape.
class ShapeError : public std::invalid_argument {
  public:
    ShapeError(std::string_view op, const Shape& a, std::string_view detail);
    ShapeError(std::string_view op, const Shape& a, const Shape& b, std::string_view detail);
};

/// Thrown for misuse of the tape: a second backward through a released graph, a backward
/// without a seed on a non-scalar, a tensor modified in place after it was recorded, ...
class GraphError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

}  // namespace xtgrad
