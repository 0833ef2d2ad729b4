// Adagrad (Duchi et al.) with PyTorch 1.13's update, per parameter p with gradient g at step t:
//     g = g + weight_decay * p
//     s = s + g^2                         (s starts at initial_accumulator_value)
//     p = p - lr / (1 + (t - 1) lr_decay) g / (sqrt(s) + eps)
#pragma once

#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

struct AdagradOptions {
    double lr = 1e-2;
    double lr_decay = 0;
    double weight_decay = 0;
    double initial_accumulator_value = 0;
    double eps = 1e-10;

    /// Throws std::invalid_argument naming the first bad setting.
    void validate() const;
};

template <class T>
class Adagrad : public Optimizer<T> {
  public:
    Adagrad(std::vector<Tensor<T>> parameters, const AdagradOptions& options = {});
    Adagrad(std::vector<ParamGroup<T>> groups, const AdagradOptions& options = {});

    void step() override;
    const AdagradOptions& options() const { return options_; }

  private:
    AdagradOptions options_;
};

#define XTGRAD_EXTERN(T) extern template class Adagrad<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
