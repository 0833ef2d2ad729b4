// Data augmentation for image batches, drawn from an explicit engine (the same seed gives the
// same batches, and a resumed run the same draws as the uninterrupted one).
#pragma once

#include <cstddef>

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/random.hpp"

namespace xtgrad::data {

/// Shifts each image of batch (N, ..., H, W) by its own random offset (dy, dx), each uniform in
/// [-max_shift, max_shift] (two draws per image, rows first), every channel alike. Pixels
/// shifted in from outside take the channel's smallest value in that image (the background of
/// MNIST-like data, whatever its normalisation). Throws ShapeError unless batch has rank >= 3
/// and max_shift is below H and W.
template <class T>
void shift_images(Array<T>& batch, std::size_t max_shift, RandomEngine& rng);

#define XTGRAD_EXTERN(T) extern template void shift_images(Array<T>&, std::size_t, RandomEngine&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::data
