// vector_math.hpp's loops on SSE2, which every x86-64 CPU has (autograd/CMakeLists.txt).
#define XTGRAD_VMATH_ARCH xsimd::sse2
#define XTGRAD_VMATH_TABLE sse2_table
#include "xtgrad/autograd/vector_math_arch.inl"
