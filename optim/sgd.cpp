#include "xtgrad/optim/sgd.hpp"

#include <cmath>
#include <string>

namespace xtgrad::optim {

void SGDOptions::validate() const {
    const auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::invalid_argument("SGD: " + what);
    };
    check(std::isfinite(lr) && lr >= 0,
          "learning rate must be finite and >= 0, got " + std::to_string(lr));
    check(std::isfinite(momentum_) && momentum_ >= 0,
          "momentum must be >= 0, got " + std::to_string(momentum_));
    check(std::isfinite(dampening_) && dampening_ >= 0 && dampening_ <= 1,
          "dampening must be in [0, 1], got " + std::to_string(dampening_));
    check(std::isfinite(weight_decay_) && weight_decay_ >= 0,
          "weight decay must be >= 0, got " + std::to_string(weight_decay_));
    check(!nesterov_ || (momentum_ > 0 && dampening_ == 0),
          "nesterov needs momentum > 0 and dampening 0");
}

template <class T>
SGD<T>::SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options)
    : Optimizer<T>(std::move(parameters)), options_(options) {
    options_.validate();
    velocities_.resize(this->parameters_.size());
}

template <class T>
void SGD<T>::set_lr(double lr) {
    SGDOptions changed = options_;
    changed.lr = lr;
    changed.validate();
    options_ = changed;
}

template <class T>
void SGD<T>::set_velocity(std::size_t i, std::optional<Array<T>> velocity) {
    const Tensor<T>& p = this->parameters_.at(i);
    if (velocity && velocity->shape() != p.shape())
        throw ShapeError("SGD::set_velocity", velocity->shape(), p.shape(),
                         "velocity must have the parameter's shape");
    velocities_[i] = std::move(velocity);
}

template <class T>
void SGD<T>::step() {
    const T lr = static_cast<T>(options_.lr);
    const T momentum = static_cast<T>(options_.momentum_);
    const T damp = static_cast<T>(1 - options_.dampening_);
    const T wd = static_cast<T>(options_.weight_decay_);
    const bool nesterov = options_.nesterov_;
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const T* g = param.grad().data();
        T* p = param.mutable_value().data();
        const std::size_t n = param.size();
        if (momentum == T(0)) {
            for (std::size_t k = 0; k < n; ++k) p[k] -= lr * (g[k] + wd * p[k]);
            continue;
        }
        auto& buffer = velocities_[i];
        const bool first = !buffer.has_value();
        if (first) buffer = empty_array<T>(param.shape());
        T* v = buffer->data();
        for (std::size_t k = 0; k < n; ++k) {
            const T d = g[k] + wd * p[k];
            v[k] = first ? d : momentum * v[k] + damp * d;
            p[k] -= lr * (nesterov ? d + momentum * v[k] : v[k]);
        }
    }
}

template class SGD<float>;
template class SGD<double>;

}  // namespace xtgrad::optim
