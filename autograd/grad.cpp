#include "xtgrad/autograd/grad.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad {

namespace {

template <class T>
using ImplPtr = std::shared_ptr<detail::TensorImpl<T>>;
template <class T>
using NodePtr = std::shared_ptr<Node<T>>;

/// While an op's ordinary backward runs on behalf of grad(): its inputs' gradient fields are
/// set aside (the backward writes there), inputs whose gradient nobody wants are marked as not
/// requiring one (the backward skips them), and everything is put back afterwards.
template <class T>
class BorrowedGradients {
  public:
    BorrowedGradients(const std::vector<ImplPtr<T>>& inputs, const std::vector<bool>& needed) {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            auto* impl = inputs[i].get();
            if (std::any_of(saved_.begin(), saved_.end(),
                            [impl](const Saved& s) { return s.impl == impl; }))
                continue;
            saved_.push_back({impl, std::move(impl->grad), std::move(impl->grad_graph),
                              impl->grad_defined, impl->requires_grad, needed[i]});
            impl->grad.reset();
            impl->grad_defined = false;
            impl->requires_grad = needed[i];
        }
    }
    ~BorrowedGradients() {
        for (auto& s : saved_) {
            s.impl->grad = std::move(s.grad);
            s.impl->grad_graph = std::move(s.grad_graph);
            s.impl->grad_defined = s.grad_defined;
            s.impl->requires_grad = s.requires_grad;
        }
    }
    BorrowedGradients(const BorrowedGradients&) = delete;
    BorrowedGradients& operator=(const BorrowedGradients&) = delete;

    /// Moves what the backward wrote into gradients.
    void harvest(detail::GradientMap<T>& gradients) {
        for (auto& s : saved_) {
            if (!s.needed || !s.impl->grad_defined) continue;
            Tensor<T> contribution(std::move(*s.impl->grad));
            s.impl->grad.reset();
            s.impl->grad_defined = false;
            auto [it, inserted] = gradients.try_emplace(s.impl, contribution);
            if (!inserted) it->second = add(it->second, contribution);
        }
    }

  private:
    struct Saved {
        detail::TensorImpl<T>* impl;
        std::optional<Array<T>> grad;
        std::shared_ptr<detail::TensorImpl<T>> grad_graph;
        bool grad_defined;
        bool requires_grad;
        bool needed;
    };
    std::vector<Saved> saved_;
};

template <class T>
struct WalkResult {
    detail::GradientMap<T> gradients;
    std::vector<ImplPtr<T>> targets_reached;  // targets met as inputs of walked nodes
};

/// The reverse walk from roots (seeded with seeds) down to the tensors is_target accepts. Nodes
/// are found by a graph search (not from the tape, which a create_graph walk extends as it
/// goes) and run in reverse creation order, a valid reverse topological order; only nodes
/// through which some target is reached run.
template <class T>
WalkResult<T> walk(const std::vector<Tensor<T>>& roots, const std::vector<Tensor<T>>& seeds,
                   const std::function<bool(const detail::TensorImpl<T>&)>& is_target,
                   bool create_graph, bool retain_graph,
                   const std::function<void(const WalkResult<T>&)>& before_running = {}) {
    std::vector<NodePtr<T>> nodes;
    std::unordered_set<const Node<T>*> seen;
    WalkResult<T> result;
    std::unordered_set<const detail::TensorImpl<T>*> targets_seen;
    for (const auto& root : roots)
        if (root.impl().grad_fn && seen.insert(root.impl().grad_fn.get()).second)
            nodes.push_back(root.impl().grad_fn);
    for (std::size_t next = 0; next < nodes.size(); ++next) {
        for (const auto& input : nodes[next]->inputs()) {
            if (is_target(*input) && targets_seen.insert(input.get()).second)
                result.targets_reached.push_back(input);
            if (input->grad_fn && seen.insert(input->grad_fn.get()).second)
                nodes.push_back(input->grad_fn);
        }
    }
    for (const auto& root : roots)
        if (is_target(root.impl()) && targets_seen.insert(root.impl_ptr().get()).second)
            result.targets_reached.push_back(root.impl_ptr());
    if (before_running) before_running(result);
    std::sort(nodes.begin(), nodes.end(), [](const NodePtr<T>& a, const NodePtr<T>& b) {
        return a->sequence() < b->sequence();
    });

    // A node matters if a target is among its inputs or upstream of them. A released node has
    // forgotten its inputs: it counts, so that reaching it with a gradient throws.
    std::unordered_map<const Node<T>*, bool> leads_to_target;
    auto wanted = [&](const detail::TensorImpl<T>& input) {
        return is_target(input) || (input.grad_fn && leads_to_target[input.grad_fn.get()]);
    };
    for (const auto& node : nodes) {
        bool leads = node->released();
        for (const auto& input : node->inputs()) leads = leads || wanted(*input);
        leads_to_target[node.get()] = leads;
    }

    auto& gradients = result.gradients;
    for (std::size_t i = 0; i < roots.size(); ++i) {
        auto [it, inserted] = gradients.try_emplace(roots[i].impl_ptr().get(), seeds[i]);
        if (!inserted) it->second = add(it->second, seeds[i]);
    }
    std::vector<NodePtr<T>> ran;
    std::vector<bool> needed;
    for (auto node = nodes.rbegin(); node != nodes.rend(); ++node) {
        if (!leads_to_target[node->get()]) continue;
        const auto found = gradients.find(&(*node)->output());
        if (found == gradients.end()) continue;
        const Tensor<T> grad_output = found->second;
        if (!is_target((*node)->output())) gradients.erase(found);
        const auto& inputs = (*node)->inputs();
        needed.assign(inputs.size(), false);
        for (std::size_t i = 0; i < inputs.size(); ++i)
            needed[i] = inputs[i]->requires_grad && wanted(*inputs[i]);
        if (create_graph) {
            (*node)->run_graph_backward(grad_output, gradients, needed);
        } else {
            BorrowedGradients<T> borrowed(inputs, needed);
            (*node)->run_backward_with(grad_output.value());
            borrowed.harvest(gradients);
        }
        ran.push_back(*node);
    }
    if (!retain_graph)
        for (const auto& node : ran) node->release();
    return result;
}

[[noreturn]] void throw_unused(std::size_t input) {
    throw GraphError("grad: input " + std::to_string(input) +
                     " is not used by the outputs (pass allow_unused to get an undefined tensor "
                     "for it)");
}

template <class T>
void check_requires_grad(const char* what, const std::vector<Tensor<T>>& tensors) {
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (!tensors[i].requires_grad())
            throw GraphError(std::string("grad: ") + what + " " + std::to_string(i) +
                             " does not require a gradient");
}

template <class T>
std::vector<Tensor<T>> seeds_for(const std::vector<Tensor<T>>& outputs,
                                 const std::vector<Tensor<T>>& grad_outputs) {
    if (!grad_outputs.empty()) {
        if (grad_outputs.size() != outputs.size())
            throw GraphError("grad: " + std::to_string(grad_outputs.size()) + " grad_outputs for " +
                             std::to_string(outputs.size()) + " outputs");
        for (std::size_t i = 0; i < outputs.size(); ++i)
            if (grad_outputs[i].shape() != outputs[i].shape())
                throw ShapeError("grad", grad_outputs[i].shape(), outputs[i].shape(),
                                 "grad_outputs[" + std::to_string(i) +
                                     "] must have the shape of outputs[" + std::to_string(i) + "]");
        return grad_outputs;
    }
    std::vector<Tensor<T>> seeds;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].size() != 1)
            throw GraphError("grad: output " + std::to_string(i) + " has shape " +
                             to_string(outputs[i].shape()) +
                             "; pass grad_outputs for outputs with more than one element");
        Array<T> one = empty_array<T>(outputs[i].shape());
        one.data()[0] = T(1);
        seeds.emplace_back(std::move(one));
    }
    return seeds;
}

}  // namespace

template <class T>
std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>& outputs,
                            const std::vector<Tensor<T>>& inputs,
                            const std::vector<Tensor<T>>& grad_outputs,
                            const GradOptions& options) {
    if (outputs.empty()) throw GraphError("grad: no outputs");
    check_requires_grad("output", outputs);
    check_requires_grad("input", inputs);
    const auto seeds = seeds_for(outputs, grad_outputs);
    std::unordered_set<const detail::TensorImpl<T>*> targets;
    for (const auto& input : inputs) targets.insert(input.impl_ptr().get());

    GradModeGuard recording(options.create_graph);
    const auto result = walk<T>(
        outputs, seeds, [&](const detail::TensorImpl<T>& t) { return targets.contains(&t); },
        options.create_graph, options.retain_graph.value_or(options.create_graph),
        [&](const WalkResult<T>& planned) {
            if (options.allow_unused) return;
            for (std::size_t i = 0; i < inputs.size(); ++i) {
                const auto* target = inputs[i].impl_ptr().get();
                if (std::none_of(planned.targets_reached.begin(), planned.targets_reached.end(),
                                 [target](const ImplPtr<T>& t) { return t.get() == target; }))
                    throw_unused(i);
            }
        });
    std::vector<Tensor<T>> gradients;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto found = result.gradients.find(inputs[i].impl_ptr().get());
        if (found != result.gradients.end()) {
            gradients.push_back(found->second);
        } else if (options.allow_unused) {
            gradients.emplace_back();
        } else {
            throw_unused(i);
        }
    }
    return gradients;
}

namespace detail {

template <class T>
void backward_creating_graph(const Tensor<T>& root, const Tensor<T>& seed, bool retain_graph) {
    if (!root.requires_grad())
        throw GraphError("backward() on a tensor that does not require a gradient");
    GradModeGuard recording(true);
    auto is_leaf_target = [](const TensorImpl<T>& t) { return t.requires_grad && !t.grad_fn; };
    auto result = walk<T>({root}, {seed}, is_leaf_target, true, retain_graph);
    for (const auto& leaf : result.targets_reached) {
        const auto found = result.gradients.find(leaf.get());
        if (found == result.gradients.end()) continue;
        Tensor<T> total = found->second;
        if (leaf->grad_defined)
            total =
                add(leaf->grad_graph ? Tensor<T>(leaf->grad_graph) : Tensor<T>(*leaf->grad), total);
        leaf->grad = total.value();
        leaf->grad_defined = true;
        leaf->grad_graph = total.impl_ptr();
    }
}

}  // namespace detail

#define XTGRAD_INSTANTIATE(T)                                                                \
    template std::vector<Tensor<T>> grad(const std::vector<Tensor<T>>&,                      \
                                         const std::vector<Tensor<T>>&,                      \
                                         const std::vector<Tensor<T>>&, const GradOptions&); \
    template void detail::backward_creating_graph(const Tensor<T>&, const Tensor<T>&, bool);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
