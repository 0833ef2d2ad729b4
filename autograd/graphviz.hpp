// Graphviz dump of the recorded graph behind a tensor, for debugging:
//     std::ofstream("graph.dot") << xtgrad::to_dot(loss);   then   dot -Tpng graph.dot
#pragma once

#include <string>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

/// Ops (name, tape position, output shape) and leaves (name, shape, whether they require a
/// gradient) that root depends on, as a dot digraph with edges from inputs to ops.
template <class T>
std::string to_dot(const Tensor<T>& root);

extern template std::string to_dot(const Tensor<float>&);
extern template std::string to_dot(const Tensor<double>&);

}  // namespace xtgrad
