// The table of test cases for every built-in op: inputs (including broadcasting cases and a
// batch of one), the op applied to them, and an independent reference for its forward value
// written with plain xtensor expressions or loops.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <xtgrad/autograd/gradcheck.hpp>

namespace xtgrad::testing {

template <class T>
struct OpCase {
    std::string label;
    std::vector<Array<T>> inputs;
    TensorFunction<T> apply;
    std::function<Array<T>(const std::vector<Array<T>>&)> reference;
    std::vector<bool> differentiable;  // empty: every input
    // False where the gradient jumps at these inputs (exact ties of maximum): the first
    // derivative is checked there, the second only on the op's other cases.
    bool twice_differentiable = true;
};

/// Cases keyed by op name (as in op_info.hpp).
template <class T>
std::map<std::string, std::vector<OpCase<T>>> op_cases();

/// Names of the built-in ops that have gradients (op_info.hpp), in declaration order.
std::vector<std::string> differentiable_op_names();

extern template std::map<std::string, std::vector<OpCase<float>>> op_cases();
extern template std::map<std::string, std::vector<OpCase<double>>> op_cases();

}  // namespace xtgrad::testing
