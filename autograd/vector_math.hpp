// Transcendental functions over contiguous buffers, vectorised with xsimd for the widest
// instruction set the CPU has. The set is chosen at run time, as oneDNN chooses its kernels, so
// a build's -march does not change the bits (scripts/test-march); another CPU may round
// differently, as its gemm kernels do.
//
// Every element goes through the same vector code, the last few of a buffer through a padded
// vector, so an element's result depends on its value alone: not on its position, the buffer's
// length or how a loop was split over threads.
//
// The fused layers use these (sigmoid, GeLU and its backward, the fused cross-entropy's
// softmax); the registry's elementwise ops, softmax and log-softmax stay on libm, since they are
// the reference the fused layers are checked against and the lab report's faithful cells were
// made with them. Error against libm, over 4.4 million floats in
// [-10, 10] and 10^4 doubles (tests/autograd/test_vector_math.cpp): exp and tanh within 2 ulp in
// both types (results below the smallest normal number flushed to zero), erf within 3 ulp in
// float. Double erf is not offered: xsimd 8.1's is up to 68 ulp off near 2.2.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace xtgrad::vmath {

/// y[i] = exp(x[i]) for i < n. x and y may be the same buffer.
template <class T>
void exp(const T* x, T* y, std::size_t n);

/// y[i] = tanh(x[i]) for i < n. x and y may be the same buffer.
template <class T>
void tanh(const T* x, T* y, std::size_t n);

/// y[i] = erf(x[i]) for i < n (float only). x and y may be the same buffer.
void erf(const float* x, float* y, std::size_t n);

/// The instruction set the functions above run on: "avx512f", "avx2+fma" or "sse2" on x86-64
/// (the widest this CPU has), "scalar" elsewhere (libm).
std::string_view instruction_set();

namespace detail {
/// Every instruction set this CPU can run, widest first: tests compare each with libm.
std::vector<std::string_view> available_instruction_sets();
/// Runs the functions above on `set` (one of available_instruction_sets()) until reset with
/// an empty name; throws std::invalid_argument for a set this CPU or build lacks. For tests.
void pin_instruction_set(std::string_view set);
}  // namespace detail

}  // namespace xtgrad::vmath
