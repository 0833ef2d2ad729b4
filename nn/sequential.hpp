// Sequential containers and the MLP builder.
#pragma once

#include <vector>

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/nn/activations.hpp"
#include "xtgrad/nn/init.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// Applies its submodules in order.
template <class T>
class Sequential : public Module<T> {
  public:
    /// Appends module under name (its parameters become "name.weight", ...).
    Sequential& add(std::string name, typename Module<T>::Ptr module);
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;
    std::size_t size() const { return this->children().size(); }
    Module<T>& operator[](std::size_t i) { return *this->children().at(i).second; }
};

struct MlpOptions {
    std::vector<std::size_t> sizes;  // input, hidden..., output: {784, 128, 10}
    Activation activation = Activation::relu;
    Init init = Init::normal(0.01);
};

/// fc1, act1, fc2, act2, ..., fcL: a Linear per consecutive pair of sizes, the activation
/// between them (none after the last). Weights are drawn from rng layer by layer.
template <class T>
ModuleHolder<Sequential<T>> make_mlp(const MlpOptions& options, RandomEngine& rng);

#define XTGRAD_EXTERN(T)                 \
    extern template class Sequential<T>; \
    extern template ModuleHolder<Sequential<T>> make_mlp(const MlpOptions&, RandomEngine&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
