#include "xtgrad/optim/rmsprop.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "xtgrad/autograd/parallel.hpp"

namespace xtgrad::optim {

void RMSpropOptions::validate() const {
    const auto check = [](bool ok, const std::string& what, double value) {
        detail::check_option(ok, "RMSprop", what, value);
    };
    check(std::isfinite(lr) && lr >= 0, "the learning rate must be finite and >= 0", lr);
    check(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1]", alpha);
    check(std::isfinite(eps) && eps >= 0, "eps must be finite and >= 0", eps);
    check(std::isfinite(weight_decay) && weight_decay >= 0, "weight decay must be >= 0",
          weight_decay);
    check(std::isfinite(momentum) && momentum >= 0, "momentum must be >= 0", momentum);
}

template <class T>
RMSprop<T>::RMSprop(std::vector<Tensor<T>> parameters, const RMSpropOptions& options)
    : RMSprop({ParamGroup<T>{std::move(parameters), std::nullopt, std::nullopt}}, options) {}

template <class T>
RMSprop<T>::RMSprop(std::vector<ParamGroup<T>> groups, const RMSpropOptions& options)
    : Optimizer<T>(std::move(groups), detail::validated(options).lr, options.weight_decay),
      options_(options) {
    std::vector<std::string> buffers{"square_avg"};
    if (options.momentum > 0) buffers.push_back("momentum_buffer");
    if (options.centered) buffers.push_back("grad_avg");
    this->describe_state("rmsprop",
                         {{"alpha", options.alpha},
                          {"eps", options.eps},
                          {"momentum", options.momentum},
                          {"centered", options.centered ? 1.0 : 0.0}},
                         std::move(buffers));
}

namespace {

/// One parameter's update; the variant is a template argument so that the loop vectorises.
template <bool Centered, bool Momentum, class T>
void rmsprop_update(std::size_t n, T* p, const T* g, T* square_avg, T* buffer, T* grad_avg, T lr,
                    T wd, T alpha, T eps, T momentum) {
    xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
            const T grad = g[k] + wd * p[k];
            square_avg[k] = square_avg[k] * alpha + (T(1) - alpha) * grad * grad;
            T avg;
            if constexpr (Centered) {
                grad_avg[k] = grad_avg[k] * alpha + grad * (T(1) - alpha);
                avg = std::sqrt(square_avg[k] + T(-1) * grad_avg[k] * grad_avg[k]) + eps;
            } else {
                avg = std::sqrt(square_avg[k]) + eps;
            }
            if constexpr (Momentum) {
                buffer[k] = buffer[k] * momentum + grad / avg;
                p[k] += -lr * buffer[k];
            } else {
                p[k] += -lr * grad / avg;
            }
        }
    });
}

}  // namespace

template <class T>
void RMSprop<T>::step() {
    const T alpha = static_cast<T>(options_.alpha);
    const T eps = static_cast<T>(options_.eps);
    const T momentum = static_cast<T>(options_.momentum);
    const bool with_momentum = options_.momentum > 0;
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const T lr = static_cast<T>(this->lr(this->group_of(i)));
        const T wd = static_cast<T>(this->weight_decay(this->group_of(i)));
        const T* g = this->checked_grad(i).data();
        auto& state = this->prepared_state(i);
        ++state.steps;
        T* p = param.mutable_value().data();
        T* square_avg = state.buffers[0].data();
        T* buffer = with_momentum ? state.buffers[1].data() : nullptr;
        T* grad_avg = options_.centered ? state.buffers.back().data() : nullptr;
        const auto update = [&]<bool C, bool M>() {
            rmsprop_update<C, M>(param.size(), p, g, square_avg, buffer, grad_avg, lr, wd, alpha,
                                 eps, momentum);
        };
        if (options_.centered)
            with_momentum ? update.template operator()<true, true>()
                          : update.template operator()<true, false>();
        else
            with_momentum ? update.template operator()<false, true>()
                          : update.template operator()<false, false>();
    }
}

#define XTGRAD_INSTANTIATE(T) template class RMSprop<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
