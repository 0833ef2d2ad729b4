#include "xtgrad/optim/optimizer.hpp"

#include <stdexcept>
#include <string>

namespace xtgrad::optim {

template <class T>
Optimizer<T>::Optimizer(std::vector<Tensor<T>> parameters) : parameters_(std::move(parameters)) {
    if (parameters_.empty())
        throw std::invalid_argument(
            "optimizer: the parameter list is empty (did the model register its layers?)");
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (!parameters_[i].defined() || !parameters_[i].requires_grad())
            throw std::invalid_argument("optimizer: parameter " + std::to_string(i) +
                                        (parameters_[i].defined() && !parameters_[i].name().empty()
                                             ? " ('" + parameters_[i].name() + "')"
                                             : std::string()) +
                                        " does not require a gradient");
    }
}

template <class T>
void Optimizer<T>::zero_grad() {
    for (auto& p : parameters_) p.zero_grad();
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace xtgrad::optim
