// Function transforms, with the semantics of torch.autograd.functional. f maps a list of tensors
// to one tensor; each transform returns f's value and its result:
//
//     auto f = [](const std::vector<Tensord>& v) { return sum(exp(v[0]) * v[1]); };
//     auto [value, g] = vjp<double>(f, {x, y}, v);   // g[k] = v^T df/dx_k, shaped like x_k
//     auto [value, t] = jvp<double>(f, {x, y}, {dx, dy});  // t[0] = J (dx, dy), shaped like f
//     auto [value, h] = hvp<double>(f, {x, y}, {vx, vy});  // h[k] = sum_j H_kj v_j
//     auto [value, J] = jacobian<double>(f, {x, y});  // J[k]: f's shape ++ x_k's shape
//     auto [value, H] = hessian<double>(f, {x});      // H[k * n + j]: x_k's shape ++ x_j's
//
// The inputs are copied into fresh leaves, so nothing is recorded on the caller's tensors,
// unless create_graph is set (vjp, hvp): then an input that requires a gradient is used as it
// is, and the results are differentiable with respect to it. jvp runs in forward mode (one
// forward pass carrying tangents); vjp, hvp and hessian in reverse mode (hvp is
// reverse-over-reverse: a forward and two backward passes); jacobian chooses forward mode when f
// has fewer input than output elements (one forward pass per input element) and reverse mode
// otherwise (one backward pass per output element). A result for an input f does not use is
// zeros, as with torch's strict=False.
#pragma once

#include <vector>

#include "xtgrad/autograd/gradcheck.hpp"
#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

template <class T>
struct Transformed {
    Tensor<T> value;                // f(inputs): a constant unless create_graph
    std::vector<Tensor<T>> result;  // see each transform
};

struct FunctionalOptions {
    bool create_graph = false;  // vjp and hvp: keep the results differentiable
};

enum class JacobianMode { automatic, forward, reverse };

/// result[k] = v^T (df / d inputs[k]); v has f's shape.
template <class T>
Transformed<T> vjp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const Tensor<T>& v,
                   FunctionalOptions options = {});

/// result[0] = sum_k (df / d inputs[k]) tangents[k], of f's shape (forward mode).
template <class T>
Transformed<T> jvp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const std::vector<Tensor<T>>& tangents);

/// result[k] = sum_j (d^2 f / d inputs[k] d inputs[j]) v[j], for a one-element f.
template <class T>
Transformed<T> hvp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const std::vector<Tensor<T>>& v,
                   FunctionalOptions options = {});

/// result[k] = df / d inputs[k], of shape f's shape followed by inputs[k]'s.
template <class T>
Transformed<T> jacobian(const std::type_identity_t<TensorFunction<T>>& f,
                        const std::vector<Tensor<T>>& inputs,
                        JacobianMode mode = JacobianMode::automatic);

/// result[k * n + j] = d^2 f / d inputs[k] d inputs[j] (n inputs), of shape inputs[k]'s shape
/// followed by inputs[j]'s, for a one-element f.
template <class T>
Transformed<T> hessian(const std::type_identity_t<TensorFunction<T>>& f,
                       const std::vector<Tensor<T>>& inputs);

#define XTGRAD_EXTERN(T)                                                                        \
    extern template Transformed<T> vjp(const TensorFunction<T>&, const std::vector<Tensor<T>>&, \
                                       const Tensor<T>&, FunctionalOptions);                    \
    extern template Transformed<T> jvp(const TensorFunction<T>&, const std::vector<Tensor<T>>&, \
                                       const std::vector<Tensor<T>>&);                          \
    extern template Transformed<T> hvp(const TensorFunction<T>&, const std::vector<Tensor<T>>&, \
                                       const std::vector<Tensor<T>>&, FunctionalOptions);       \
    extern template Transformed<T> jacobian(const TensorFunction<T>&,                           \
                                            const std::vector<Tensor<T>>&, JacobianMode);       \
    extern template Transformed<T> hessian(const TensorFunction<T>&, const std::vector<Tensor<T>>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad
