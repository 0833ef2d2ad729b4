// vector_math.hpp's loops on AVX-512F (compiled with its flags: autograd/CMakeLists.txt).
#define XTGRAD_VMATH_ARCH xsimd::avx512f
#define XTGRAD_VMATH_TABLE avx512f_table
#include "xtgrad/autograd/vector_math_arch.inl"
