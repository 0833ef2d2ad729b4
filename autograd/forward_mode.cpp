#include "xtgrad/autograd/forward_mode.hpp"

#include <algorithm>

namespace xtgrad {

namespace {
thread_local bool t_tangent_rule_running = false;
}  // namespace

template <class T>
Tensor<T> make_dual(const Tensor<T>& primal, const Tensor<T>& tangent) {
    if (tangent.shape() != primal.shape())
        throw ShapeError("make_dual", primal.shape(), tangent.shape(),
                         "the tangent must have the primal's shape");
    Tensor<T> dual(Array<T>(primal.value()));
    dual.impl().tangent = std::make_shared<detail::TensorImpl<T>>(Array<T>(tangent.value()), false);
    return dual;
}

template <class T>
Tensor<T> TangentContext<T>::tangent(std::size_t i) const {
    return Tensor<T>(inputs_.at(i).impl().tangent);
}

template <class T>
Tensor<T> TangentContext<T>::tangent_or_zeros(std::size_t i) const {
    if (has_tangent(i)) return tangent(i);
    Array<T> zeros = empty_array<T>(inputs_.at(i).shape());
    std::fill(zeros.begin(), zeros.end(), T(0));
    return Tensor<T>(std::move(zeros));
}

namespace detail {

bool tangent_rule_running() {
    return t_tangent_rule_running;
}

TangentRuleScope::TangentRuleScope(bool running) : previous_(t_tangent_rule_running) {
    t_tangent_rule_running = running;
}
TangentRuleScope::~TangentRuleScope() {
    t_tangent_rule_running = previous_;
}

template <class T>
void set_tangent(const OpInfo& op, Tensor<T>& output, const Tensor<T>& tangent) {
    if (tangent.shape() != output.shape())
        throw ShapeError(std::string(op.name) + " tangent rule", tangent.shape(), output.shape(),
                         "the tangent must have the output's shape");
    output.impl().tangent = tangent.impl_ptr();
}

template <class T>
DualInputs<T>::DualInputs(const std::vector<Tensor<T>>& inputs,
                          const std::vector<Tensor<T>>& tangents) {
    if (tangents.size() != inputs.size())
        throw GraphError("forward mode: " + std::to_string(tangents.size()) + " tangents for " +
                         std::to_string(inputs.size()) + " inputs");
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        auto* impl = &inputs[k].impl();
        const bool repeated = std::any_of(saved_.begin(), saved_.end(),
                                          [impl](const auto& s) { return s.first == impl; });
        if (repeated) {
            duals_.push_back(make_dual(inputs[k], tangents[k]));
            continue;
        }
        if (tangents[k].shape() != inputs[k].shape())
            throw ShapeError("forward mode", inputs[k].shape(), tangents[k].shape(),
                             "tangent " + std::to_string(k) + " must have its input's shape");
        saved_.emplace_back(impl, impl->tangent);
        impl->tangent = tangents[k].impl_ptr();
        duals_.push_back(inputs[k]);
    }
}

template <class T>
DualInputs<T>::~DualInputs() {
    for (auto& [impl, tangent] : saved_) impl->tangent = std::move(tangent);
}

void throw_no_tangent_rule(const OpInfo& op) {
    throw GraphError("forward mode: op '" + std::string(op.name) +
                     "' has no tangent rule, so a tangent cannot pass through it (record it "
                     "with one: custom_op.hpp)");
}

}  // namespace detail

#define XTGRAD_INSTANTIATE(T)                                                       \
    template Tensor<T> make_dual(const Tensor<T>&, const Tensor<T>&);               \
    template class TangentContext<T>;                                               \
    template void detail::set_tangent(const OpInfo&, Tensor<T>&, const Tensor<T>&); \
    template class detail::DualInputs<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
