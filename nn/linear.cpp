#include "xtgrad/nn/linear.hpp"

#include <stdexcept>

#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/fused_ops.hpp"

namespace xtgrad::nn {

template <class T>
Linear<T>::Linear(const LinearOptions& options, RandomEngine& rng) : options_(options) {
    if (options.in_features == 0 || options.out_features == 0)
        throw std::invalid_argument("Linear(" + std::to_string(options.in_features) + ", " +
                                    std::to_string(options.out_features) +
                                    "): sizes must be positive");
    Array<T> w = empty_array<T>({options.in_features, options.out_features});
    initialize(w, options.init, rng);
    weight_ = &this->register_parameter("weight", Tensor<T>(std::move(w)));
    if (options.bias)
        bias_ = &this->register_parameter("bias", Tensor<T>(xt::zeros<T>({options.out_features})));
}

template <class T>
Tensor<T> Linear<T>::forward(const Tensor<T>& x) {
    return !composed_enabled() ? fused::linear(x, *weight_, *bias_)
                               : composed::linear(x, *weight_, *bias_);
}

template <class T>
std::string Linear<T>::describe() const {
    return "Linear(" + std::to_string(options_.in_features) + ", " +
           std::to_string(options_.out_features) + (options_.bias ? ")" : ", bias=false)");
}

#define XTGRAD_INSTANTIATE(T) template class Linear<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
