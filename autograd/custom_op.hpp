// Recording an op with a hand-written backward. Every built-in op uses exactly this, and so can
// user code:
//
//     static constexpr xtgrad::OpInfo kScaledSquare{"scaled_square"};
//     template <class T>
//     Tensor<T> scaled_square(const Tensor<T>& x, T c) {
//         Array<T> y = c * x.value() * x.value();
//         return record_op(kScaledSquare, std::move(y), {x}, [x, c](BackwardContext<T>& ctx) {
//             ctx.accumulate(0, Array<T>(2 * c * x.value() * ctx.grad_output()));
//         });
//     }
//
// The backward runs at most once per backward() (unless the graph is retained), gets the
// gradient of the output and adds each needed input gradient through ctx.accumulate() or
// ctx.slot(). It captures what it needs (tensors by handle: cheap, and version-checked).
// Check it with gradcheck() (gradcheck.hpp) and, if it replaces a composition of existing ops,
// with check_backward().
//
// For gradients of gradients (create_graph, grad.hpp), pass a second closure that computes the
// same gradients with tensor ops, so that the backward itself is recorded:
//
//         ... [x, c](BackwardContext<T>& ctx) { ... },
//             [c](GraphBackwardContext<T>& ctx) {
//                 ctx.accumulate(0, ctx.grad_output() * ctx.input(0) * (2 * c));
//             });
//
// It takes the inputs from the context (ctx.input(i)), not from captures, so that they carry
// their graphs. A third closure, the tangent rule, makes the op work in forward mode
// (forward_mode.hpp):
//
//             [c](const TangentContext<T>& ctx) { return ctx.input(0) * ctx.tangent(0) * (2 * c); }
//
// An op recorded without them refuses create_graph, or a tangent, with an error naming it.
//
// The OpInfo need only live for the record_op call: the recorded node keeps its own copy, with
// the name copied once per distinct name into storage that lives as long as the program (so a
// function-local OpInfo, or one whose name points into a temporary std::string, is fine). Give
// ops fixed names: a name built per call, e.g. with a counter, is kept forever.
#pragma once

#include <initializer_list>
#include <utility>

#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/forward_mode.hpp"
#include "xtgrad/autograd/op_info.hpp"
#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

/// The backward of a product y = a b of matrices a (m, k) and b (k, n), inputs ia and ib of the
/// op: da = G b^T and db = a^T G, each written by gemm straight into its gradient slot (adding
/// when the slot already holds contributions). matmul, the fused linear and custom linear maps
/// share it.
template <class T>
void matmul_backward(const char* op, BackwardContext<T>& ctx, const Tensor<T>& a, std::size_t ia,
                     const Tensor<T>& b, std::size_t ib);

/// How threads split a forward product x W (blas::Split): along W's rows (the inner dimension)
/// where W's update will follow, that is while recording and W requires its gradient; else as
/// the backend splits it (an evaluation, where splitting the batch saves the partial products'
/// sum). matmul and the fused linear share it.
template <class T>
blas::Split forward_product_split(const Tensor<T>& weight);

#define XTGRAD_EXTERN(T)                                                                     \
    extern template void matmul_backward(const char*, BackwardContext<T>&, const Tensor<T>&, \
                                         std::size_t, const Tensor<T>&, std::size_t);        \
    extern template blas::Split forward_product_split(const Tensor<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

/// True if an op over these inputs would be recorded now.
template <class T>
bool should_record(std::initializer_list<Tensor<T>> inputs) {
    if (!grad_enabled()) return false;
    for (const auto& input : inputs)
        if (input.requires_grad()) return true;
    return false;
}

/// The output of an op that is not being recorded (should_record was false). Anomaly mode still
/// checks it. Ops whose backward would capture copies (labels, saved arrays) test needs_rules
/// first and return this, so that evaluation under NoGradGuard allocates only outputs.
template <class T>
Tensor<T> unrecorded_result(const OpInfo& op, Array<T> value) {
    if (anomaly_mode_enabled())
        detail::check_finite(value, "output of op '" + std::string(op.name) + "'");
    return Tensor<T>(std::move(value));
}

/// Wraps value as the output of op applied to inputs, with its three rules (see the top of
/// this file): backward over arrays, graph_backward in tensor ops (create_graph) and tangent,
/// which returns the output's tangent, J times the inputs' tangents, computed with plain ops
/// (forward mode). backward and graph_backward are recorded on the tape when gradients are
/// enabled and some input requires one; otherwise the closures are dropped without ever being
/// converted to a std::function, so unrecorded calls allocate nothing for the tape. tangent runs
/// only when some input carries a tangent.
template <class T, class Backward, class GraphBackward, class Tangent>
Tensor<T> record_op(const OpInfo& op, Array<T> value, std::initializer_list<Tensor<T>> inputs,
                    Backward&& backward, GraphBackward&& graph_backward, Tangent&& tangent) {
    const bool forward = has_tangent(inputs);
    Tensor<T> output =
        !op.differentiable || !should_record(inputs)
            ? unrecorded_result(op, std::move(value))
            : detail::record_node<T>(
                  op, std::move(value), inputs,
                  typename Node<T>::BackwardFn(std::forward<Backward>(backward)),
                  typename Node<T>::GraphBackwardFn(std::forward<GraphBackward>(graph_backward)));
    if (forward) detail::attach_tangent(op, output, inputs, std::forward<Tangent>(tangent));
    return output;
}

/// Without a tangent rule: a tangent reaching the op throws GraphError naming it.
template <class T, class Backward, class GraphBackward>
Tensor<T> record_op(const OpInfo& op, Array<T> value, std::initializer_list<Tensor<T>> inputs,
                    Backward&& backward, GraphBackward&& graph_backward) {
    return record_op<T>(
        op, std::move(value), inputs, std::forward<Backward>(backward),
        std::forward<GraphBackward>(graph_backward),
        [&op](const TangentContext<T>&) -> Tensor<T> { detail::throw_no_tangent_rule(op); });
}

/// With the ordinary backward only: create_graph and tangents refuse the op by name.
template <class T, class Backward>
Tensor<T> record_op(const OpInfo& op, Array<T> value, std::initializer_list<Tensor<T>> inputs,
                    Backward&& backward) {
    return record_op<T>(op, std::move(value), inputs, std::forward<Backward>(backward),
                        typename Node<T>::GraphBackwardFn());
}

/// True if an op over these inputs needs its rules now: it would be recorded, or some input
/// carries a tangent. Ops that skip record_op when nothing records test this.
template <class T>
bool needs_rules(std::initializer_list<Tensor<T>> inputs) {
    return should_record(inputs) || has_tangent(inputs);
}

}  // namespace xtgrad
