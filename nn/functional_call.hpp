// A module seen as a function of its parameters, for the function transforms
// (autograd/functional.hpp): Hessians, Hessian-vector products and Jacobians with respect to a
// model's weights.
//
//     auto loss_of = nn::parameters_function<double>(model, [&](nn::Module<double>& m) {
//         return loss(m(x), labels);
//     });
//     auto [value, hv] = hvp<double>(loss_of, model.parameters(), v);  // v: one per parameter
#pragma once

#include <functional>
#include <vector>

#include "xtgrad/autograd/gradcheck.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// Runs objective(module) with the module's parameters (named_parameters() order) replaced by
/// the given tensors, then puts the module's own back (also when objective throws). Throws
/// std::invalid_argument if the count or a shape differs.
template <class T>
Tensor<T> call_with_parameters(Module<T>& module, const std::vector<Tensor<T>>& parameters,
                               const std::function<Tensor<T>(Module<T>&)>& objective);

/// objective as a function of the module's parameters: f(p) = call_with_parameters(module, p,
/// objective). The module must outlive the function.
template <class T>
TensorFunction<T> parameters_function(Module<T>& module,
                                      std::function<Tensor<T>(Module<T>&)> objective) {
    return [&module, objective = std::move(objective)](const std::vector<Tensor<T>>& p) {
        return call_with_parameters(module, p, objective);
    };
}

#define XTGRAD_EXTERN(T)                                                                      \
    extern template Tensor<T> call_with_parameters(Module<T>&, const std::vector<Tensor<T>>&, \
                                                   const std::function<Tensor<T>(Module<T>&)>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
