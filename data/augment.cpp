#include "xtgrad/data/augment.hpp"

#include <algorithm>
#include <vector>

namespace xtgrad::data {

template <class T>
void shift_images(Array<T>& batch, std::size_t max_shift, RandomEngine& rng) {
    const Shape& shape = batch.shape();
    const std::size_t rank = shape.size();
    if (rank < 3 || max_shift >= shape[rank - 2] || max_shift >= shape[rank - 1])
        throw ShapeError("shift_images", shape,
                         "needs (N, ..., H, W) images larger than the shift of " +
                             std::to_string(max_shift) + " pixels");
    const std::size_t h = shape[rank - 2], w = shape[rank - 1];
    const std::size_t planes = batch.size() / (shape[0] * h * w);  // channels per image
    const auto k = static_cast<std::ptrdiff_t>(max_shift);
    std::vector<T> shifted(h * w);
    for (std::size_t n = 0; n < shape[0]; ++n) {
        const std::ptrdiff_t dy =
            static_cast<std::ptrdiff_t>(rng.below_or_equal(2 * max_shift)) - k;
        const std::ptrdiff_t dx =
            static_cast<std::ptrdiff_t>(rng.below_or_equal(2 * max_shift)) - k;
        for (std::size_t c = 0; c < planes; ++c) {
            T* plane = batch.data() + (n * planes + c) * h * w;
            const T background = *std::min_element(plane, plane + h * w);
            for (std::size_t i = 0; i < h; ++i)
                for (std::size_t j = 0; j < w; ++j) {  // output (i, j) reads (i - dy, j - dx)
                    const std::size_t si = i - static_cast<std::size_t>(dy);
                    const std::size_t sj = j - static_cast<std::size_t>(dx);
                    shifted[i * w + j] = si < h && sj < w ? plane[si * w + sj] : background;
                }
            std::copy(shifted.begin(), shifted.end(), plane);
        }
    }
}

#define XTGRAD_INSTANTIATE(T) template void shift_images(Array<T>&, std::size_t, RandomEngine&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::data
