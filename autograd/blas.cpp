#include "xtgrad/autograd/blas.hpp"

#include <xtensor-blas/xblas.hpp>

// OpenBLAS's own thread control (declared here rather than through its cblas.h, which would
// clash with the cblas prototypes xtensor-blas brings in).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace xtgrad::blas {

template <class T>
void gemm(const char* op, const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b,
          Array<T>& c, T alpha, T beta) {
    if (a.dimension() != 2 || b.dimension() != 2)
        throw ShapeError(op, a.shape(), b.shape(), "matrix product needs two 2-D operands");
    const std::size_t m = transpose_a ? a.shape(1) : a.shape(0);
    const std::size_t k = transpose_a ? a.shape(0) : a.shape(1);
    const std::size_t kb = transpose_b ? b.shape(1) : b.shape(0);
    const std::size_t n = transpose_b ? b.shape(0) : b.shape(1);
    if (k != kb)
        throw ShapeError(op, a.shape(), b.shape(),
                         std::string("inner dimensions differ") +
                             (transpose_a || transpose_b ? " (after transposition flags)" : ""));
    if (c.dimension() != 2 || c.shape(0) != m || c.shape(1) != n)
        throw ShapeError(op, c.shape(), Shape{m, n}, "result buffer has the wrong shape");
    if (m == 0 || n == 0) return;
    if (k == 0) {  // BLAS leaves c untouched; the product of empty matrices is zero
        for (auto& v : c) v = beta == T(0) ? T(0) : beta * v;
        return;
    }
    xt::blas::gemm(a, b, c, transpose_a, transpose_b, alpha, beta);
}

void set_num_threads(int threads) {
    openblas_set_num_threads(threads);
}
int num_threads() {
    return openblas_get_num_threads();
}

template void gemm(const char*, const Array<float>&, bool, const Array<float>&, bool, Array<float>&,
                   float, float);
template void gemm(const char*, const Array<double>&, bool, const Array<double>&, bool,
                   Array<double>&, double, double);

}  // namespace xtgrad::blas
