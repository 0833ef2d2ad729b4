#include "xtgrad/nn/batch_norm.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/fused_ops.hpp"

namespace xtgrad::nn {

template <class T>
BatchNorm<T>::BatchNorm(const BatchNormOptions& options, const char* name, std::size_t min_rank,
                        std::size_t max_rank)
    : options_(options), name_(name), min_rank_(min_rank), max_rank_(max_rank) {
    if (options.num_features == 0 || !(options.eps > 0) ||
        !(options.momentum >= 0 && options.momentum <= 1))
        throw std::invalid_argument(describe() +
                                    ": needs features > 0, eps > 0 and momentum in [0, 1]");
    const Shape channels{options.num_features};
    if (options.affine) {
        weight_ = &this->register_parameter("weight", Tensor<T>(xt::ones<T>(channels)));
        bias_ = &this->register_parameter("bias", Tensor<T>(xt::zeros<T>(channels)));
    }
    running_mean_ = &this->register_buffer("running_mean", xt::zeros<T>(channels));
    running_var_ = &this->register_buffer("running_var", xt::ones<T>(channels));
}

template <class T>
void BatchNorm<T>::check_input(const Shape& shape) const {
    if (shape.size() < min_rank_ || shape.size() > max_rank_ || shape[1] != options_.num_features)
        throw ShapeError(name_, shape,
                         "needs rank " + std::to_string(min_rank_) +
                             (min_rank_ == max_rank_ ? "" : " or " + std::to_string(max_rank_)) +
                             " with " + std::to_string(options_.num_features) +
                             " channels on axis 1");
}

template <class T>
Tensor<T> BatchNorm<T>::forward(const Tensor<T>& x) {
    check_input(x.shape());
    if (!this->is_training()) return normalise_with_running_statistics(x);
    const T eps = static_cast<T>(options_.eps);
    BatchStatistics<T> batch;
    Tensor<T> y;
    if (composed_enabled()) {
        y = composed::batch_norm(x, *weight_, *bias_, eps);
        batch = batch_statistics(x.value());
    } else {
        y = fused::batch_norm(x, *weight_, *bias_, eps, &batch);
    }
    update_running_statistics(batch.mean, batch.variance, batch.count);
    return y;
}

template <class T>
void BatchNorm<T>::update_running_statistics(const Array<T>& mean, const Array<T>& variance,
                                             std::size_t count) {
    const T momentum = static_cast<T>(options_.momentum);
    const T unbiased = static_cast<T>(static_cast<double>(count) / static_cast<double>(count - 1));
    Array<T>& running_mean = running_mean_->mutable_value();
    Array<T>& running_var = running_var_->mutable_value();
    for (std::size_t k = 0; k < options_.num_features; ++k) {
        running_mean[k] = momentum * mean[k] + (T(1) - momentum) * running_mean[k];
        running_var[k] = momentum * (variance[k] * unbiased) + (T(1) - momentum) * running_var[k];
    }
}

template <class T>
Tensor<T> BatchNorm<T>::normalise_with_running_statistics(const Tensor<T>& x) const {
    // An affine map per channel: x scale + shift, differentiable in x, weight and bias. The
    // running statistics enter as constants (copies: a later update must not touch this graph).
    const T eps = static_cast<T>(options_.eps);
    Tensor<T> scale(Array<T>(T(1) / xt::sqrt(running_var_->value() + eps)));
    if (weight_->defined()) scale = *weight_ * scale;
    Tensor<T> shift = -(Tensor<T>(running_mean_->value()) * scale);
    if (bias_->defined()) shift = *bias_ + shift;
    std::vector<std::ptrdiff_t> per_channel(x.dimension(), 1);
    per_channel[1] = -1;
    return x * reshape(scale, per_channel) + reshape(shift, per_channel);
}

template <class T>
std::string BatchNorm<T>::describe() const {
    std::ostringstream text;
    text << name_ << "(" << options_.num_features << ", eps " << options_.eps << ", momentum "
         << options_.momentum << (options_.affine ? ")" : ", affine=false)");
    return text.str();
}

template <class T>
BatchNorm1d<T>::BatchNorm1d(const BatchNormOptions& options)
    : BatchNorm<T>(options, "BatchNorm1d", 2, 3) {}

template <class T>
BatchNorm2d<T>::BatchNorm2d(const BatchNormOptions& options)
    : BatchNorm<T>(options, "BatchNorm2d", 4, 4) {}

#define XTGRAD_INSTANTIATE(T)      \
    template class BatchNorm<T>;   \
    template class BatchNorm1d<T>; \
    template class BatchNorm2d<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
