// xtgrad's own loops (elementwise passes, their backwards, optimizer updates, pooling, the
// loader's batch gather) over the threads that blas::set_num_threads sets for OpenBLAS and
// oneDNN: one thread setting for all.
// The split is static, [0, n) in one contiguous part per thread with sizes differing by at most
// one, and depends on nothing but n and the thread count; each part writes only its own
// elements, so the results are the same bits for any thread count.
//
// The loops run on OpenMP's threads, which oneDNN's products use too. Where an element type's
// products run on OpenBLAS instead (float64; float32 with --gemm openblas), its loops stay on
// the calling thread: OpenBLAS keeps a pool of its own, and two pools spinning on the same cores
// slowed a 2-thread float64 epoch 3x (0.53 s -> 1.79 s, bench/README.md).
#pragma once

#include <cstddef>
#include <utility>

#include "xtgrad/autograd/gemm_backend.hpp"

namespace xtgrad::detail {

/// Loops over fewer elements than this stay on the calling thread: waking the others costs
/// microseconds, which a short pass does not repay.
inline constexpr std::size_t kParallelMinimum = std::size_t{1} << 15;

/// Part t of [0, units) split in `parts` (the first units % parts parts hold one unit more):
/// the split of every threaded loop, and of the products blas::Split has the threads make.
inline std::pair<std::size_t, std::size_t> part_of(std::size_t units, std::size_t parts,
                                                   std::size_t t) {
    const std::size_t base = units / parts, extra = units % parts;
    const std::size_t begin = t * base + (t < extra ? t : extra);
    return {begin, begin + base + (t < extra ? 1 : 0)};
}

/// Runs part(context, begin, end) over the parts of [0, units), in parallel (internal; call
/// parallel_for).
void run_in_parts(std::size_t units, void (*part)(const void*, std::size_t, std::size_t),
                  const void* context);

/// body(begin, end) over [0, units) split as described above, where each unit holds
/// unit_elements elements (a plane of an image, say) of type T: in parallel when there are at
/// least kParallelMinimum elements in all, more than one thread, and T's products run on
/// oneDNN; else body(0, units) here. body must not throw.
template <class T, class Body>
void parallel_for(std::size_t units, const Body& body, std::size_t unit_elements = 1) {
    if (units < 2 || units * unit_elements < kParallelMinimum ||
        blas::backend_of<T>() != blas::Backend::onednn)
        return body(std::size_t{0}, units);
    run_in_parts(
        units,
        [](const void* context, std::size_t begin, std::size_t end) {
            (*static_cast<const Body*>(context))(begin, end);
        },
        &body);
}

}  // namespace xtgrad::detail
