#include "xtgrad/autograd/tape.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_anomaly_mode = false;

/// A copy of name that stays valid for the rest of the program, one per distinct name. Each
/// thread caches the copy under the caller's character pointer, checked by content (an address
/// reused for another name just replaces the entry), so ops with fixed names, every built-in
/// op among them, allocate nothing per recorded op.
std::string_view interned_name(std::string_view name) {
    thread_local std::unordered_map<const char*, std::string_view> cache;
    const auto hit = cache.find(name.data());
    if (hit != cache.end() && hit->second == name) return hit->second;
    static std::mutex mutex;
    // Never destroyed: tensors in static storage may still name their op during exit.
    static auto* const pool = new std::unordered_set<std::string>();
    std::string_view stored;
    {
        std::lock_guard lock(mutex);
        stored = *pool->emplace(name).first;  // elements never move
    }
    cache[name.data()] = stored;
    return stored;
}
}  // namespace

bool grad_enabled() {
    return t_grad_enabled;
}

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) {
    t_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
    t_grad_enabled = previous_;
}

GradModeGuard::GradModeGuard(bool enabled) : previous_(t_grad_enabled) {
    t_grad_enabled = enabled;
}
GradModeGuard::~GradModeGuard() {
    t_grad_enabled = previous_;
}

bool anomaly_mode_enabled() {
    return t_anomaly_mode;
}

AnomalyModeGuard::AnomalyModeGuard(bool enabled) : previous_(t_anomaly_mode) {
    t_anomaly_mode = enabled;
}
AnomalyModeGuard::~AnomalyModeGuard() {
    t_anomaly_mode = previous_;
}

// ---------------------------------------------------------------------------------------------
// BackwardContext

template <class T>
bool BackwardContext<T>::needs_grad(std::size_t input) const {
    return input < node_.inputs_.size() && node_.inputs_[input]->requires_grad;
}

template <class T>
const Shape& BackwardContext<T>::input_shape(std::size_t input) const {
    return node_.inputs_.at(input)->value.shape();
}

template <class T>
detail::TensorImpl<T>& BackwardContext<T>::gradient_target(std::size_t input, const char* what) {
    if (input >= node_.inputs_.size())
        throw GraphError(std::string(what) + ": op '" + std::string(node_.op().name) +
                         "' has no input " + std::to_string(input));
    auto& target = *node_.inputs_[input];
    if (!target.requires_grad)
        throw GraphError(std::string(what) + ": input " + std::to_string(input) + " of op '" +
                         std::string(node_.op().name) +
                         "' does not require a gradient (check needs_grad() first)");
    if (target.grad_fn && target.grad_fn->released())
        throw GraphError("backward reached input " + std::to_string(input) + " of op '" +
                         std::string(node_.op().name) + "', produced by " +
                         target.grad_fn->describe() +
                         ", whose graph was already freed by an earlier backward; pass "
                         "BackwardOptions{.retain_graph = true} to that backward");
    target.grad_graph.reset();  // this backward changes the gradient without a graph
    return target;
}

template <class T>
void BackwardContext<T>::accumulate(std::size_t input, Array<T>&& gradient) {
    auto& target = gradient_target(input, "accumulate");
    if (gradient.shape() != target.value.shape())
        throw ShapeError(std::string(node_.op().name) + " backward", gradient.shape(),
                         target.value.shape(),
                         "gradient shape differs from input " + std::to_string(input));
    if (!target.grad_defined) {
        target.grad = std::move(gradient);
        target.grad_defined = true;
        return;
    }
    T* out = target.grad->data();
    const T* in = gradient.data();
    const std::size_t n = gradient.size();
    for (std::size_t i = 0; i < n; ++i) out[i] += in[i];
}

template <class T>
GradSlot<T> BackwardContext<T>::slot(std::size_t input) {
    auto& target = gradient_target(input, "slot");
    if (target.grad_defined) return {*target.grad, true};
    if (!target.grad || target.grad->shape() != target.value.shape())
        target.grad = empty_array<T>(target.value.shape());
    target.grad_defined = true;
    return {*target.grad, false};
}

// ---------------------------------------------------------------------------------------------
// GraphBackwardContext

template <class T>
Tensor<T> GraphBackwardContext<T>::input(std::size_t i) const {
    return Tensor<T>(node_.inputs_.at(i));
}

template <class T>
Tensor<T> GraphBackwardContext<T>::output() const {
    // Alive: the node runs only while something downstream (or the root) still holds it.
    return Tensor<T>(node_.output_->shared_from_this());
}

template <class T>
const Shape& GraphBackwardContext<T>::input_shape(std::size_t i) const {
    return node_.inputs_.at(i)->value.shape();
}

template <class T>
void GraphBackwardContext<T>::accumulate(std::size_t i, const Tensor<T>& gradient) {
    if (!needs_grad(i)) return;
    const auto& target = node_.inputs_.at(i);
    if (gradient.shape() != target->value.shape())
        throw ShapeError(std::string(node_.op().name) + " differentiable backward",
                         gradient.shape(), target->value.shape(),
                         "gradient shape differs from input " + std::to_string(i));
    if (anomaly_mode_enabled())
        detail::check_finite(gradient.value(), "gradient of input " + std::to_string(i) +
                                                   " computed by " + node_.describe() +
                                                   " (create_graph)");
    auto [it, inserted] = gradients_.try_emplace(target.get(), gradient);
    if (!inserted) it->second = add(it->second, gradient);
}

// ---------------------------------------------------------------------------------------------
// Node

template <class T>
Node<T>::Node(const OpInfo& op, std::uint64_t sequence, std::vector<ImplPtr> inputs,
              detail::TensorImpl<T>* output, BackwardFn backward, GraphBackwardFn graph_backward)
    : op_{interned_name(op.name), op.differentiable},
      sequence_(sequence),
      inputs_(std::move(inputs)),
      output_(output),
      backward_(std::move(backward)),
      graph_backward_(std::move(graph_backward)) {
    input_versions_.reserve(inputs_.size());
    for (const auto& input : inputs_) input_versions_.push_back(input->version);
}

template <class T>
std::string Node<T>::describe() const {
    std::string text = std::string(op_.name) + " (#" + std::to_string(sequence_);
    if (!inputs_.empty()) {
        text += ", inputs ";
        for (std::size_t i = 0; i < inputs_.size(); ++i) {
            if (i > 0) text += ", ";
            text += to_string(inputs_[i]->value.shape());
        }
    }
    return text + ")";
}

template <class T>
void Node<T>::check_runnable() const {
    if (released_)
        throw GraphError("backward through " + describe() +
                         " a second time: what it saved was freed by the first backward; pass "
                         "BackwardOptions{.retain_graph = true} to the first backward to keep it");
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
        if (inputs_[i]->version != input_versions_[i]) {
            const auto& name = inputs_[i]->name;
            throw GraphError("input " + std::to_string(i) +
                             (name.empty() ? std::string() : " ('" + name + "')") + " of " +
                             describe() +
                             " was modified in place after the op was recorded; its gradient "
                             "would use the new value");
        }
    }
}

template <class T>
void Node<T>::run_graph_backward(const Tensor<T>& grad_output, detail::GradientMap<T>& gradients,
                                 const std::vector<bool>& needed) {
    check_runnable();
    if (!graph_backward_)
        throw GraphError("create_graph: op '" + std::string(op_.name) + "' (" + describe() +
                         ") has no differentiable backward, so its gradient cannot be "
                         "differentiated again (record it with a graph backward: custom_op.hpp)");
    GraphBackwardContext<T> context(*this, grad_output, gradients, needed);
    graph_backward_(context);
}

template <class T>
void Node<T>::run_backward() {
    run_backward_with(*output_->grad);
}

template <class T>
void Node<T>::run_backward_with(const Array<T>& grad_output) {
    check_runnable();
    BackwardContext<T> context(*this, grad_output);
    backward_(context);
    if (anomaly_mode_enabled()) {
        for (std::size_t i = 0; i < inputs_.size(); ++i) {
            if (inputs_[i]->requires_grad && inputs_[i]->grad_defined)
                detail::check_finite(*inputs_[i]->grad, "gradient of input " + std::to_string(i) +
                                                            " computed by " + describe());
        }
    }
}

template <class T>
void Node<T>::clear_output_grad() {
    output_->grad.reset();
    output_->grad_defined = false;
}

template <class T>
void Node<T>::release() {
    released_ = true;
    backward_ = nullptr;
    graph_backward_ = nullptr;
    inputs_.clear();
    input_versions_.clear();
}

// ---------------------------------------------------------------------------------------------
// Tape

template <class T>
Tape<T>& Tape<T>::current() {
    thread_local Tape tape;
    return tape;
}

template <class T>
void Tape<T>::push(const std::shared_ptr<Node<T>>& node) {
    if (entries_.size() >= compact_threshold_) {
        compact();
        compact_threshold_ = std::max<std::size_t>(64, 2 * entries_.size());
    }
    entries_.push_back({node->sequence(), node});
}

template <class T>
void Tape<T>::compact() {
    std::erase_if(entries_, [](const Entry& entry) {
        auto node = entry.node.lock();
        return !node || node->released();
    });
}

template <class T>
std::size_t Tape<T>::live_nodes() {
    compact();
    return entries_.size();
}

template <class T>
std::vector<std::shared_ptr<Node<T>>> Tape<T>::live_node_list() {
    std::vector<std::shared_ptr<Node<T>>> nodes;
    for (const auto& entry : entries_)
        if (auto node = entry.node.lock(); node && !node->released()) nodes.push_back(node);
    return nodes;
}

template <class T>
void Tape<T>::discard_intermediate_grads(std::size_t from_position) {
    for (std::size_t i = from_position + 1; i-- > 0;) {
        if (auto node = entries_[i].node.lock()) {
            node->clear_output_grad();
        }
    }
}

template <class T>
void Tape<T>::backward(detail::TensorImpl<T>& root, Array<T> seed, bool retain_graph) {
    if (!root.requires_grad)
        throw GraphError(
            "backward() on a tensor that does not require a gradient: no input of the ops that "
            "produced it requires one (or it was computed under NoGradGuard)");
    if (!root.grad_fn) {  // a leaf: its gradient is the seed itself
        root.grad_graph.reset();
        if (root.grad_defined) {
            for (std::size_t i = 0; i < seed.size(); ++i) root.grad->data()[i] += seed.data()[i];
        } else {
            root.grad = std::move(seed);
            root.grad_defined = true;
        }
        return;
    }
    const Node<T>& root_node = *root.grad_fn;
    if (root_node.released())
        throw GraphError("backward through " + root_node.describe() +
                         " a second time: its graph was freed by the first backward; pass "
                         "BackwardOptions{.retain_graph = true} to the first backward to keep it");

    auto it = std::lower_bound(
        entries_.begin(), entries_.end(), root_node.sequence(),
        [](const Entry& entry, std::uint64_t sequence) { return entry.sequence < sequence; });
    if (it == entries_.end() || it->sequence != root_node.sequence())
        throw GraphError("backward: " + root_node.describe() +
                         " is not on this thread's tape (graphs cannot cross threads)");
    const std::size_t root_position = static_cast<std::size_t>(it - entries_.begin());

    root.grad = std::move(seed);
    root.grad_defined = true;

    // Nodes run so far. They are released only after the walk: releasing a node drops its
    // inputs, which may be the last reference to upstream nodes the walk has yet to visit.
    visited_.clear();
    NoGradGuard no_recording_inside_backward;
    try {
        for (std::size_t i = root_position + 1; i-- > 0;) {
            auto node = entries_[i].node.lock();
            if (!node || !node->output().grad_defined) continue;
            node->run_backward();
            node->clear_output_grad();
            if (!retain_graph) visited_.push_back(std::move(node));
        }
    } catch (...) {
        visited_.clear();
        discard_intermediate_grads(root_position);
        throw;
    }
    if (retain_graph) return;
    for (const auto& node : visited_) node->release();
    visited_.clear();  // each node's inputs are already dropped: no recursive destruction
    compact();
}

// ---------------------------------------------------------------------------------------------
// detail

namespace detail {

template <class T>
Tensor<T> record_node(const OpInfo& op, Array<T> value, std::initializer_list<Tensor<T>> inputs,
                      typename Node<T>::BackwardFn backward,
                      typename Node<T>::GraphBackwardFn graph_backward) {
    auto& tape = Tape<T>::current();
    std::vector<typename Node<T>::ImplPtr> input_impls;
    input_impls.reserve(inputs.size());
    for (const auto& input : inputs) input_impls.push_back(input.impl_ptr());

    auto output = std::make_shared<TensorImpl<T>>(std::move(value), true);
    // Not make_shared: the tape's weak reference must not keep the node's memory alive.
    std::shared_ptr<Node<T>> node(new Node<T>(op, tape.next_sequence(), std::move(input_impls),
                                              output.get(), std::move(backward),
                                              std::move(graph_backward)));
    if (anomaly_mode_enabled()) check_finite(output->value, "output of " + node->describe());
    tape.push(node);
    output->grad_fn = std::move(node);
    return Tensor<T>(std::move(output));
}

template <class T>
void release_node(std::shared_ptr<Node<T>>&& node) {
    // Releasing a node can release its inputs' producers, and so on down a chain as deep as the
    // graph. Past a small depth, defer to a work list drained by the outermost call.
    constexpr int kMaxDepth = 64;
    thread_local int depth = 0;
    thread_local std::vector<std::shared_ptr<Node<T>>>* deferred = nullptr;
    if (depth >= kMaxDepth) {
        if (!deferred) deferred = new std::vector<std::shared_ptr<Node<T>>>();
        deferred->push_back(std::move(node));
        return;
    }
    ++depth;
    node.reset();
    --depth;
    if (depth == 0 && deferred) {
        while (!deferred->empty()) {
            auto next = std::move(deferred->back());
            deferred->pop_back();
            ++depth;
            next.reset();
            --depth;
        }
        delete deferred;
        deferred = nullptr;
    }
}

template <class T>
void check_finite(const Array<T>& values, const std::string& what) {
    const T* data = values.data();
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(data[i])) {
            throw AnomalyError("anomaly: " + std::string(std::isnan(data[i]) ? "NaN" : "Inf") +
                               " at flat index " + std::to_string(i) + " of the " + what +
                               " (shape " + to_string(values.shape()) + ")");
        }
    }
}

template Tensor<float> record_node(const OpInfo&, Array<float>,
                                   std::initializer_list<Tensor<float>>, Node<float>::BackwardFn,
                                   Node<float>::GraphBackwardFn);
template Tensor<double> record_node(const OpInfo&, Array<double>,
                                    std::initializer_list<Tensor<double>>, Node<double>::BackwardFn,
                                    Node<double>::GraphBackwardFn);
template void release_node(std::shared_ptr<Node<float>>&&);
template void release_node(std::shared_ptr<Node<double>>&&);
template void check_finite(const Array<float>&, const std::string&);
template void check_finite(const Array<double>&, const std::string&);

}  // namespace detail

template class BackwardContext<float>;
template class BackwardContext<double>;
template class GraphBackwardContext<float>;
template class GraphBackwardContext<double>;
template class Node<float>;
template class Node<double>;
template class Tape<float>;
template class Tape<double>;

}  // namespace xtgrad
