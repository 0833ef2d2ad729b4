// Gradient clipping, as torch.nn.utils (1.13). Call between backward() and step().
#pragma once

#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::optim {

struct ClipNormOptions {
    double norm_type = 2;  // p of the p-norm; infinity for the largest magnitude
    /// A NaN or infinite total norm throws std::domain_error (else the gradients are scaled by
    /// it and the caller sees the returned norm).
    bool error_if_nonfinite = false;
};

/// Scales every gradient by min(1, max_norm / (total + 1e-6)), where total is the p-norm of
/// all gradients together (parameters without a gradient are skipped), and returns total.
template <class T>
double clip_grad_norm(const std::vector<Tensor<T>>& parameters, double max_norm,
                      const ClipNormOptions& options = {});

/// Clamps every gradient element to [-clip_value, clip_value].
template <class T>
void clip_grad_value(const std::vector<Tensor<T>>& parameters, double clip_value);

#define XTGRAD_EXTERN(T)                                                         \
    extern template double clip_grad_norm(const std::vector<Tensor<T>>&, double, \
                                          const ClipNormOptions&);               \
    extern template void clip_grad_value(const std::vector<Tensor<T>>&, double);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
