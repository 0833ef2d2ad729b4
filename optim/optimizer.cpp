#include "xtgrad/optim/optimizer.hpp"

#include <set>
#include <stdexcept>
#include <string>

namespace xtgrad::optim {

namespace {

template <class T>
std::string describe(const Tensor<T>& p, std::size_t i) {
    return "parameter " + std::to_string(i) +
           (p.defined() && !p.name().empty() ? " ('" + p.name() + "')" : std::string());
}

}  // namespace

template <class T>
Optimizer<T>::Optimizer(std::vector<Tensor<T>> parameters) : parameters_(std::move(parameters)) {
    if (parameters_.empty())
        throw std::invalid_argument(
            "optimizer: the parameter list is empty (did the model register its layers?)");
    std::set<const void*> seen;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        const Tensor<T>& p = parameters_[i];
        if (!p.defined() || !p.requires_grad())
            throw std::invalid_argument("optimizer: " + describe(p, i) +
                                        " does not require a gradient");
        if (!seen.insert(p.impl_ptr().get()).second)
            throw std::invalid_argument("optimizer: " + describe(p, i) +
                                        " is listed twice: it would be updated twice per step");
    }
}

template <class T>
void Optimizer<T>::zero_grad() {
    for (auto& p : parameters_) p.zero_grad();
}

template <class T>
const Array<T>& Optimizer<T>::checked_grad(std::size_t i) const {
    const Tensor<T>& p = parameters_[i];
    const Array<T>& g = p.grad();
    if (g.shape() != p.shape())
        throw ShapeError(
            "optimizer step", g.shape(), p.shape(),
            "the gradient of " + describe(p, i) + " no longer has the parameter's shape");
    return g;
}

template <class T>
void Optimizer<T>::check_names(std::span<const std::string> names) const {
    if (names.size() != parameters_.size())
        throw std::invalid_argument("optimizer state: " + std::to_string(names.size()) +
                                    " names for " + std::to_string(parameters_.size()) +
                                    " parameters");
}

#define XTGRAD_INSTANTIATE(T) template class Optimizer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
