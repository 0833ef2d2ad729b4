#include "xtgrad/nn/sequential.hpp"

#include <stdexcept>

#include "xtgrad/nn/linear.hpp"

namespace xtgrad::nn {

template <class T>
Sequential<T>& Sequential<T>::add(std::string name, typename Module<T>::Ptr module) {
    this->register_module(std::move(name), std::move(module));
    return *this;
}

template <class T>
Tensor<T> Sequential<T>::forward(const Tensor<T>& x) {
    Tensor<T> h = x;
    for (const auto& [name, module] : this->children()) h = module->forward(h);
    return h;
}

template <class T>
std::string Sequential<T>::describe() const {
    std::string text = "Sequential(";
    for (std::size_t i = 0; i < this->children().size(); ++i) {
        const auto& [name, module] = this->children()[i];
        text += (i ? ", " : "") + name + ": " + module->describe();
    }
    return text + ")";
}

template <class T>
ModuleHolder<Sequential<T>> make_mlp(const MlpOptions& options, RandomEngine& rng) {
    if (options.sizes.size() < 2)
        throw std::invalid_argument("make_mlp: needs at least an input and an output size");
    for (std::size_t size : options.sizes)
        if (size == 0) throw std::invalid_argument("make_mlp: layer sizes must be positive");
    auto mlp = std::make_shared<Sequential<T>>();
    const std::size_t layers = options.sizes.size() - 1;
    for (std::size_t i = 0; i < layers; ++i) {
        const LinearOptions linear{.in_features = options.sizes[i],
                                   .out_features = options.sizes[i + 1],
                                   .init = options.init};
        mlp->add("fc" + std::to_string(i + 1), std::make_shared<Linear<T>>(linear, rng));
        if (i + 1 < layers)
            mlp->add("act" + std::to_string(i + 1), make_activation<T>(options.activation));
    }
    return mlp;
}

#define XTGRAD_INSTANTIATE(T)     \
    template class Sequential<T>; \
    template ModuleHolder<Sequential<T>> make_mlp(const MlpOptions&, RandomEngine&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
