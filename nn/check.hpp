// Checks of whole layers, models and losses: the fused path against the composed path and
// against finite differences, with respect to the input and every parameter.
#pragma once

#include <span>

#include "xtgrad/autograd/gradcheck.hpp"
#include "xtgrad/nn/losses.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// Input 0 of the check is the module input, input k >= 1 the k-th of named_parameters()
/// (the message names them). The module's parameters are restored afterwards.
template <class T>
CheckBackwardResult check_module(Module<T>& module, const Array<T>& input,
                                 const GradcheckOptions& options = {});

/// The loss's fused op against its composition, and against finite differences, at logits.
template <class T>
CheckBackwardResult check_loss(Loss<T>& loss, const Array<T>& logits, std::span<const Label> labels,
                               const GradcheckOptions& options = {});

extern template CheckBackwardResult check_module(Module<float>&, const Array<float>&,
                                                 const GradcheckOptions&);
extern template CheckBackwardResult check_module(Module<double>&, const Array<double>&,
                                                 const GradcheckOptions&);
extern template CheckBackwardResult check_loss(Loss<float>&, const Array<float>&,
                                               std::span<const Label>, const GradcheckOptions&);
extern template CheckBackwardResult check_loss(Loss<double>&, const Array<double>&,
                                               std::span<const Label>, const GradcheckOptions&);

}  // namespace xtgrad::nn
