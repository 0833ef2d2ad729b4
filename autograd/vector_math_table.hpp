// One instruction set's loops for vector_math.hpp (internal: vector_math.cpp picks a table,
// vector_math_arch.inl fills one per set).
#pragma once

#include <cstddef>

namespace xtgrad::vmath::detail {

template <class T>
using Loop = void (*)(const T* x, T* y, std::size_t n);

struct Table {
    Loop<float> exp_float;
    Loop<double> exp_double;
    Loop<float> tanh_float;
    Loop<double> tanh_double;
    Loop<float> erf_float;
};

extern const Table sse2_table;
extern const Table avx2_fma_table;
extern const Table avx512f_table;

}  // namespace xtgrad::vmath::detail
