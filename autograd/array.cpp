#include "xtgrad/autograd/array.hpp"

#include <functional>
#include <numeric>

namespace xtgrad {

std::string to_string(const Shape& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + ")";
}

std::size_t element_count(const Shape& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

ShapeError::ShapeError(std::string_view op, const Shape& a, std::string_view detail)
    : std::invalid_argument(std::string(op) + ": " + std::string(detail) + " (shape " +
                            to_string(a) + ")") {}

ShapeError::ShapeError(std::string_view op, const Shape& a, const Shape& b, std::string_view detail)
    : std::invalid_argument(std::string(op) + ": " + std::string(detail) + " (shapes " +
                            to_string(a) + " and " + to_string(b) + ")") {}

}  // namespace xtgrad
