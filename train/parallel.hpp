// What the Trainer asks of data-parallel training, at fixed points of every step, so that the
// same loop runs in one process or in many (dist::DataParallel implements it over MPI). Every
// process calls these in the same order; each call is collective.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::train {

template <class T>
class Parallel {
  public:
    virtual ~Parallel() = default;

    /// Before each training step's forward and before evaluation: puts every process's buffers
    /// (batch-norm running statistics) equal to the first process's, as PyTorch's
    /// DistributedDataParallel does, so that all evaluate the model process 0 checkpoints.
    virtual void synchronize_buffers() = 0;
    /// After backward: replaces each parameter's gradient of this process's part of the batch
    /// (a mean over its samples, `fraction` of the global batch; no gradient counts as zeros)
    /// by the gradient of the whole global batch, the same on every process.
    virtual void reduce_gradients(std::span<const Tensor<T>> parameters, double fraction) = 0;
    /// Sums each value over the processes, in place (the same result on every process).
    virtual void sum(std::span<double> values) = 0;
    /// Whether any process passes true (every process gets the same answer).
    virtual bool any(bool value) = 0;
    /// The first process's result of read() on every process (only the first calls it). If it
    /// throws there, the first process rethrows its exception and the others throw
    /// std::runtime_error with its message.
    virtual std::vector<std::uint8_t> from_first_process(
        const std::function<std::vector<std::uint8_t>()>& read) = 0;
};

}  // namespace xtgrad::train
