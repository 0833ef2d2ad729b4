// Batch normalisation layers, as torch.nn.BatchNorm1d/2d: in training mode the output uses the
// batch's statistics per channel (axis 1) and the running averages move towards them
// (running = (1 - momentum) running + momentum batch, the variance unbiased); in evaluation
// mode the running averages normalise. The running averages are buffers ("running_mean",
// "running_var"), saved by checkpoints and weight files beside the parameters.
#pragma once

#include <cstddef>
#include <string>

#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

struct BatchNormOptions {
    std::size_t num_features = 0;
    double eps = 1e-5;
    double momentum = 0.1;
    /// A learned per-channel scale ("weight", from 1) and shift ("bias", from 0).
    bool affine = true;
};

template <class T>
class BatchNorm : public Module<T> {
  public:
    Tensor<T> forward(const Tensor<T>& x) override;
    std::string describe() const override;

    Tensor<T>& weight() { return *weight_; }
    Tensor<T>& bias() { return *bias_; }
    Tensor<T>& running_mean() { return *running_mean_; }
    Tensor<T>& running_var() { return *running_var_; }
    const BatchNormOptions& options() const { return options_; }

  protected:
    /// name: "BatchNorm2d"; ranks: the input ranks it accepts. Throws std::invalid_argument for
    /// no features, eps <= 0 or a momentum outside [0, 1].
    BatchNorm(const BatchNormOptions& options, const char* name, std::size_t min_rank,
              std::size_t max_rank);

  private:
    void check_input(const Shape& shape) const;
    void update_running_statistics(const Array<T>& mean, const Array<T>& variance,
                                   std::size_t count);
    Tensor<T> normalise_with_running_statistics(const Tensor<T>& x) const;

    BatchNormOptions options_;
    const char* name_;
    std::size_t min_rank_, max_rank_;
    Tensor<T> no_affine_;
    Tensor<T>* weight_ = &no_affine_;
    Tensor<T>* bias_ = &no_affine_;
    Tensor<T>* running_mean_ = nullptr;
    Tensor<T>* running_var_ = nullptr;
};

/// Over (N, C) or (N, C, L).
template <class T>
class BatchNorm1d : public BatchNorm<T> {
  public:
    explicit BatchNorm1d(const BatchNormOptions& options);
};

/// Over (N, C, H, W).
template <class T>
class BatchNorm2d : public BatchNorm<T> {
  public:
    explicit BatchNorm2d(const BatchNormOptions& options);
};

#define XTGRAD_EXTERN(T)                  \
    extern template class BatchNorm<T>;   \
    extern template class BatchNorm1d<T>; \
    extern template class BatchNorm2d<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
