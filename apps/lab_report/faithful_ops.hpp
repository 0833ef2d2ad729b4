// What the original lab code computed (reference section 7), as explicit custom ops for the
// faithful mode of the lab report. They live here, not in the library: each deviates from the
// true gradient, and test_faithful_ops.cpp shows that the library's checker flags each one.
//   1. Linear: the bias gradient is the batch mean of G (1/N of the true gradient).
//   2-4. Hinge: the forward moves the true-class logit by -margin in place; its backward works on
//      those moved logits (effective margin 2D) without dividing by N; accuracy reads them too.
//   5. GeLU: backward by the forward difference (f(u + 1e-5) - f(u)) / 1e-5 of the tanh form.
//   6. Softmax cross-entropy without subtracting the max.
//   7. ReLU forward as (|u| + u) / 2.
#pragma once

#include <memory>
#include <span>

#include <xtgrad/nn/nn.hpp>

#include <xtgrad/train/mlp_run.hpp>

namespace xtgrad::lab {

using Tensord = Tensor<double>;

/// y = x W + b computed as numpy did (product, then bias); bias gradient = mean over the batch.
Tensord faithful_linear(const Tensord& x, const Tensord& weight, const Tensord& bias);
/// (|u| + u) / 2; gradient passes where u > 0.
Tensord faithful_relu(const Tensord& u);
/// The tanh-form GeLU with the forward-difference backward.
Tensord faithful_gelu(const Tensord& u);
/// -1/N sum t log(exp(x) / sum exp(x)), unshifted; gradient (h - t) / N.
Tensord faithful_softmax_cross_entropy(const Tensord& logits, std::span<const Label> labels);
/// Value: the true hinge loss (margin D). Gradient: from x' = x - D t, g_k = [D - x'_y + x'_k > 0]
/// for k != y, g_y = -sum_k g_k, not divided by N.
Tensord faithful_hinge(const Tensord& logits, std::span<const Label> labels, double margin);
/// Accuracy of the hinge runs, on the moved logits x' = x - D t.
double faithful_hinge_accuracy(const Tensord& logits, std::span<const Label> labels, double margin);

/// The lab's MLP (features inputs) and loss with the faithful ops; weights drawn from rng as
/// nn::make_mlp does.
train::Model<double> make_faithful_model(const train::RunConfig& config, std::size_t features,
                                         RandomEngine& rng);

}  // namespace xtgrad::lab
