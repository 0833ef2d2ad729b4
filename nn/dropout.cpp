#include "xtgrad/nn/dropout.hpp"

#include <sstream>
#include <stdexcept>

#include "xtgrad/autograd/ops.hpp"

namespace xtgrad::nn {

template <class T>
Dropout<T>::Dropout(double p, RandomEngine& rng) : p_(p), rng_(&rng) {
    if (!(p >= 0 && p < 1))
        throw std::invalid_argument("Dropout: p must be in [0, 1), got " + std::to_string(p));
}

template <class T>
Tensor<T> Dropout<T>::forward(const Tensor<T>& x) {
    if (!this->is_training() || p_ == 0) return x;
    Array<T> mask = empty_array<T>(x.shape());
    const T kept = static_cast<T>(1 / (1 - p_));
    for (auto& m : mask) m = rng_->uniform() < p_ ? T(0) : kept;  // one draw per element
    return x * Tensor<T>(std::move(mask));
}

template <class T>
std::string Dropout<T>::describe() const {
    std::ostringstream text;
    text << "Dropout(p=" << p_ << ")";
    return text.str();
}

#define XTGRAD_INSTANTIATE(T) template class Dropout<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
