// Finite-difference gradient checks.
//
// gradcheck compares the gradients backward() computes for f with central differences, in
// double, through a random projection of f's output (so every output element is checked, not
// only a sum). check_backward compares a hand-written op with a reference composed of other
// ops: values, gradients, and the hand-written one against finite differences.
//
// Both fail on any NaN or Inf (in an output, an analytic or a numeric gradient) and on a check
// over nothing: no inputs, nothing differentiable, or no elements to compare.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

template <class T>
using TensorFunction = std::function<Tensor<T>(const std::vector<Tensor<T>>&)>;

struct GradcheckOptions {
    double eps = 1e-6;   // half-width of the central difference
    double rtol = 1e-5;  // an element passes if |analytic - numeric| <= atol + rtol * max(|a|, |n|)
    double atol = 1e-8;
    std::uint64_t seed = 1;            // of the output projection
    std::vector<bool> differentiable;  // per input; empty means every input
    /// check_backward also runs gradgradcheck on the candidate (in float64). Off for ops that
    /// refuse create_graph on purpose.
    bool second_order = true;
    /// check_backward also runs tangentcheck on the candidate (in float64). Off for ops that
    /// have no tangent rule on purpose.
    bool forward_mode = true;

    /// Defaults suited to float32 (finite differences in float are noisy).
    static GradcheckOptions for_float();
};

struct GradcheckResult {
    bool ok = true;
    // The worst element seen (largest error relative to its tolerance).
    std::size_t input = 0;
    std::size_t index = 0;  // flat index into that input
    double analytic = 0;
    double numeric = 0;
    double error_ratio = 0;  // |a - n| / (atol + rtol * max(|a|, |n|)); passes when <= 1
    std::string message;     // names the worst element and both values

    explicit operator bool() const { return ok; }
};

/// T comes from the inputs, so f may be any callable (a lambda taking
/// const std::vector<Tensor<T>>&), and the inputs a braced list: gradcheck(f, {x, y}).
template <class T>
GradcheckResult gradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                          const std::vector<Array<T>>& inputs,
                          const GradcheckOptions& options = {});
template <class T>
GradcheckResult gradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                          std::initializer_list<Array<T>> inputs,
                          const GradcheckOptions& options = {}) {
    return gradcheck<T>(f, std::vector<Array<T>>(inputs), options);
}

/// Second-order check of f's differentiable backward (create_graph, grad.hpp): gradcheck of
///     (inputs..., v) -> sum_k <u_k, d<v, f(inputs)>/d input_k>
/// with the first gradients from grad(create_graph) and v, u_k fixed pseudo-random weights (v
/// is an input too, so the backward's linearity in the output gradient is checked as well).
/// Finite differences of the gradient against its recorded derivative, in any element type
/// (use float64: the differences are of gradients). Fails on an op without a differentiable
/// backward (the GraphError's message is the result's).
template <class T>
GradcheckResult gradgradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                              const std::vector<Array<T>>& inputs,
                              const GradcheckOptions& options = {});
template <class T>
GradcheckResult gradgradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                              std::initializer_list<Array<T>> inputs,
                              const GradcheckOptions& options = {}) {
    return gradgradcheck<T>(f, std::vector<Array<T>>(inputs), options);
}

/// Forward-mode check of f's tangent rules (forward_mode.hpp): with fixed pseudo-random
/// directions u_k on the differentiable inputs, the tangent of f's output against the central
/// difference (f(x + eps u) - f(x - eps u)) / (2 eps), element by element, and against the
/// reverse mode, <w, J u> = sum_k <J_k^T w, u_k> for the output projection w (reported as
/// element index 'output size', the one past the last). Fails on an op without a tangent rule.
template <class T>
GradcheckResult tangentcheck(const std::type_identity_t<TensorFunction<T>>& f,
                             const std::vector<Array<T>>& inputs,
                             const GradcheckOptions& options = {});
template <class T>
GradcheckResult tangentcheck(const std::type_identity_t<TensorFunction<T>>& f,
                             std::initializer_list<Array<T>> inputs,
                             const GradcheckOptions& options = {}) {
    return tangentcheck<T>(f, std::vector<Array<T>>(inputs), options);
}

struct CheckBackwardResult {
    bool ok = true;
    double value_error = 0;     // max relative difference of the outputs
    double gradient_error = 0;  // max relative difference of the two backward passes
    // Worst error ratio of grad - (pre-fill + gradient) when each leaf's gradient held random
    // values before backward (both functions); passes when <= 1.
    double accumulation_error = 0;
    GradcheckResult finite_differences;  // of the candidate
    GradcheckResult second_order;        // gradgradcheck of the candidate (float64 only)
    GradcheckResult forward_mode;        // tangentcheck of the candidate (float64 only)
    std::string message;

    explicit operator bool() const { return ok; }
};

/// Checks a hand-written (fused) op against a reference composition: same outputs, same
/// gradients (within rtol/atol of options), gradients added to what the leaves already held
/// (within a few roundings), gradcheck of the candidate and, in float64, its gradgradcheck (with
/// rtol and atol at least 1e-5 and 1e-7) and tangentcheck.
template <class T>
CheckBackwardResult check_backward(const TensorFunction<T>& candidate,
                                   const TensorFunction<T>& reference,
                                   const std::vector<Array<T>>& inputs,
                                   const GradcheckOptions& options = {});

extern template GradcheckResult gradcheck<float>(const TensorFunction<float>&,
                                                 const std::vector<Array<float>>&,
                                                 const GradcheckOptions&);
extern template GradcheckResult gradcheck<double>(const TensorFunction<double>&,
                                                  const std::vector<Array<double>>&,
                                                  const GradcheckOptions&);
extern template GradcheckResult gradgradcheck<float>(const TensorFunction<float>&,
                                                     const std::vector<Array<float>>&,
                                                     const GradcheckOptions&);
extern template GradcheckResult gradgradcheck<double>(const TensorFunction<double>&,
                                                      const std::vector<Array<double>>&,
                                                      const GradcheckOptions&);
extern template GradcheckResult tangentcheck<float>(const TensorFunction<float>&,
                                                    const std::vector<Array<float>>&,
                                                    const GradcheckOptions&);
extern template GradcheckResult tangentcheck<double>(const TensorFunction<double>&,
                                                     const std::vector<Array<double>>&,
                                                     const GradcheckOptions&);
extern template CheckBackwardResult check_backward(const TensorFunction<float>&,
                                                   const TensorFunction<float>&,
                                                   const std::vector<Array<float>>&,
                                                   const GradcheckOptions&);
extern template CheckBackwardResult check_backward(const TensorFunction<double>&,
                                                   const TensorFunction<double>&,
                                                   const std::vector<Array<double>>&,
                                                   const GradcheckOptions&);

}  // namespace xtgrad
