#include "xtgrad/autograd/tensor.hpp"

#include <algorithm>

#include "xtgrad/autograd/grad.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad {

namespace detail {

template <class T>
TensorImpl<T>::~TensorImpl() {
    if (grad_fn) release_node(std::move(grad_fn));
}

}  // namespace detail

template <class T>
Tensor<T>::Tensor(Array<T> value, bool requires_grad)
    : impl_(std::make_shared<detail::TensorImpl<T>>(std::move(value), requires_grad)) {}

template <class T>
detail::TensorImpl<T>& Tensor<T>::impl() const {
    if (!impl_) throw GraphError("use of an undefined Tensor (default-constructed handle)");
    return *impl_;
}

template <class T>
const Array<T>& Tensor<T>::value() const {
    return impl().value;
}

template <class T>
Array<T>& Tensor<T>::mutable_value() {
    auto& state = impl();
    ++state.version;
    return state.value;
}

template <class T>
T Tensor<T>::item() const {
    const auto& v = value();
    if (v.size() != 1)
        throw ShapeError("item", v.shape(), "only a one-element tensor has an item()");
    return v.data()[0];
}

template <class T>
bool Tensor<T>::requires_grad() const {
    return impl().requires_grad;
}

template <class T>
Tensor<T>& Tensor<T>::set_requires_grad(bool requires_grad) {
    auto& state = impl();
    if (state.grad_fn)
        throw GraphError("set_requires_grad on the output of op '" +
                         std::string(state.grad_fn->op().name) +
                         "': only leaves can change it (use detach() for a new leaf)");
    state.requires_grad = requires_grad;
    return *this;
}

template <class T>
bool Tensor<T>::is_leaf() const {
    return impl().grad_fn == nullptr;
}

template <class T>
std::string_view Tensor<T>::op_name() const {
    const auto& state = impl();
    return state.grad_fn ? state.grad_fn->op().name : std::string_view("leaf");
}

template <class T>
const std::string& Tensor<T>::name() const {
    return impl().name;
}

template <class T>
Tensor<T>& Tensor<T>::set_name(std::string name) {
    impl().name = std::move(name);
    return *this;
}

template <class T>
std::uint64_t Tensor<T>::version() const {
    return impl().version;
}

template <class T>
bool Tensor<T>::has_grad() const {
    return impl().grad_defined;
}

namespace {

/// The gradient storage of a leaf that requires one (GraphError otherwise), allocated and
/// zeroed if it holds no accumulated gradient. Does not mark the gradient defined.
template <class T>
Array<T>& leaf_grad_storage(detail::TensorImpl<T>& state) {
    if (!state.requires_grad)
        throw GraphError("grad() of a tensor that does not require a gradient" +
                         (state.name.empty() ? std::string() : " ('" + state.name + "')"));
    if (state.grad_fn)
        throw GraphError("grad() of an intermediate (output of op '" +
                         std::string(state.grad_fn->op().name) +
                         "'): intermediate gradients are freed during backward; make the tensor "
                         "a leaf (detach().set_requires_grad(true)) to inspect its gradient");
    if (!state.grad_defined) {
        if (!state.grad || state.grad->shape() != state.value.shape())
            state.grad = empty_array<T>(state.value.shape());
        std::fill(state.grad->begin(), state.grad->end(), T(0));
    }
    return *state.grad;
}

}  // namespace

template <class T>
const Array<T>& Tensor<T>::grad() const {
    // Reading zeros changes nothing observable: has_grad() stays false, so an optimizer still
    // skips a parameter that received no gradient.
    return leaf_grad_storage(impl());
}

template <class T>
Array<T>& Tensor<T>::mutable_grad() {
    auto& state = impl();
    Array<T>& grad = leaf_grad_storage(state);
    state.grad_defined = true;
    state.grad_graph.reset();  // the caller may change grad
    return grad;
}

template <class T>
void Tensor<T>::zero_grad() {
    auto& state = impl();
    state.grad_defined = false;
    state.grad_graph.reset();
}

template <class T>
Tensor<T> Tensor<T>::grad_tensor() const {
    const auto& state = impl();
    if (state.grad_graph && state.grad_defined) return Tensor(state.grad_graph);
    return Tensor(Array<T>(grad()));
}

template <class T>
void Tensor<T>::backward(BackwardOptions options) const {
    const auto& v = value();
    if (v.size() != 1)
        throw GraphError("backward() without a seed needs a one-element tensor, got shape " +
                         to_string(v.shape()) + "; pass the gradient of this tensor as the seed");
    Array<T> seed = empty_array<T>(v.shape());
    seed.data()[0] = T(1);
    backward_with_seed(std::move(seed), options);
}

template <class T>
void Tensor<T>::backward_with_seed(Array<T> seed, BackwardOptions options) const {
    if (seed.shape() != shape())
        throw ShapeError("backward", seed.shape(), shape(),
                         "the seed gradient must have the tensor's shape");
    if (options.create_graph) {
        detail::backward_creating_graph(*this, Tensor(std::move(seed)),
                                        options.retain_graph.value_or(true));
        return;
    }
    Tape<T>::current().backward(impl(), std::move(seed), options.retain_graph.value_or(false));
}

template <class T>
Tensor<T> Tensor<T>::detach() const {
    return Tensor(Array<T>(value()), false);
}

template struct detail::TensorImpl<float>;
template struct detail::TensorImpl<double>;
template class Tensor<float>;
template class Tensor<double>;

}  // namespace xtgrad
