// Stochastic gradient descent with PyTorch's semantics, per parameter p with gradient g:
//     d = g + weight_decay * p
//     v = d                                   on the first step (no dampening applied)
//     v = momentum * v + (1 - dampening) * d  afterwards
//     d = d + momentum * v  (nesterov)  or  d = v  (otherwise);  d = g' when momentum == 0
//     p = p - lr * d
// With dampening 0 this is the reference lab's update v = momentum v + (g + wd p); p -= lr v
// (biases included). One fused pass per parameter.
#pragma once

#include <optional>
#include <stdexcept>

#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

struct SGDOptions {
    explicit SGDOptions(double learning_rate) : lr(learning_rate) {}
    SGDOptions& momentum(double value) {
        momentum_ = value;
        return *this;
    }
    SGDOptions& dampening(double value) {
        dampening_ = value;
        return *this;
    }
    SGDOptions& weight_decay(double value) {
        weight_decay_ = value;
        return *this;
    }
    SGDOptions& nesterov(bool value) {
        nesterov_ = value;
        return *this;
    }
    /// Throws std::invalid_argument naming the first bad setting.
    void validate() const;

    double lr;
    double momentum_ = 0;
    double dampening_ = 0;
    double weight_decay_ = 0;
    bool nesterov_ = false;
};

template <class T>
class SGD : public Optimizer<T> {
  public:
    SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options);

    void step() override;

    const SGDOptions& options() const { return options_; }
    /// The learning rate may change between steps (schedules).
    void set_lr(double lr);

    /// Momentum buffer of parameter i; empty before its first step (checkpoints save it).
    const std::optional<Array<T>>& velocity(std::size_t i) const { return velocities_.at(i); }
    /// Restores a momentum buffer; throws ShapeError unless it has the parameter's shape.
    void set_velocity(std::size_t i, std::optional<Array<T>> velocity);

  private:
    SGDOptions options_;
    std::vector<std::optional<Array<T>>> velocities_;
};

extern template class SGD<float>;
extern template class SGD<double>;

}  // namespace xtgrad::optim
