// Matrix products: OpenBLAS through xtensor-blas (cblas ?gemm), or oneDNN's sgemm, as
// gemm_backend.hpp chooses; and control of their threads.
#pragma once

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/gemm_backend.hpp"

namespace xtgrad::blas {

/// c = alpha * op(a) * op(b) + beta * c, where op transposes when its flag is set (no transposed
/// copy is ever made). c must already have its result shape; with beta == 0 its contents are
/// not read. Throws ShapeError naming `op` and the shapes unless all three are conforming 2-D
/// arrays.
template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          Array<T>& c, T alpha = T(1), T beta = T(0));

/// The same product into raw row-major storage for m x n elements (a scratch buffer reused
/// across calls); capacity is checked.
template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          T* c, std::size_t capacity, T alpha = T(1), T beta = T(0));

/// Replaces a (m, n) with m >= n by the Q of its QR decomposition (LAPACK geqrf/orgqr), each
/// column's sign chosen so that R's diagonal is positive: orthonormal columns, as PyTorch's
/// orthogonal_ init makes them. Throws ShapeError unless a is 2-D with m >= n.
void orthonormalize_columns(Array<double>& a);

extern template void gemm(const char*, const Array<float>&, bool, const Array<float>&, bool,
                          Array<float>&, float, float);
extern template void gemm(const char*, const Array<double>&, bool, const Array<double>&, bool,
                          Array<double>&, double, double);
extern template void gemm(const char*, const Array<float>&, bool, const Array<float>&, bool, float*,
                          std::size_t, float, float);
extern template void gemm(const char*, const Array<double>&, bool, const Array<double>&, bool,
                          double*, std::size_t, double, double);

}  // namespace xtgrad::blas
