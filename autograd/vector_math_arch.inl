// The loops of vector_math.hpp for one instruction set: included by one source file per set,
// each compiled with that set's flags and defining XTGRAD_VMATH_ARCH (an xsimd architecture)
// and XTGRAD_VMATH_TABLE (the name of its table).
//
// Only code that names the architecture may live here: an inline function shared by two of
// these files (std::copy, say) would be compiled once per set, and the linker could keep the
// AVX-512 copy for the SSE2 caller. Hence the plain loops.
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "xtgrad/autograd/vector_math_table.hpp"

namespace xtgrad::vmath::detail {
namespace {

using Arch = XTGRAD_VMATH_ARCH;

/// y = f(x) a vector at a time; the last partial vector padded with zeros.
template <class T, class F>
void apply(const T* x, T* y, std::size_t n, F f) {
    using Batch = xsimd::batch<T, Arch>;
    constexpr std::size_t width = Batch::size;
    std::size_t i = 0;
    for (; i + width <= n; i += width) f(Batch::load_unaligned(x + i)).store_unaligned(y + i);
    if (i == n) return;
    alignas(Arch::alignment()) T padded[width] = {};
    for (std::size_t k = 0; i + k < n; ++k) padded[k] = x[i + k];
    f(Batch::load_aligned(padded)).store_aligned(padded);
    for (std::size_t k = 0; i + k < n; ++k) y[i + k] = padded[k];
}

template <class T>
void exp_loop(const T* x, T* y, std::size_t n) {
    apply(x, y, n, [](const auto& v) { return xsimd::exp(v); });
}

template <class T>
void tanh_loop(const T* x, T* y, std::size_t n) {
    apply(x, y, n, [](const auto& v) { return xsimd::tanh(v); });
}

void erf_loop(const float* x, float* y, std::size_t n) {
    apply(x, y, n, [](const auto& v) { return xsimd::erf(v); });
}

}  // namespace

const Table XTGRAD_VMATH_TABLE{exp_loop<float>, exp_loop<double>, tanh_loop<float>,
                               tanh_loop<double>, erf_loop};

}  // namespace xtgrad::vmath::detail
