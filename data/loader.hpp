// Mini-batches over an in-memory (count, features) input matrix and its labels.
#pragma once

#include <span>
#include <vector>

#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/random.hpp"

namespace xtgrad::data {

struct LoaderOptions {
    std::size_t batch_size = 100;
    bool shuffle = false;    // a new permutation every epoch (needs a RandomEngine)
    bool drop_last = false;  // skip a final batch smaller than batch_size
};

template <class T>
struct Batch {
    Tensor<T> inputs;  // (size, features); a constant
    std::vector<Label> labels;
    std::size_t index = 0;  // position of the batch in its epoch

    std::size_t size() const { return labels.size(); }
    /// The labels as a one-hot (size, classes) constant.
    Tensor<T> one_hot(std::size_t classes) const { return xtgrad::one_hot<T>(labels, classes); }
};

template <class T>
class DataLoader {
  public:
    /// inputs and labels are viewed, not copied: they must outlive the loader. Throws
    /// std::invalid_argument for a zero batch size, mismatched counts, or shuffling without rng.
    DataLoader(const Array<T>& inputs, std::span<const Label> labels, LoaderOptions options,
               RandomEngine* rng = nullptr);

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
    void restore(std::vector<std::size_t> order, std::size_t position);

  private:
    const Array<T>& inputs_;
    std::span<const Label> labels_;
    LoaderOptions options_;
    RandomEngine* rng_;
    std::vector<std::size_t> order_;
    std::size_t position_ = 0;
};

extern template class DataLoader<float>;
extern template class DataLoader<double>;

}  // namespace xtgrad::data
