#include "xtgrad/nn/losses.hpp"

#include <stdexcept>

#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/fused_ops.hpp"

namespace xtgrad::nn {

template <class T>
Tensor<T> EuclideanLoss<T>::forward(const Tensor<T>& logits, std::span<const Label> labels) {
    return !composed_enabled() ? fused::euclidean_loss(logits, labels)
                               : composed::euclidean_loss(logits, labels);
}

template <class T>
Tensor<T> SoftmaxCrossEntropyLoss<T>::forward(const Tensor<T>& logits,
                                              std::span<const Label> labels) {
    return !composed_enabled() ? fused::softmax_cross_entropy(logits, labels)
                               : composed::softmax_cross_entropy(logits, labels);
}

template <class T>
Tensor<T> HingeLoss<T>::forward(const Tensor<T>& logits, std::span<const Label> labels) {
    return !composed_enabled() ? fused::hinge_loss(logits, labels, margin_)
                               : composed::hinge_loss(logits, labels, margin_);
}

template <class T>
std::string HingeLoss<T>::describe() const {
    return "HingeLoss(margin=" + std::to_string(margin_) + ")";
}

template <class T>
std::unique_ptr<Loss<T>> make_loss(std::string_view name, T margin) {
    if (name == "euclidean") return std::make_unique<EuclideanLoss<T>>();
    if (name == "softmax-ce") return std::make_unique<SoftmaxCrossEntropyLoss<T>>();
    if (name == "hinge") return std::make_unique<HingeLoss<T>>(margin);
    throw std::invalid_argument("unknown loss '" + std::string(name) +
                                "' (expected euclidean, softmax-ce or hinge)");
}

template <class T>
double accuracy(const Tensor<T>& logits, std::span<const Label> labels) {
    const Array<T>& x = logits.value();
    if (x.dimension() != 2 || x.shape(0) != labels.size() || x.shape(1) == 0)
        throw ShapeError("accuracy", x.shape(), Shape{labels.size()},
                         "needs logits (N, C) and one label per row");
    if (labels.empty()) return 0.0;
    const std::size_t cols = x.shape(1);
    std::size_t correct = 0;
    for (std::size_t n = 0; n < labels.size(); ++n)  // first index on ties
        correct += static_cast<Label>(detail::argmax_index(x.data() + n * cols, cols)) == labels[n];
    return static_cast<double>(correct) / static_cast<double>(labels.size());
}

template class EuclideanLoss<float>;
template class EuclideanLoss<double>;
template class SoftmaxCrossEntropyLoss<float>;
template class SoftmaxCrossEntropyLoss<double>;
template class HingeLoss<float>;
template class HingeLoss<double>;
template std::unique_ptr<Loss<float>> make_loss(std::string_view, float);
template std::unique_ptr<Loss<double>> make_loss(std::string_view, double);
template double accuracy(const Tensor<float>&, std::span<const Label>);
template double accuracy(const Tensor<double>&, std::span<const Label>);

}  // namespace xtgrad::nn
