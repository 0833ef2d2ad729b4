// The layers and losses composed from tape primitives: every gradient comes from the tape.
#include "xtgrad/nn/composed.hpp"

#include <cmath>
#include <numbers>

namespace xtgrad::nn::composed {

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias) {
    Tensor<T> product = matmul(x, weight);
    return bias.defined() ? product + bias : product;
}

template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
    return T(1) / (T(1) + exp(-x));
}

template <class T>
Tensor<T> relu(const Tensor<T>& x) {
    return x * greater(x, scalar(T(0)));
}

template <class T>
Tensor<T> gelu(const Tensor<T>& x, GeluApproximation approximation) {
    if (approximation == GeluApproximation::tanh) {
        const T c = std::sqrt(T(2) / std::numbers::pi_v<T>);
        return T(0.5) * x * (T(1) + tanh(c * (x + T(0.044715) * x * x * x)));
    }
    return T(0.5) * x * (T(1) + erf(x / std::numbers::sqrt2_v<T>));
}

template <class T>
Tensor<T> batch_norm(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, T eps) {
    // Means over every axis but the channels, one axis at a time (equal groups: the same mean).
    const auto over_batch = [&](Tensor<T> t) {
        for (std::size_t axis = x.dimension(); axis-- > 0;)
            if (axis != 1) t = mean(t, static_cast<std::ptrdiff_t>(axis), true);
        return t;
    };
    const Tensor<T> centred = x - over_batch(x);
    Tensor<T> y = centred / sqrt(over_batch(square(centred)) + eps);
    std::vector<std::ptrdiff_t> per_channel(x.dimension(), 1);
    per_channel[1] = -1;
    if (weight.defined()) y = y * reshape(weight, per_channel);
    if (bias.defined()) y = y + reshape(bias, per_channel);
    return y;
}

template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, const Tensor<T>& targets) {
    const T batch = static_cast<T>(logits.shape()[0]);
    return sum(square(logits - targets)) / (T(2) * batch);
}

template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, std::span<const Label> labels) {
    return euclidean_loss(logits, one_hot<T>(labels, logits.shape()[1]));
}

template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const Label> labels) {
    return -mean(gather(log_softmax(logits, -1), labels));
}

template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, const Tensor<T>& targets) {
    const T batch = static_cast<T>(logits.shape()[0]);
    return -sum(targets * log_softmax(logits, -1)) / batch;
}

template <class T>
Tensor<T> hinge_loss(const Tensor<T>& logits, std::span<const Label> labels, T margin) {
    const auto rows = static_cast<std::ptrdiff_t>(logits.shape()[0]);
    const Tensor<T> true_class = reshape(gather(logits, labels), {rows, 1});
    const Tensor<T> others = T(1) - one_hot<T>(labels, logits.shape()[1]);  // 0 at k == y
    return sum(xtgrad::relu(logits - true_class + margin) * others) / static_cast<T>(rows);
}

#define XTGRAD_INSTANTIATE(T)                                                               \
    template Tensor<T> linear(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);        \
    template Tensor<T> sigmoid(const Tensor<T>&);                                           \
    template Tensor<T> relu(const Tensor<T>&);                                              \
    template Tensor<T> gelu(const Tensor<T>&, GeluApproximation);                           \
    template Tensor<T> batch_norm(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T); \
    template Tensor<T> euclidean_loss(const Tensor<T>&, std::span<const Label>);            \
    template Tensor<T> euclidean_loss(const Tensor<T>&, const Tensor<T>&);                  \
    template Tensor<T> softmax_cross_entropy(const Tensor<T>&, std::span<const Label>);     \
    template Tensor<T> softmax_cross_entropy(const Tensor<T>&, const Tensor<T>&);           \
    template Tensor<T> hinge_loss(const Tensor<T>&, std::span<const Label>, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn::composed
