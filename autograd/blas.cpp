#include "xtgrad/autograd/blas.hpp"

#include <algorithm>

#include <xtensor-blas/xblas.hpp>

#include "xtgrad/autograd/freed_memory.hpp"

namespace xtgrad::blas {

namespace {

struct Dims {
    std::size_t m, n, k;
};

template <class T>
Dims checked_dims(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b,
                  bool transpose_b) {
    if (a.dimension() != 2 || b.dimension() != 2)
        throw ShapeError(op, a.shape(), b.shape(), "matrix product needs two 2-D operands");
    const Dims d{transpose_a ? a.shape(1) : a.shape(0), transpose_b ? b.shape(0) : b.shape(1),
                 transpose_a ? a.shape(0) : a.shape(1)};
    const std::size_t kb = transpose_b ? b.shape(1) : b.shape(0);
    if (d.k != kb)
        throw ShapeError(op, a.shape(), b.shape(),
                         std::string("inner dimensions differ") +
                             (transpose_a || transpose_b ? " (after transposition flags)" : ""));
    return d;
}

template <class T>
void product(const Dims& d, const Array<T>& a, bool transpose_a, const Array<T>& b,
             bool transpose_b, T* c, T alpha, T beta) {
    if (d.m == 0 || d.n == 0) return;
    memory::keep_freed_memory();  // at the first product: training starts here (freed_memory.hpp)
    if constexpr (std::is_same_v<T, float>) {
        if (d.k > 0 && backend_of<float>() == Backend::onednn) {
            detail::onednn_sgemm(transpose_a, transpose_b, d.m, d.n, d.k, alpha, a.data(),
                                 a.shape(1), b.data(), b.shape(1), beta, c, d.n);
            return;
        }
    }
    detail::prepare_openblas();
    if (beta == T(0)) {
        // Zeroing c here and accumulating (beta 1) gives the same bits as beta 0, and avoids
        // OpenBLAS's threaded beta pass, which is erratic on this machine kind: 340-570 us for
        // the MLP's weight gradient at 2 threads against 290-365 us (bench/README.md).
        std::fill(c, c + d.m * d.n, T(0));
        beta = T(1);
    }
    if (d.k == 0) {  // BLAS may reject k = 0; the product of empty matrices is zero
        for (std::size_t i = 0; i < d.m * d.n; ++i) c[i] *= beta;
        return;
    }
    using Index = xt::blas_index_t;
    cxxblas::gemm<Index>(cxxblas::StorageOrder::RowMajor,
                         transpose_a ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                         transpose_b ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                         static_cast<Index>(d.m), static_cast<Index>(d.n), static_cast<Index>(d.k),
                         alpha, a.data(), static_cast<Index>(a.shape(1)), b.data(),
                         static_cast<Index>(b.shape(1)), beta, c, static_cast<Index>(d.n));
}

}  // namespace

template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          Array<T>& c, T alpha, T beta) {
    const Dims d = checked_dims(op, a, transpose_a, b, transpose_b);
    if (c.dimension() != 2 || c.shape(0) != d.m || c.shape(1) != d.n)
        throw ShapeError(op, c.shape(), Shape{d.m, d.n}, "result buffer has the wrong shape");
    product(d, a, transpose_a, b, transpose_b, c.data(), alpha, beta);
}

template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          T* c, std::size_t capacity, T alpha, T beta) {
    const Dims d = checked_dims(op, a, transpose_a, b, transpose_b);
    if (capacity < d.m * d.n)
        throw ShapeError(op, Shape{capacity}, Shape{d.m, d.n}, "result buffer is too small");
    product(d, a, transpose_a, b, transpose_b, c, alpha, beta);
}

#define XTGRAD_INSTANTIATE(T)                                                                      \
    template void gemm(const char*, const Array<T>&, bool, const Array<T>&, bool, Array<T>&, T,    \
                       T);                                                                         \
    template void gemm(const char*, const Array<T>&, bool, const Array<T>&, bool, T*, std::size_t, \
                       T, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::blas
