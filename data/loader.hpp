// Mini-batches over an in-memory (count, features) input matrix and its labels.
#pragma once

#include <iterator>
#include <span>
#include <vector>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/random.hpp"

namespace xtgrad::data {

/// Which part of every batch a process of a data-parallel run takes: shard `index` of `count`.
struct Shard {
    std::size_t index = 0;
    std::size_t count = 1;
};

struct LoaderOptions {
    std::size_t batch_size = 100;
    bool shuffle = false;    // a new permutation every epoch (needs a RandomEngine)
    bool drop_last = false;  // skip a final batch smaller than batch_size
    /// Augmentation: each image shifted by up to this many pixels (shift_images, augment.hpp);
    /// needs image samples (C, H, W) and a RandomEngine. 0 = none.
    std::size_t max_shift = 0;
    /// Data-parallel sharding: each batch holds only this shard's contiguous slice of the
    /// global batch of batch_size samples. Every shard draws the same shuffle and augmentation
    /// from an engine seeded alike, so the slices together are exactly the batch one unsharded
    /// loader yields.
    Shard shard{};
};

template <class T>
struct Batch {
    Tensor<T> inputs;  // (size, features) or (size, C, H, W): the dataset's shape; a constant
    std::vector<Label> labels;
    std::size_t index = 0;        // position of the batch in its epoch
    std::size_t global_size = 0;  // samples of the whole batch, over all shards

    std::size_t size() const { return labels.size(); }
    /// This shard's part of the global batch: size() / global_size (1 when not sharded).
    double fraction() const {
        return global_size == 0 ? 0.0
                                : static_cast<double>(size()) / static_cast<double>(global_size);
    }
    /// The labels as a one-hot (size, classes) constant.
    Tensor<T> one_hot(std::size_t classes) const { return xtgrad::one_hot<T>(labels, classes); }
};

template <class T>
class DataLoader {
  public:
    /// inputs and labels are viewed, not copied: they must outlive the loader. Throws
    /// std::invalid_argument for a zero batch size, mismatched counts, shuffling or shifting
    /// without rng, or a shard outside its count or a batch size the count does not divide;
    /// ShapeError for a shift on samples that are not images larger than it.
    DataLoader(const Array<T>& inputs, std::span<const Label> labels, LoaderOptions options,
               RandomEngine* rng = nullptr);
    // A temporary would dangle: keep the data alive in a variable.
    DataLoader(Array<T>&& inputs, std::span<const Label> labels, LoaderOptions options,
               RandomEngine* rng = nullptr) = delete;
    DataLoader(const Array<T>& inputs, std::vector<Label>&& labels, LoaderOptions options,
               RandomEngine* rng = nullptr) = delete;
    DataLoader(Array<T>&& inputs, std::vector<Label>&& labels, LoaderOptions options,
               RandomEngine* rng = nullptr) = delete;

    std::size_t samples() const { return labels_.size(); }
    std::size_t batches_per_epoch() const;
    const LoaderOptions& options() const { return options_; }

    /// Begins an epoch (call it before each epoch; construction draws nothing from the engine).
    /// With shuffling it draws one shuffle of a fresh 0..n-1 from the engine
    /// (exactly numpy's np.random.shuffle(np.arange(n)) with the numpy engine).
    void start_epoch();
    /// Fills the next batch of the epoch; false when the epoch is done.
    bool next(Batch<T>& batch);

    /// The current epoch's sample order and how many batches have been handed out (for
    /// checkpoints); restore() puts both back.
    const std::vector<std::size_t>& order() const { return order_; }
    std::size_t position() const { return position_; }
    /// Throws std::invalid_argument unless order is a permutation of 0..samples()-1 and
    /// position at most batches_per_epoch().
    void restore(std::vector<std::size_t> order, std::size_t position);

    /// One epoch as a range: `for (const auto& batch : loader)` starts an epoch (drawing its
    /// shuffle) and visits its batches. The batch is reused from one iteration to the next.
    class Iterator {
      public:
        using value_type = Batch<T>;
        using difference_type = std::ptrdiff_t;
        Iterator() = default;
        explicit Iterator(DataLoader* loader) : loader_(loader) { ++*this; }
        const Batch<T>& operator*() const { return batch_; }
        const Batch<T>* operator->() const { return &batch_; }
        Iterator& operator++() {
            if (!loader_->next(batch_)) loader_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        bool operator==(std::default_sentinel_t) const { return loader_ == nullptr; }

      private:
        DataLoader* loader_ = nullptr;
        Batch<T> batch_;
    };
    Iterator begin() {
        start_epoch();
        return Iterator(this);
    }
    std::default_sentinel_t end() const { return {}; }

  private:
    const Array<T>& inputs_;
    std::span<const Label> labels_;
    LoaderOptions options_;
    RandomEngine* rng_;
    std::vector<std::size_t> order_;
    std::size_t position_ = 0;
};

#define XTGRAD_EXTERN(T) extern template class DataLoader<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::data
