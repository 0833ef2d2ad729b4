// Optimizer: updates a fixed list of parameters from their accumulated gradients.
#pragma once

#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::optim {

template <class T>
class Optimizer {
  public:
    /// Throws std::invalid_argument for an empty list or a tensor that does not require a
    /// gradient (it could never be updated).
    explicit Optimizer(std::vector<Tensor<T>> parameters);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One update of every parameter that has a gradient; parameters without one are skipped.
    virtual void step() = 0;
    void zero_grad();
    const std::vector<Tensor<T>>& parameters() const { return parameters_; }

  protected:
    std::vector<Tensor<T>> parameters_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace xtgrad::optim
