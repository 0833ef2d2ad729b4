// Forward mode: tangents carried alongside values (dual numbers over arrays).
//
//     Tensord x = make_dual(x0, v);          // x0's value with tangent v
//     Tensord y = f(x);                      // every op also computes y's tangent J v
//     Tensord jv = tangent_of(y);
//
// Each op carries a tangent rule (record_op's last closure, see custom_op.hpp); the rules are
// checked against finite differences and against the reverse mode for every op in the registry
// (tests/autograd/test_tangents.cpp). A jvp then costs about one extra forward pass. Tangents
// are constants: they are not recorded on the tape (reverse-over-forward is not supported; hvp
// uses reverse-over-reverse, functional.hpp). An op without a tangent rule (a user op recorded
// without one, the lab's faithful ops) throws GraphError naming it when it meets a tangent.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "xtgrad/autograd/op_info.hpp"
#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad {

namespace detail {
/// True while a tangent rule runs on this thread.
bool tangent_rule_running();
}  // namespace detail

/// A new constant tensor holding primal's value with the given tangent (same shape).
template <class T>
Tensor<T> make_dual(const Tensor<T>& primal, const Tensor<T>& tangent);

/// The tangent x carries: undefined when it carries none (a zero tangent).
template <class T>
Tensor<T> tangent_of(const Tensor<T>& x) {
    const auto& impl = x.impl();
    return impl.tangent ? Tensor<T>(impl.tangent) : Tensor<T>();
}

/// Whether forward mode is live for these inputs (some carries a tangent, and no tangent rule is
/// running on this thread: rules compute with plain ops).
template <class T>
bool has_tangent(std::initializer_list<Tensor<T>> inputs) {
    if (detail::tangent_rule_running()) return false;
    for (const auto& input : inputs)
        if (input.impl().tangent) return true;
    return false;
}

/// What a tangent rule sees: the op's inputs, their tangents and its output.
template <class T>
class TangentContext {
  public:
    TangentContext(std::initializer_list<Tensor<T>> inputs, const Tensor<T>& output)
        : inputs_(inputs), output_(output) {}

    const Tensor<T>& input(std::size_t i) const { return inputs_.at(i); }
    const Tensor<T>& output() const { return output_; }
    std::size_t input_count() const { return inputs_.size(); }
    bool has_tangent(std::size_t i) const { return inputs_.at(i).impl().tangent != nullptr; }
    /// Input i's tangent (call has_tangent first: a missing one is zero).
    Tensor<T> tangent(std::size_t i) const;
    /// Input i's tangent, or zeros of its shape.
    Tensor<T> tangent_or_zeros(std::size_t i) const;

  private:
    std::vector<Tensor<T>> inputs_;
    Tensor<T> output_;
};

namespace detail {

/// Sets recording off and forward mode off (running) for a tangent rule's scope, or forward
/// mode back on (not running) for a rule that computes through other ops' rules.
class TangentRuleScope {
  public:
    explicit TangentRuleScope(bool running = true);
    ~TangentRuleScope();
    TangentRuleScope(const TangentRuleScope&) = delete;
    TangentRuleScope& operator=(const TangentRuleScope&) = delete;

  private:
    bool previous_;
    NoGradGuard no_grad_;
};

/// Throws GraphError unless tangent (the rule's result for op) has output's shape.
template <class T>
void set_tangent(const OpInfo& op, Tensor<T>& output, const Tensor<T>& tangent);

/// Runs rule (TangentContext -> Tensor) and attaches its result to output as its tangent.
template <class T, class Rule>
void attach_tangent(const OpInfo& op, Tensor<T>& output, std::initializer_list<Tensor<T>> inputs,
                    Rule&& rule) {
    TangentRuleScope scope(true);
    const TangentContext<T> context(inputs, output);
    const Tensor<T> tangent = rule(context);
    set_tangent(op, output, tangent);
}

[[noreturn]] void throw_no_tangent_rule(const OpInfo& op);

/// The inputs as duals for the transforms (jvp, forward-mode jacobian): each input's own tensor
/// carries its tangent for the scope's life, without copying either (make_dual copies); an input
/// listed twice gets a copy for its second place. Puts back what the tensors carried before.
template <class T>
class DualInputs {
  public:
    DualInputs(const std::vector<Tensor<T>>& inputs, const std::vector<Tensor<T>>& tangents);
    ~DualInputs();
    DualInputs(const DualInputs&) = delete;
    DualInputs& operator=(const DualInputs&) = delete;
    const std::vector<Tensor<T>>& duals() const { return duals_; }

  private:
    std::vector<Tensor<T>> duals_;
    std::vector<std::pair<TensorImpl<T>*, std::shared_ptr<TensorImpl<T>>>> saved_;
};

}  // namespace detail

#define XTGRAD_EXTERN(T)                                                                   \
    extern template Tensor<T> make_dual(const Tensor<T>&, const Tensor<T>&);               \
    extern template class TangentContext<T>;                                               \
    extern template void detail::set_tangent(const OpInfo&, Tensor<T>&, const Tensor<T>&); \
    extern template class detail::DualInputs<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad
