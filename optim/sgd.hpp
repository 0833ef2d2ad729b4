// Stochastic gradient descent with PyTorch's semantics, per parameter p with gradient g:
//     d = g + weight_decay * p
//     v = d                                   on the first step (no dampening applied)
//     v = momentum * v + (1 - dampening) * d  afterwards
//     d = d + momentum * v  (nesterov)  or  d = v  (otherwise);  d = g' when momentum == 0
//     p = p - lr * d
// With dampening 0 this is the reference lab's update v = momentum v + (g + wd p); p -= lr v
// (biases included). One fused pass per parameter.
#pragma once

#include <limits>
#include <optional>

#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

/// optim::SGD<float> sgd(model->parameters(), {.lr = 0.1, .momentum = 0.9});
/// lr and weight_decay are the defaults of parameter groups that set none.
struct SGDOptions {
    double lr = std::numeric_limits<double>::quiet_NaN();  // required, as in PyTorch
    double momentum = 0;
    double dampening = 0;
    double weight_decay = 0;
    bool nesterov = false;

    /// Throws std::invalid_argument naming the first bad setting.
    void validate() const;
    bool operator==(const SGDOptions&) const = default;
};

template <class T>
class SGD : public Optimizer<T> {
  public:
    SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options);
    SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& options);

    void step() override;

    /// As given (the groups' learning rates and weight decays are lr() and weight_decay()).
    const SGDOptions& options() const { return options_; }
    /// Momentum buffer of parameter i; empty before its first step (checkpoints save it).
    std::optional<Array<T>> velocity(std::size_t i) const;
    /// Sets a momentum buffer; throws ShapeError unless it has the parameter's shape.
    void set_velocity(std::size_t i, std::optional<Array<T>> velocity);

  private:
    void describe();
    SGDOptions options_;
};

#define XTGRAD_EXTERN(T) extern template class SGD<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
