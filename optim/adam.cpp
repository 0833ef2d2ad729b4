#include "xtgrad/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "xtgrad/autograd/parallel.hpp"

namespace xtgrad::optim {

void AdamOptions::validate(const char* optimizer) const {
    const auto check = [optimizer](bool ok, const std::string& what, double value) {
        detail::check_option(ok, optimizer, what, value);
    };
    check(std::isfinite(lr) && lr >= 0, "the learning rate must be finite and >= 0", lr);
    check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)", beta1);
    check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)", beta2);
    check(std::isfinite(eps) && eps >= 0, "eps must be finite and >= 0", eps);
    check(std::isfinite(weight_decay) && weight_decay >= 0, "weight decay must be >= 0",
          weight_decay);
}

namespace {
const AdamOptions& validated(const AdamOptions& options, const char* optimizer) {
    options.validate(optimizer);
    return options;
}

std::vector<std::pair<std::string, double>> named(const AdamOptions& o) {
    return {
        {"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps}, {"amsgrad", o.amsgrad ? 1.0 : 0.0}};
}

std::vector<std::string> buffer_names(bool amsgrad) {
    if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    return {"exp_avg", "exp_avg_sq"};
}
}  // namespace

template <class T>
Adam<T>::Adam(std::vector<Tensor<T>> parameters, const AdamOptions& options)
    : Adam({ParamGroup<T>{std::move(parameters), std::nullopt, std::nullopt}}, options) {}

template <class T>
Adam<T>::Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& options)
    : Optimizer<T>(std::move(groups), validated(options, "Adam").lr, options.weight_decay),
      options_(options) {
    this->describe_state("adam", named(options), buffer_names(options.amsgrad));
}

template <class T>
Adam<T>::Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& options, Decoupled)
    : Optimizer<T>(std::move(groups), validated(options, "AdamW").lr, options.weight_decay),
      options_(options),
      decoupled_(true) {
    this->describe_state("adamw", named(options), buffer_names(options.amsgrad));
}

namespace {

/// One parameter's update; the variant is a template argument so that the loop has no branch
/// and vectorises.
template <bool Decoupled, bool Amsgrad, class T>
void adam_update(std::size_t n, T* p, const T* g, T* m, T* v, T* v_max, T beta1, T beta2, T eps,
                 T wd, T shrink, T step_size, T inverse_correction2_sqrt) {
    xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
            T grad = g[k];
            if constexpr (Decoupled)
                p[k] *= shrink;
            else
                grad += wd * p[k];
            m[k] = m[k] * beta1 + grad * (T(1) - beta1);
            v[k] = v[k] * beta2 + (T(1) - beta2) * grad * grad;
            T second = v[k];
            if constexpr (Amsgrad) second = v_max[k] = std::max(v_max[k], v[k]);
            // PyTorch divides by sqrt(1 - beta2^t); a multiplication by its inverse is one division
            // fewer per element and differs by an ulp (the reference tests allow 1e-12).
            p[k] += -step_size * m[k] / (std::sqrt(second) * inverse_correction2_sqrt + eps);
        }
    });
}

}  // namespace

template <class T>
void Adam<T>::step() {
    const T beta1 = static_cast<T>(options_.beta1);
    const T beta2 = static_cast<T>(options_.beta2);
    const T eps = static_cast<T>(options_.eps);
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const double lr = this->lr(this->group_of(i));
        const double wd = this->weight_decay(this->group_of(i));
        const T* g = this->checked_grad(i).data();
        auto& state = this->prepared_state(i);
        const double t = static_cast<double>(++state.steps);
        // As PyTorch: the corrections in double (Python floats), then one scalar of type T each.
        const T step_size = static_cast<T>(lr / (1 - std::pow(options_.beta1, t)));
        const T inverse_correction2_sqrt =
            static_cast<T>(1 / std::sqrt(1 - std::pow(options_.beta2, t)));
        const T shrink = static_cast<T>(1 - lr * wd);
        T* p = param.mutable_value().data();
        T* m = state.buffers[0].data();
        T* v = state.buffers[1].data();
        T* v_max = options_.amsgrad ? state.buffers[2].data() : nullptr;
        const auto update = [&]<bool D, bool A>() {
            adam_update<D, A>(param.size(), p, g, m, v, v_max, beta1, beta2, eps,
                              static_cast<T>(wd), shrink, step_size, inverse_correction2_sqrt);
        };
        if (decoupled_)
            options_.amsgrad ? update.template operator()<true, true>()
                             : update.template operator()<true, false>();
        else
            options_.amsgrad ? update.template operator()<false, true>()
                             : update.template operator()<false, false>();
    }
}

template <class T>
AdamW<T>::AdamW(std::vector<Tensor<T>> parameters, const AdamWOptions& options)
    : AdamW({ParamGroup<T>{std::move(parameters), std::nullopt, std::nullopt}}, options) {}

template <class T>
AdamW<T>::AdamW(std::vector<ParamGroup<T>> groups, const AdamWOptions& options)
    : Adam<T>(std::move(groups), options.as_adam(), typename Adam<T>::Decoupled{}) {}

#define XTGRAD_INSTANTIATE(T) \
    template class Adam<T>;   \
    template class AdamW<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
