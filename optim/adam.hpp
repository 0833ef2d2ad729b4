// Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter, decoupled weight decay) with PyTorch 1.13's
// update, per parameter p with gradient g at its step t:
//     g = g + weight_decay * p                (Adam)   |   p = p (1 - lr weight_decay)  (AdamW)
//     m = beta1 m + (1 - beta1) g
//     v = beta2 v + (1 - beta2) g^2
//     v_max = max(v_max, v)                   (amsgrad; the denominator then uses v_max)
//     p = p - lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// One pass over parameter, gradient and buffers per step.
#pragma once

#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

/// optim::Adam<float> adam(model->parameters(), {.lr = 1e-3});
struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0;
    bool amsgrad = false;

    /// Throws std::invalid_argument naming the first bad setting (betas in [0, 1), eps >= 0).
    void validate(const char* optimizer) const;
};

template <class T>
class Adam : public Optimizer<T> {
  public:
    Adam(std::vector<Tensor<T>> parameters, const AdamOptions& options = {});
    Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& options = {});

    void step() override;
    const AdamOptions& options() const { return options_; }
    /// Parameter i's steps so far (its bias correction uses them).
    std::uint64_t steps(std::size_t i) const { return this->state(i).steps; }

  protected:
    struct Decoupled {};
    Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& options, Decoupled);

  private:
    AdamOptions options_;
    bool decoupled_ = false;
};

/// AdamW's options: Adam's, with PyTorch's default weight decay for AdamW.
struct AdamWOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 1e-2;
    bool amsgrad = false;

    AdamOptions as_adam() const { return {lr, beta1, beta2, eps, weight_decay, amsgrad}; }
};

/// Adam with decoupled weight decay: p shrinks by lr * weight_decay before the Adam step.
template <class T>
class AdamW : public Adam<T> {
  public:
    AdamW(std::vector<Tensor<T>> parameters, const AdamWOptions& options = {});
    AdamW(std::vector<ParamGroup<T>> groups, const AdamWOptions& options = {});
};

#define XTGRAD_EXTERN(T)           \
    extern template class Adam<T>; \
    extern template class AdamW<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
