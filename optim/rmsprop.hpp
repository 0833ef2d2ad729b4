// RMSprop (Hinton) with PyTorch 1.13's update, per parameter p with gradient g:
//     g = g + weight_decay * p
//     s = alpha s + (1 - alpha) g^2
//     a = sqrt(s - gbar^2) + eps, gbar = alpha gbar + (1 - alpha) g   (centered)
//     a = sqrt(s) + eps                                                (otherwise)
//     b = momentum b + g / a; p = p - lr b   (momentum > 0)   |   p = p - lr g / a
#pragma once

#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

struct RMSpropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0;
    double momentum = 0;
    bool centered = false;

    /// Throws std::invalid_argument naming the first bad setting.
    void validate() const;
};

template <class T>
class RMSprop : public Optimizer<T> {
  public:
    RMSprop(std::vector<Tensor<T>> parameters, const RMSpropOptions& options = {});
    RMSprop(std::vector<ParamGroup<T>> groups, const RMSpropOptions& options = {});

    void step() override;
    const RMSpropOptions& options() const { return options_; }

  private:
    RMSpropOptions options_;
};

#define XTGRAD_EXTERN(T) extern template class RMSprop<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
