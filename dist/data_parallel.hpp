// Data-parallel training over MPI: every process holds the whole model, trains on its shard of
// each global batch (data::LoaderOptions::shard), and the gradients are averaged over the
// processes after backward, so that every process takes the same step a single process would
// take on the whole batch.
//
//     dist::World world(argc, argv);
//     data::DataLoader<float> train(inputs, labels, {.batch_size = 100, .shuffle = true,
//                                   .shard = {world.rank(), world.size()}}, &rng);
//     ...
//     dist::DataParallel<float> parallel(world, model);   // broadcasts process 0's weights
//     trainer.set_parallel(parallel);
//
// Batch norm keeps the statistics of each process's own shard in training (as PyTorch's
// DistributedDataParallel without SyncBatchNorm) and takes process 0's running statistics
// before every step and before evaluation.
#pragma once

#include <cstddef>
#include <vector>

#include "xtgrad/dist/world.hpp"
#include "xtgrad/nn/module.hpp"
#include "xtgrad/train/parallel.hpp"

namespace xtgrad::dist {

struct DataParallelOptions {
    /// Gradients are summed in buckets of at most this many bytes (one MPI_Allreduce each).
    std::size_t bucket_bytes = std::size_t{25} << 20;
};

template <class T>
class DataParallel final : public train::Parallel<T> {
  public:
    /// Sets every process's parameters and buffers to process 0's. world and model must
    /// outlive it.
    DataParallel(const World& world, nn::Module<T>& model, DataParallelOptions options = {});

    void synchronize_buffers() override;
    void reduce_gradients(std::span<const Tensor<T>> parameters, double fraction) override;
    void sum(std::span<double> values) override;
    bool any(bool value) override;
    std::vector<std::uint8_t> from_first_process(
        const std::function<std::vector<std::uint8_t>()>& read) override;

    /// Time spent in reduce_gradients (packing, MPI_Allreduce, unpacking) and its calls.
    double reduce_seconds() const { return reduce_seconds_; }
    std::size_t reductions() const { return reductions_; }

  private:
    const World& world_;
    nn::Module<T>& model_;
    DataParallelOptions options_;
    std::vector<T> flat_;  // every gradient, one after another, reused from step to step
    double reduce_seconds_ = 0;
    std::size_t reductions_ = 0;
};

#define XTGRAD_EXTERN(T) extern template class DataParallel<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::dist
