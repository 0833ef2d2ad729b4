// Tensor: a shared handle to a concrete array, its gradient, and the op that produced it.
//
// Gradient semantics (each one is tested in tests/autograd/test_tape_semantics.cpp):
// - A leaf is a tensor no recorded op produced. A leaf with requires_grad (a parameter) keeps
//   accumulating into grad() over any number of backward() calls until zero_grad().
// - A tensor produced by a recorded op is an intermediate. Its gradient exists only while
//   backward() runs: it is freed as soon as its producer has used it, so nothing of one
//   backward leaks into the next, and grad() on an intermediate throws.
// - backward() walks this thread's tape once, in reverse creation order, and releases what each
//   op saved for its gradient right after using it. A second backward through the same ops then
//   throws, unless the first one passed BackwardOptions{.retain_graph = true}.
// - Recording happens only while gradients are enabled (see NoGradGuard in tape.hpp) and some
//   input requires a gradient; otherwise an op is a plain computation and the tape never sees it.
// - mutable_value() bumps the tensor's version; a backward through an op that recorded an older
//   version throws instead of silently using the modified value.
// - With create_graph the backward is itself recorded (see grad.hpp): the gradients it produces
//   are tensors with graphs, differentiable again to any order.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad {

template <class T>
class Node;

namespace detail {

template <class T>
struct TensorImpl : std::enable_shared_from_this<TensorImpl<T>> {
    TensorImpl(Array<T> v, bool needs_grad) : value(std::move(v)), requires_grad(needs_grad) {}
    TensorImpl(const TensorImpl&) = delete;
    TensorImpl& operator=(const TensorImpl&) = delete;
    ~TensorImpl();  // releases its producer without recursing through deep graphs

    Array<T> value;
    // Storage, allocated on first use (an empty xarray would already allocate); meaningful only
    // while grad_defined, and kept for reuse after zeroing.
    std::optional<Array<T>> grad;
    bool grad_defined = false;
    bool requires_grad = false;
    std::uint64_t version = 0;
    std::shared_ptr<Node<T>> grad_fn;  // the recorded op that produced value; null for a leaf
    // A leaf's accumulated gradient as a differentiable tensor, set by a create_graph backward
    // and dropped by anything else that changes grad (its value always equals grad then).
    std::shared_ptr<TensorImpl> grad_graph;
    // Forward mode: the tangent this value carries (forward_mode.hpp); null means zero.
    std::shared_ptr<TensorImpl> tangent;
    std::string name;
};

}  // namespace detail

struct BackwardOptions {
    /// Keep what the ops saved, so the graph can be walked again. Unset: as create_graph.
    std::optional<bool> retain_graph = std::nullopt;
    /// Record the backward itself, so that the gradients can be differentiated again.
    bool create_graph = false;
};

template <class T>
class Tensor {
  public:
    using value_type = T;

    /// An undefined handle; most calls on it throw.
    Tensor() = default;
    explicit Tensor(Array<T> value, bool requires_grad = false);
    explicit Tensor(std::shared_ptr<detail::TensorImpl<T>> impl) : impl_(std::move(impl)) {}

    /// A leaf that requires a gradient.
    static Tensor parameter(Array<T> value) { return Tensor(std::move(value), true); }

    bool defined() const { return impl_ != nullptr; }

    const Array<T>& value() const;
    /// For in-place writes (optimizers, initialisers). Bumps the version, so a recorded op that
    /// saved the old value refuses to run its backward.
    Array<T>& mutable_value();
    const Shape& shape() const { return value().shape(); }
    std::size_t dimension() const { return value().dimension(); }
    std::size_t size() const { return value().size(); }
    /// The value of a one-element tensor.
    T item() const;

    bool requires_grad() const;
    /// Only on leaves: an intermediate's requirement follows from its inputs.
    Tensor& set_requires_grad(bool requires_grad);
    bool is_leaf() const;
    /// Name of the op that produced this tensor, or "leaf".
    std::string_view op_name() const;
    const std::string& name() const;
    Tensor& set_name(std::string name);
    std::uint64_t version() const;

    /// Whether a gradient has been accumulated since the last zero_grad().
    bool has_grad() const;
    /// The accumulated gradient of a leaf that requires one: zeros until something accumulates.
    const Array<T>& grad() const;
    /// Mutable access for gradient post-processing (clipping, tests); marks it defined.
    Array<T>& mutable_grad();
    /// Forget the accumulated gradient (its storage is kept and reused by the next backward).
    void zero_grad();
    /// The accumulated gradient as a tensor: after a create_graph backward a differentiable one
    /// (its graph leads back to what the gradient depends on), otherwise a constant copy.
    Tensor grad_tensor() const;

    /// Backward from a one-element tensor (seeded with 1).
    void backward(BackwardOptions options = {}) const;
    /// Backward with an explicit seed gradient of this tensor's shape (an Array or an xtensor
    /// expression). A template so that no braced list deduces a seed: with a plain Array
    /// parameter GCC 12 finds backward({.retain_graph = true}) ambiguous.
    template <class Seed>
    requires std::convertible_to<const Seed&, Array<T>>
    void backward(const Seed& seed, BackwardOptions options = {}) const {
        backward_with_seed(Array<T>(seed), options);
    }
    /// The same, taking the seed's storage rather than copying it (backward(std::move(seed))).
    template <class Seed>
    requires std::same_as<Seed, Array<T>>
    void backward(Seed&& seed, BackwardOptions options = {}) const {
        backward_with_seed(std::move(seed), options);
    }

    /// A new leaf holding a copy of the value, outside any graph.
    Tensor detach() const;

    detail::TensorImpl<T>& impl() const;
    const std::shared_ptr<detail::TensorImpl<T>>& impl_ptr() const { return impl_; }

  private:
    void backward_with_seed(Array<T> seed, BackwardOptions options) const;

    std::shared_ptr<detail::TensorImpl<T>> impl_;
};

using Tensorf = Tensor<float>;
using Tensord = Tensor<double>;

extern template class Tensor<float>;
extern template class Tensor<double>;
extern template struct detail::TensorImpl<float>;
extern template struct detail::TensorImpl<double>;

}  // namespace xtgrad
