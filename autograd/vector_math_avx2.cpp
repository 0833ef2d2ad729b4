// vector_math.hpp's loops on AVX2 with FMA (compiled with its flags: autograd/CMakeLists.txt).
#define XTGRAD_VMATH_ARCH xsimd::fma3<xsimd::avx2>
#define XTGRAD_VMATH_TABLE avx2_fma_table
#include "xtgrad/autograd/vector_math_arch.inl"
