// Gradients as tensors, and backward through the backward (create_graph).
//
// grad() returns the gradients of outputs with respect to inputs without touching any leaf's
// grad(), like torch::autograd::grad. With create_graph the backward is recorded on the tape:
// every op computes its input gradients with tensor ops (its differentiable backward), so the
// gradients are tensors with graphs and can be differentiated again, to any order:
//
//     auto [g] = grad<double>({sum(x * x * x)}, {x}, {}, {.create_graph = true});  // 3 x^2
//     auto [h] = grad<double>({sum(g)}, {x});                                      // 6 x
//
// Every built-in op has a differentiable backward (tests/autograd/test_gradgradcheck.cpp checks
// each against finite differences of its gradient). The fused nn ops recompute their composed
// form (nn/composed.hpp) to differentiate it; an op recorded without one (a user op, the lab's
// faithful ops) refuses create_graph with a GraphError naming it. Without create_graph every
// op runs its ordinary backward, so grad() gives the same bits as backward().
//
// Tensor::backward with BackwardOptions{.create_graph = true} accumulates such gradients into
// the leaves (grad_tensor() returns them with their graphs). As in PyTorch that makes a cycle
// between a leaf and its gradient until zero_grad(): prefer grad() for higher-order work.
#pragma once

#include <optional>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

struct GradOptions {
    /// Keep what the ops saved for another backward. Unset: as create_graph.
    std::optional<bool> retain_graph = std::nullopt;
    /// Record the backward so that the returned gradients are differentiable.
    bool create_graph = false;
    /// An input no output depends on gets an undefined Tensor instead of a GraphError.
    bool allow_unused = false;
};

/// The gradients of sum_i <grad_outputs[i], outputs[i]> with respect to each input, in order.
/// grad_outputs may be empty when every output has one element (seeded with 1). Throws
/// GraphError for an output or input that does not require a gradient, an input the outputs do
/// not depend on (unless allow_unused), and ShapeError for a grad_output of the wrong shape.
template <class T>
std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>& outputs,
                            const std::vector<Tensor<T>>& inputs,
                            const std::vector<Tensor<T>>& grad_outputs = {},
                            const GradOptions& options = {});

namespace detail {

/// Tensor::backward with create_graph: adds the recorded gradients to the leaves.
template <class T>
void backward_creating_graph(const Tensor<T>& root, const Tensor<T>& seed, bool retain_graph);

}  // namespace detail

#define XTGRAD_EXTERN(T)                                              \
    extern template std::vector<Tensor<T>> grad(                      \
        const std::vector<Tensor<T>>&, const std::vector<Tensor<T>>&, \
        const std::vector<Tensor<T>>&, const GradOptions&);           \
    extern template void detail::backward_creating_graph(const Tensor<T>&, const Tensor<T>&, bool);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad
