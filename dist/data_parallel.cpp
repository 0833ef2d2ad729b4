#include "xtgrad/dist/data_parallel.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace xtgrad::dist {

namespace {
template <class T>
void broadcast_values(const World& world, std::vector<std::pair<std::string, Tensor<T>>> tensors) {
    for (auto& [name, tensor] : tensors) {
        Array<T>& value = tensor.mutable_value();
        world.broadcast(std::span<T>(value.data(), value.size()));
    }
}
}  // namespace

template <class T>
DataParallel<T>::DataParallel(const World& world, nn::Module<T>& model, DataParallelOptions options)
    : world_(world), model_(model), options_(options) {
    if (options.bucket_bytes < sizeof(T))
        throw std::invalid_argument("DataParallel: a bucket must hold at least one value");
    broadcast_values(world, model.named_parameters());
    broadcast_values(world, model.named_buffers());
}

template <class T>
void DataParallel<T>::synchronize_buffers() {
    broadcast_values(world_, model_.named_buffers());
}

template <class T>
void DataParallel<T>::reduce_gradients(std::span<const Tensor<T>> parameters, double fraction) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t total = 0;
    for (const Tensor<T>& p : parameters) total += p.size();
    flat_.resize(total);
    // Each process's mean gradient weighted by its share of the batch: their sum is the mean
    // over the whole batch (a shard of an equal split scales by 1/K, exactly for K a power of 2).
    const T weight = static_cast<T>(fraction);
    T* out = flat_.data();
    for (const Tensor<T>& p : parameters) {
        if (p.has_grad())
            std::transform(p.grad().data(), p.grad().data() + p.size(), out,
                           [&](T g) { return g * weight; });
        else
            std::fill_n(out, p.size(), T(0));  // an unused parameter, or an empty shard
        out += p.size();
    }
    const std::size_t bucket = options_.bucket_bytes / sizeof(T);
    for (std::size_t first = 0; first < total; first += bucket)
        world_.sum(std::span<T>(flat_.data() + first, std::min(bucket, total - first)));
    const T* in = flat_.data();
    for (Tensor<T> p : parameters) {
        Array<T>& grad = p.mutable_grad();
        std::copy_n(in, grad.size(), grad.data());
        in += grad.size();
    }
    reduce_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++reductions_;
}

template <class T>
void DataParallel<T>::sum(std::span<double> values) {
    world_.sum(values);
}

template <class T>
bool DataParallel<T>::any(bool value) {
    return world_.any(value);
}

template <class T>
std::vector<std::uint8_t> DataParallel<T>::from_first_process(
    const std::function<std::vector<std::uint8_t>()>& read) {
    return world_.from_root(read);
}

#define XTGRAD_INSTANTIATE(T) template class DataParallel<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::dist
