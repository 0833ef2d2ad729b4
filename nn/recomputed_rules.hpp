// The differentiable backward (create_graph, grad.hpp) and the tangent rule (forward mode,
// forward_mode.hpp) of a fused op: its composed form (composed.hpp) recomputed from the op's
// inputs with tape primitives, and differentiated with create_graph or pushed forward with
// tangents. Second derivatives and tangents then come from the primitives' own rules, so no
// fused op needs hand-written ones, and the first-order fast path is untouched (these run only
// under create_graph or when a tangent arrives).
#pragma once

#include <vector>

#include "xtgrad/autograd/forward_mode.hpp"
#include "xtgrad/autograd/grad.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad::nn {

/// composed(inputs) must compute the fused op's output from its inputs (in record order).
template <class T, class Composed>
auto recomputed_backward(Composed composed) {
    return [composed](GraphBackwardContext<T>& ctx) {
        std::vector<Tensor<T>> inputs;
        std::vector<Tensor<T>> wanted;
        std::vector<std::size_t> positions;
        for (std::size_t i = 0; i < ctx.input_count(); ++i) {
            inputs.push_back(ctx.input(i));
            if (ctx.needs_grad(i)) {
                wanted.push_back(inputs.back());
                positions.push_back(i);
            }
        }
        const Tensor<T> output = composed(inputs);
        const auto gradients =
            grad<T>({output}, wanted, {ctx.grad_output()},
                    {.retain_graph = true, .create_graph = true, .allow_unused = true});
        for (std::size_t k = 0; k < positions.size(); ++k)
            if (gradients[k].defined()) ctx.accumulate(positions[k], gradients[k]);
    };
}

/// The tangent rule: composed run on dual copies of the inputs.
template <class T, class Composed>
auto recomputed_tangent(Composed composed) {
    return [composed](const TangentContext<T>& ctx) {
        xtgrad::detail::TangentRuleScope forward_mode_on(false);
        std::vector<Tensor<T>> duals;
        for (std::size_t i = 0; i < ctx.input_count(); ++i)
            duals.push_back(ctx.has_tangent(i) ? make_dual(ctx.input(i), ctx.tangent(i))
                                               : ctx.input(i));
        const Tensor<T> tangent = tangent_of(composed(duals));
        return tangent.defined() ? tangent : Tensor<T>(ctx.output().value() * T(0));
    };
}

}  // namespace xtgrad::nn
