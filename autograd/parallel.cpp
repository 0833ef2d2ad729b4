#include "xtgrad/autograd/parallel.hpp"

#include <algorithm>

#include <omp.h>

#include "xtgrad/autograd/gemm_backend.hpp"

namespace xtgrad::detail {

void run_in_parts(std::size_t units, void (*part)(const void*, std::size_t, std::size_t),
                  const void* context) {
    const auto threads =
        std::min(units, static_cast<std::size_t>(std::max(1, blas::num_threads())));
    if (threads < 2) return part(context, 0, units);
#pragma omp parallel num_threads(static_cast <int>(threads))
    {
        // A team smaller than asked for (inside another parallel region) runs several parts
        // per thread: the parts stay the same.
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        for (auto t = static_cast<std::size_t>(omp_get_thread_num()); t < threads; t += team) {
            const auto [begin, end] = part_of(units, threads, t);
            part(context, begin, end);
        }
    }
}

}  // namespace xtgrad::detail
