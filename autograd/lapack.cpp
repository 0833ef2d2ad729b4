// The one use of LAPACK (through xtensor-blas, on OpenBLAS): QR for orthogonal initialisation.
// Its own translation unit, since xlinalg.hpp is heavy to compile.
#include <cmath>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xview.hpp>

#include "xtgrad/autograd/blas.hpp"

namespace xtgrad::blas {

void orthonormalize_columns(Array<double>& a) {
    if (a.dimension() != 2 || a.shape(0) < a.shape(1))
        throw ShapeError("orthonormalize_columns", a.shape(), "needs a (m, n) matrix with m >= n");
    blas::detail::prepare_openblas();  // OpenBLAS's kernels are chosen before its first call
    const auto [q, r] = xt::linalg::qr(a, xt::linalg::qrmode::reduced);
    Array<double> out = q;
    for (std::size_t j = 0; j < out.shape(1); ++j) {
        if (r(j, j) >= 0) continue;
        for (std::size_t i = 0; i < out.shape(0); ++i) out(i, j) = -out(i, j);
    }
    a = std::move(out);
}

}  // namespace xtgrad::blas
