#include "xtgrad/optim/sgd.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "xtgrad/autograd/parallel.hpp"

namespace xtgrad::optim {

void SGDOptions::validate() const {
    const auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::invalid_argument("SGD: " + what);
    };
    check(!std::isnan(lr), "the learning rate (lr) is required");
    check(std::isfinite(lr) && lr >= 0,
          "learning rate must be finite and >= 0, got " + std::to_string(lr));
    check(std::isfinite(momentum) && momentum >= 0,
          "momentum must be >= 0, got " + std::to_string(momentum));
    check(std::isfinite(dampening) && dampening >= 0 && dampening <= 1,
          "dampening must be in [0, 1], got " + std::to_string(dampening));
    check(std::isfinite(weight_decay) && weight_decay >= 0,
          "weight decay must be >= 0, got " + std::to_string(weight_decay));
    check(!nesterov || (momentum > 0 && dampening == 0),
          "nesterov needs momentum > 0 and dampening 0");
}

template <class T>
SGD<T>::SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options)
    : Optimizer<T>(std::move(parameters), detail::validated(options).lr, options.weight_decay),
      options_(options) {
    describe();
}

template <class T>
SGD<T>::SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& options)
    : Optimizer<T>(std::move(groups), detail::validated(options).lr, options.weight_decay),
      options_(options) {
    describe();
}

template <class T>
void SGD<T>::describe() {
    this->describe_state("sgd",
                         {{"momentum", options_.momentum},
                          {"dampening", options_.dampening},
                          {"nesterov", options_.nesterov ? 1.0 : 0.0}},
                         {"momentum_buffer"});
}

template <class T>
std::optional<Array<T>> SGD<T>::velocity(std::size_t i) const {
    const auto& s = this->state(i);
    if (s.buffers.empty()) return std::nullopt;
    return s.buffers[0];
}

template <class T>
void SGD<T>::set_velocity(std::size_t i, std::optional<Array<T>> velocity) {
    const Tensor<T>& p = this->parameters_.at(i);
    if (velocity && velocity->shape() != p.shape())
        throw ShapeError("SGD::set_velocity", velocity->shape(), p.shape(),
                         "velocity must have the parameter's shape");
    auto& s = this->state(i);
    s.buffers.clear();
    if (velocity) s.buffers.push_back(std::move(*velocity));
}

template <class T>
void SGD<T>::step() {
    const T momentum = static_cast<T>(options_.momentum);
    const T damp = static_cast<T>(1 - options_.dampening);
    const bool nesterov = options_.nesterov;
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const T lr = static_cast<T>(this->lr(this->group_of(i)));
        const T wd = static_cast<T>(this->weight_decay(this->group_of(i)));
        const T* g = this->checked_grad(i).data();
        const std::size_t n = param.size();
        if (momentum == T(0)) {
            T* p = param.mutable_value().data();
            xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
                for (std::size_t k = begin; k < end; ++k) p[k] -= lr * (g[k] + wd * p[k]);
            });
            continue;
        }
        const bool first = this->state(i).buffers.empty();
        auto& state = this->prepared_state(i);
        ++state.steps;
        T* v = state.buffers[0].data();
        T* p = param.mutable_value().data();
        xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const T d = g[k] + wd * p[k];
                v[k] = first ? d : momentum * v[k] + damp * d;
                p[k] -= lr * (nesterov ? d + momentum * v[k] : v[k]);
            }
        });
    }
}

#define XTGRAD_INSTANTIATE(T) template class SGD<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
