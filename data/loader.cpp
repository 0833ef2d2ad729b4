#include "xtgrad/data/loader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "xtgrad/data/augment.hpp"

namespace xtgrad::data {

template <class T>
DataLoader<T>::DataLoader(const Array<T>& inputs, std::span<const Label> labels,
                          LoaderOptions options, RandomEngine* rng)
    : inputs_(inputs), labels_(labels), options_(options), rng_(rng) {
    if (options.batch_size == 0)
        throw std::invalid_argument("DataLoader: batch size must be positive");
    if (inputs.dimension() < 2 || inputs.shape(0) != labels.size())
        throw ShapeError("DataLoader", inputs.shape(), Shape{labels.size()},
                         "needs inputs (count, features...) and one label per sample");
    if ((options.shuffle || options.max_shift > 0) && rng == nullptr)
        throw std::invalid_argument("DataLoader: shuffling and shifting need a RandomEngine");
    const Shape& shape = inputs.shape();
    if (options.max_shift > 0 &&
        (shape.size() < 3 || options.max_shift >= std::min(shape[shape.size() - 2], shape.back())))
        throw ShapeError("DataLoader", shape,
                         "shifts by up to " + std::to_string(options.max_shift) +
                             " pixels need image samples (C, H, W) larger than that");
}

template <class T>
std::size_t DataLoader<T>::batches_per_epoch() const {
    const std::size_t n = samples();
    const std::size_t b = options_.batch_size;
    return n / b + (!options_.drop_last && n % b != 0 ? 1 : 0);
}

template <class T>
void DataLoader<T>::start_epoch() {
    order_.resize(samples());
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (options_.shuffle) rng_->shuffle(order_);
    position_ = 0;
}

template <class T>
void DataLoader<T>::restore(std::vector<std::size_t> order, std::size_t position) {
    const auto reject = [&](const std::string& why) {
        throw std::invalid_argument(
            "DataLoader::restore: the saved order does not fit this "
            "dataset of " +
            std::to_string(samples()) + " samples: " + why);
    };
    if (order.size() != samples()) reject("it has " + std::to_string(order.size()) + " entries");
    if (position > batches_per_epoch())
        reject("position " + std::to_string(position) + " is past the epoch's " +
               std::to_string(batches_per_epoch()) + " batches");
    std::vector<bool> seen(order.size(), false);
    for (const std::size_t index : order) {
        if (index >= order.size())
            reject("sample index " + std::to_string(index) + " is outside it");
        if (seen[index]) reject("sample index " + std::to_string(index) + " appears twice");
        seen[index] = true;
    }
    order_ = std::move(order);
    position_ = position;
}

template <class T>
bool DataLoader<T>::next(Batch<T>& batch) {
    if (order_.size() != samples())
        throw std::logic_error("DataLoader: call start_epoch() before next()");
    if (position_ >= batches_per_epoch()) return false;
    const std::size_t first = position_ * options_.batch_size;
    const std::size_t size = std::min(options_.batch_size, samples() - first);
    const std::size_t features = inputs_.size() / samples();  // of one sample, of any shape
    Shape shape = inputs_.shape();
    shape[0] = size;
    Array<T> x = empty_array<T>(shape);
    batch.labels.resize(size);
    for (std::size_t j = 0; j < size; ++j) {
        const std::size_t sample = order_[first + j];
        std::copy_n(inputs_.data() + sample * features, features, x.data() + j * features);
        batch.labels[j] = labels_[sample];
    }
    if (options_.max_shift > 0) shift_images(x, options_.max_shift, *rng_);
    batch.inputs = Tensor<T>(std::move(x));
    batch.index = position_++;
    return true;
}

#define XTGRAD_INSTANTIATE(T) template class DataLoader<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::data
