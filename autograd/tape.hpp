// The tape: recorded ops in creation order, and the reverse walk that computes gradients.
//
// Each thread has one tape per element type. A recorded op is a Node owned by the tensor it
// produced (so dropping a result frees its graph); the tape holds weak references in creation
// order, which is a valid reverse topological order: backward() visits each node once, from the
// root down, with no recursion and no graph search.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "xtgrad/autograd/op_info.hpp"
#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

/// Whether ops record themselves on this thread (true unless a NoGradGuard is alive).
bool grad_enabled();

/// Turns recording off for its scope (evaluation pays nothing for the tape); restores the
/// previous state on destruction, so guards nest.
class NoGradGuard {
  public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

  private:
    bool previous_;
};

/// Sets recording on or off for its scope, whatever it was (a create_graph backward turns it on
/// even inside a NoGradGuard); restores the previous state on destruction.
class GradModeGuard {
  public:
    explicit GradModeGuard(bool enabled);
    ~GradModeGuard();
    GradModeGuard(const GradModeGuard&) = delete;
    GradModeGuard& operator=(const GradModeGuard&) = delete;

  private:
    bool previous_;
};

/// Anomaly mode (off by default): every recorded op checks its output, and every backward step
/// the gradients it produced, for NaN/Inf, and throws AnomalyError naming the op, its position
/// on the tape and its input shapes.
bool anomaly_mode_enabled();
class AnomalyModeGuard {
  public:
    explicit AnomalyModeGuard(bool enabled = true);
    ~AnomalyModeGuard();
    AnomalyModeGuard(const AnomalyModeGuard&) = delete;
    AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

  private:
    bool previous_;
};

class AnomalyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Where a backward function writes the gradient of one input.
/// If accumulate is false the buffer is freshly sized and uninitialised: write every element
/// (e.g. gemm with beta 0). If true it holds earlier contributions: add to it (beta 1).
template <class T>
struct GradSlot {
    Array<T>& buffer;
    bool accumulate;

    T* data() const { return buffer.data(); }
    T beta() const { return accumulate ? T(1) : T(0); }
};

/// What a backward function sees: the gradient of the op's output and sinks for its inputs'
/// gradients. Inputs are numbered in the order they were given to record_op.
template <class T>
class BackwardContext {
  public:
    BackwardContext(Node<T>& node, const Array<T>& grad_output)
        : node_(node), grad_output_(grad_output) {}

    const Array<T>& grad_output() const { return grad_output_; }
    /// The op's own output value (ops such as sigmoid need it; capturing the output tensor in
    /// its own backward would be a reference cycle).
    const Array<T>& output() const { return node_.output_->value; }
    bool needs_grad(std::size_t input) const;
    const Shape& input_shape(std::size_t input) const;

    /// Adds a whole gradient for an input (moved in when it is the first contribution).
    /// Throws ShapeError if its shape differs from the input's.
    void accumulate(std::size_t input, Array<T>&& gradient);
    /// Direct access to an input's gradient buffer, for kernels that write in place.
    GradSlot<T> slot(std::size_t input);

  private:
    detail::TensorImpl<T>& gradient_target(std::size_t input, const char* what);

    Node<T>& node_;
    const Array<T>& grad_output_;
};

namespace detail {
/// Gradients of a differentiable backward (create_graph), keyed by the tensor they belong to.
template <class T>
using GradientMap = std::unordered_map<const TensorImpl<T>*, Tensor<T>>;
}  // namespace detail

/// What a differentiable backward sees: the same as BackwardContext, with tensors instead of
/// arrays. It computes the input gradients with tensor ops, so that under create_graph they are
/// recorded like any computation and can be differentiated again.
template <class T>
class GraphBackwardContext {
  public:
    GraphBackwardContext(Node<T>& node, Tensor<T> grad_output, detail::GradientMap<T>& gradients,
                         const std::vector<bool>& needed)
        : node_(node),
          grad_output_(std::move(grad_output)),
          gradients_(gradients),
          needed_(needed) {}

    const Tensor<T>& grad_output() const { return grad_output_; }
    /// Input i as recorded, with its own graph.
    Tensor<T> input(std::size_t i) const;
    std::size_t input_count() const { return needed_.size(); }
    /// The op's output (ops such as exp and tanh express their gradient through it).
    Tensor<T> output() const;
    /// Whether the walk wants input i's gradient (it leads to a requested one).
    bool needs_grad(std::size_t i) const { return i < needed_.size() && needed_[i]; }
    const Shape& input_shape(std::size_t i) const;
    /// Adds gradient to input i's (recorded: the addition itself is an op).
    void accumulate(std::size_t i, const Tensor<T>& gradient);

  private:
    Node<T>& node_;
    Tensor<T> grad_output_;
    detail::GradientMap<T>& gradients_;
    const std::vector<bool>& needed_;
};

template <class T>
class Node {
  public:
    using BackwardFn = std::function<void(BackwardContext<T>&)>;
    /// The backward written with tensor ops (see GraphBackwardContext); may be empty, then the
    /// op refuses create_graph.
    using GraphBackwardFn = std::function<void(GraphBackwardContext<T>&)>;
    using ImplPtr = std::shared_ptr<detail::TensorImpl<T>>;

    Node(const OpInfo& op, std::uint64_t sequence, std::vector<ImplPtr> inputs,
         detail::TensorImpl<T>* output, BackwardFn backward, GraphBackwardFn graph_backward = {});

    /// A copy of the recorded OpInfo whose name lives as long as the program: nodes outlive the
    /// caller's OpInfo, which may be a local (see custom_op.hpp).
    const OpInfo& op() const { return op_; }
    /// Position on the tape: ops are numbered in creation order, per thread and element type.
    std::uint64_t sequence() const { return sequence_; }
    bool released() const { return released_; }
    const std::vector<ImplPtr>& inputs() const { return inputs_; }
    const detail::TensorImpl<T>& output() const { return *output_; }

    /// Runs the op's backward with the output's current gradient.
    void run_backward();
    /// Runs the op's backward with grad_output as the output's gradient.
    void run_backward_with(const Array<T>& grad_output);
    bool has_graph_backward() const { return static_cast<bool>(graph_backward_); }
    /// Runs the op's differentiable backward with grad_output, adding the gradients of the
    /// inputs marked in needed to gradients.
    void run_graph_backward(const Tensor<T>& grad_output, detail::GradientMap<T>& gradients,
                            const std::vector<bool>& needed);
    /// Drops everything saved for the backward (inputs, closure).
    void release();
    /// Frees the output's gradient once this node has consumed it.
    void clear_output_grad();
    /// "matmul (#12, inputs (100, 784), (784, 128))" for error messages.
    std::string describe() const;

  private:
    friend class BackwardContext<T>;
    friend class GraphBackwardContext<T>;
    /// Throws GraphError if the node was released or an input changed since it was recorded.
    void check_runnable() const;

    OpInfo op_;
    std::uint64_t sequence_;
    std::vector<ImplPtr> inputs_;
    std::vector<std::uint64_t> input_versions_;
    detail::TensorImpl<T>* output_;  // owns this node
    BackwardFn backward_;
    GraphBackwardFn graph_backward_;
    bool released_ = false;
};

template <class T>
class Tape {
  public:
    /// This thread's tape for element type T.
    static Tape& current();

    std::uint64_t next_sequence() { return next_sequence_++; }
    void push(const std::shared_ptr<Node<T>>& node);
    /// Number of recorded ops still alive (some result or later op still refers to them).
    std::size_t live_nodes();
    /// Live nodes in creation order (for graph dumps and diagnostics).
    std::vector<std::shared_ptr<Node<T>>> live_node_list();

    /// Seeds root with seed and walks the tape down from root's producer.
    void backward(detail::TensorImpl<T>& root, Array<T> seed, bool retain_graph);

  private:
    struct Entry {
        std::uint64_t sequence;
        std::weak_ptr<Node<T>> node;
    };
    void compact();
    void discard_intermediate_grads(std::size_t from_position);

    std::vector<Entry> entries_;
    std::vector<std::shared_ptr<Node<T>>> visited_;  // reused by every backward
    std::uint64_t next_sequence_ = 0;
    std::size_t compact_threshold_ = 64;
};

namespace detail {

/// Records a node producing value from inputs (the caller has checked that it should record).
template <class T>
Tensor<T> record_node(const OpInfo& op, Array<T> value, std::initializer_list<Tensor<T>> inputs,
                      typename Node<T>::BackwardFn backward,
                      typename Node<T>::GraphBackwardFn graph_backward = {});

/// Frees a node without recursing through arbitrarily deep chains of inputs.
template <class T>
void release_node(std::shared_ptr<Node<T>>&& node);

/// Throws AnomalyError if values holds a NaN or Inf (anomaly mode).
template <class T>
void check_finite(const Array<T>& values, const std::string& what);

}  // namespace detail

extern template class BackwardContext<float>;
extern template class BackwardContext<double>;
extern template class GraphBackwardContext<float>;
extern template class GraphBackwardContext<double>;
extern template class Node<float>;
extern template class Node<double>;
extern template class Tape<float>;
extern template class Tape<double>;

}  // namespace xtgrad
