// The differentiable backward of a fused op (create_graph, grad.hpp): its composed form
// (composed.hpp) recomputed from the op's inputs with tape primitives and differentiated with
// create_graph. Second derivatives then come from the primitives' own differentiable backwards,
// so no fused op needs a hand-written second-order rule, and the first-order fast path is
// untouched (this runs only under create_graph).
#pragma once

#include <vector>

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

}  // namespace xtgrad::nn
