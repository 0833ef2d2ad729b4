// Loss modules over logits (N, C) and integer labels, mean over the batch (lab section 3).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "xtgrad/autograd/ops.hpp"

namespace xtgrad::nn {

template <class T>
class Loss {
  public:
    virtual ~Loss() = default;
    virtual Tensor<T> forward(const Tensor<T>& logits, std::span<const Label> labels) = 0;
    Tensor<T> operator()(const Tensor<T>& logits, std::span<const Label> labels) {
        return forward(logits, labels);
    }
    /// "SoftmaxCrossEntropyLoss()". Runs its fused op unless a ComposedGuard is active.
    virtual std::string describe() const = 0;
};

/// 1/(2N) sum_n ||t_n - x_n||^2 with t_n the one-hot label.
template <class T>
class EuclideanLoss : public Loss<T> {
  public:
    Tensor<T> forward(const Tensor<T>& logits, std::span<const Label> labels) override;
    std::string describe() const override { return "EuclideanLoss()"; }
};

/// -1/N sum_n log softmax(x_n)[y_n]; stable for logits of any magnitude.
template <class T>
class SoftmaxCrossEntropyLoss : public Loss<T> {
  public:
    Tensor<T> forward(const Tensor<T>& logits, std::span<const Label> labels) override;
    std::string describe() const override { return "SoftmaxCrossEntropyLoss()"; }
};

/// 1/N sum_n sum_{k != y_n} max(0, margin - x_n,y_n + x_n,k).
template <class T>
class HingeLoss : public Loss<T> {
  public:
    explicit HingeLoss(T margin = T(5)) : margin_(margin) {}
    Tensor<T> forward(const Tensor<T>& logits, std::span<const Label> labels) override;
    std::string describe() const override;
    T margin() const { return margin_; }

  private:
    T margin_;
};

/// "euclidean", "softmax-ce" or "hinge" (with margin); throws std::invalid_argument otherwise.
template <class T>
std::unique_ptr<Loss<T>> make_loss(std::string_view name, T margin = T(5));

/// Fraction of rows whose largest logit (the first on ties) is at the label.
template <class T>
double accuracy(const Tensor<T>& logits, std::span<const Label> labels);

extern template class EuclideanLoss<float>;
extern template class EuclideanLoss<double>;
extern template class SoftmaxCrossEntropyLoss<float>;
extern template class SoftmaxCrossEntropyLoss<double>;
extern template class HingeLoss<float>;
extern template class HingeLoss<double>;
extern template std::unique_ptr<Loss<float>> make_loss(std::string_view, float);
extern template std::unique_ptr<Loss<double>> make_loss(std::string_view, double);
extern template double accuracy(const Tensor<float>&, std::span<const Label>);
extern template double accuracy(const Tensor<double>&, std::span<const Label>);

}  // namespace xtgrad::nn
