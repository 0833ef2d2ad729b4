// Dropout: in training mode each element is zeroed with probability p and the others scaled by
// 1 / (1 - p), the mask drawn from an explicit engine (the same seed gives the same masks); in
// evaluation mode the identity. One mul node with a constant mask, so its gradient, second
// derivative and tangent are mul's.
#pragma once

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

template <class T>
class Dropout : public Module<T> {
  public:
    /// rng must outlive the module. Throws std::invalid_argument unless 0 <= p < 1.
    Dropout(double p, RandomEngine& rng);
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;
    double p() const { return p_; }

  private:
    double p_;
    RandomEngine* rng_;
};

#define XTGRAD_EXTERN(T) extern template class Dropout<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
