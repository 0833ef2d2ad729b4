// Matrix products: OpenBLAS through xtensor-blas (cblas ?gemm), or oneDNN's sgemm, as
// gemm_backend.hpp chooses; and control of their threads.
#pragma once

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/gemm_backend.hpp"

namespace xtgrad::blas {

/// Who splits a product between the threads: the backend itself, or xtgrad's threads along the
/// rows of c, its columns, or the inner dimension (each thread a partial product over its part
/// of it, the partial products then added in thread order). The parts are parallel.hpp's static
/// split, so a thread count gives the same bits every time; a different split or thread count
/// rounds differently.
enum class Split { backend, rows, columns, inner };

/// c = alpha * op(a) * op(b) + beta * c, where op transposes when its flag is set (no transposed
/// copy is ever made). c must already have its result shape; with beta == 0 its contents are
/// not read. Throws ShapeError naming `op` and the shapes unless all three are conforming 2-D
/// arrays. A split other than Split::backend applies where xtgrad's loops run threaded
/// (parallel.hpp: more than one thread, T's products on oneDNN), each part on one thread.
template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          Array<T>& c, T alpha = T(1), T beta = T(0), Split split = Split::backend);

/// How to split a product of which `weight` is an operand and `along` the dimension that runs
/// over the weight's rows: `along` where the optimizer's update of the weight runs threaded
/// (parallel.hpp: at least kParallelMinimum elements), else Split::backend. Each thread then
/// reads, and its gradient writes, the weight rows that its part of the update holds: the
/// forward x W split along k, the gradients G W^T along the columns and x^T G along the rows.
/// Split by the backend across the batch, every weight line went to both cores in the forward
/// and back in the update: SGD's step cost 58 us at 2 threads instead of 9 (bench/README.md).
template <class T>
Split split_along_weight_rows(const Array<T>& weight, Split along);

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
                          Array<float>&, float, float, Split);
extern template void gemm(const char*, const Array<double>&, bool, const Array<double>&, bool,
                          Array<double>&, double, double, Split);
extern template Split split_along_weight_rows(const Array<float>&, Split);
extern template Split split_along_weight_rows(const Array<double>&, Split);
extern template void gemm(const char*, const Array<float>&, bool, const Array<float>&, bool, float*,
                          std::size_t, float, float);
extern template void gemm(const char*, const Array<double>&, bool, const Array<double>&, bool,
                          double*, std::size_t, double, double);

}  // namespace xtgrad::blas
