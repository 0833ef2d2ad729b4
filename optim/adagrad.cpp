#include "xtgrad/optim/adagrad.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "xtgrad/autograd/parallel.hpp"

namespace xtgrad::optim {

void AdagradOptions::validate() const {
    const auto check = [](bool ok, const std::string& what, double value) {
        detail::check_option(ok, "Adagrad", what, value);
    };
    check(std::isfinite(lr) && lr >= 0, "the learning rate must be finite and >= 0", lr);
    check(std::isfinite(lr_decay) && lr_decay >= 0, "lr_decay must be >= 0", lr_decay);
    check(std::isfinite(weight_decay) && weight_decay >= 0, "weight decay must be >= 0",
          weight_decay);
    check(std::isfinite(initial_accumulator_value) && initial_accumulator_value >= 0,
          "initial_accumulator_value must be >= 0", initial_accumulator_value);
    check(std::isfinite(eps) && eps >= 0, "eps must be finite and >= 0", eps);
}

template <class T>
Adagrad<T>::Adagrad(std::vector<Tensor<T>> parameters, const AdagradOptions& options)
    : Adagrad({ParamGroup<T>{std::move(parameters), std::nullopt, std::nullopt}}, options) {}

template <class T>
Adagrad<T>::Adagrad(std::vector<ParamGroup<T>> groups, const AdagradOptions& options)
    : Optimizer<T>(std::move(groups), detail::validated(options).lr, options.weight_decay),
      options_(options) {
    this->describe_state("adagrad",
                         {{"lr_decay", options.lr_decay},
                          {"initial_accumulator_value", options.initial_accumulator_value},
                          {"eps", options.eps}},
                         {"sum"});
}

template <class T>
void Adagrad<T>::step() {
    const T eps = static_cast<T>(options_.eps);
    const T initial = static_cast<T>(options_.initial_accumulator_value);
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const double lr = this->lr(this->group_of(i));
        const T wd = static_cast<T>(this->weight_decay(this->group_of(i)));
        const T* g = this->checked_grad(i).data();
        auto& state = this->prepared_state(i, initial);
        const double t = static_cast<double>(++state.steps);
        const T clr = static_cast<T>(lr / (1 + (t - 1) * options_.lr_decay));
        T* p = param.mutable_value().data();
        T* sum = state.buffers[0].data();
        const std::size_t n = param.size();
        xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const T grad = g[k] + wd * p[k];
                sum[k] += grad * grad;
                p[k] += -clr * grad / (std::sqrt(sum[k]) + eps);
            }
        });
    }
}

#define XTGRAD_INSTANTIATE(T) template class Adagrad<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
