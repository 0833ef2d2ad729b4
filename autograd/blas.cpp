#include "xtgrad/autograd/blas.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <vector>

#include <xtensor-blas/xblas.hpp>

#include "xtgrad/autograd/freed_memory.hpp"
#include "xtgrad/autograd/parallel.hpp"

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

/// The product split over xtgrad's threads as `split` says, each part one oneDNN sgemm on its
/// thread (oneDNN runs on one thread inside a parallel region); false where it does not apply.
bool split_product(const Dims& d, const Array<float>& a, bool transpose_a, const Array<float>& b,
                   bool transpose_b, float* c, float alpha, float beta, Split split) {
    if (split == Split::backend || d.k == 0) return false;
    const std::size_t extent = split == Split::rows ? d.m : (split == Split::columns ? d.n : d.k);
    const std::size_t parts =
        std::min(extent, static_cast<std::size_t>(std::max(1, num_threads())));
    if (parts < 2) return false;
    const std::size_t lda = a.shape(1), ldb = b.shape(1), size = d.m * d.n;
    const float* ap = a.data();
    const float* bp = b.data();
    // The inner split's partial products after the first, reused from call to call.
    thread_local std::vector<float> partials;
    if (split == Split::inner) partials.resize(std::max(partials.size(), (parts - 1) * size));
    float* scratch = partials.data();
    // An exception must not leave the parallel region: the first is kept and thrown after it.
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    // One unit per part, each counted as large enough to be worth the threads.
    constexpr std::size_t kWorthThreads = xtgrad::detail::kParallelMinimum;
    xtgrad::detail::parallel_for<float>(
        parts,
        [&](std::size_t first, std::size_t last) {
            for (std::size_t t = first; t < last; ++t) try {
                    const auto [begin, end] = xtgrad::detail::part_of(extent, parts, t);
                    const std::size_t count = end - begin;
                    if (split == Split::rows)  // rows of op(a) and of c
                        detail::onednn_sgemm(transpose_a, transpose_b, count, d.n, d.k, alpha,
                                             transpose_a ? ap + begin : ap + begin * lda, lda, bp,
                                             ldb, beta, c + begin * d.n, d.n);
                    else if (split == Split::columns)  // columns of op(b) and of c
                        detail::onednn_sgemm(transpose_a, transpose_b, d.m, count, d.k, alpha, ap,
                                             lda, transpose_b ? bp + begin * ldb : bp + begin, ldb,
                                             beta, c + begin, d.n);
                    else  // columns of op(a), rows of op(b): part 0 into c, the others aside
                        detail::onednn_sgemm(transpose_a, transpose_b, d.m, d.n, count, alpha,
                                             transpose_a ? ap + begin * lda : ap + begin, lda,
                                             transpose_b ? bp + begin : bp + begin * ldb, ldb,
                                             t == 0 ? beta : 0.0f,
                                             t == 0 ? c : scratch + (t - 1) * size, d.n);
                } catch (...) {
                    if (!failed.exchange(true)) failure = std::current_exception();
                }
        },
        kWorthThreads);
    if (failure) std::rethrow_exception(failure);
    if (split == Split::inner)  // c += the other parts, in thread order, each row on one thread
        xtgrad::detail::parallel_for<float>(
            d.m,
            [&](std::size_t first, std::size_t last) {
                for (std::size_t t = 1; t < parts; ++t) {
                    const float* part = scratch + (t - 1) * size;
                    for (std::size_t i = first * d.n; i < last * d.n; ++i) c[i] += part[i];
                }
            },
            kWorthThreads);
    return true;
}

template <class T>
void product(const Dims& d, const Array<T>& a, bool transpose_a, const Array<T>& b,
             bool transpose_b, T* c, T alpha, T beta, Split split = Split::backend) {
    if (d.m == 0 || d.n == 0) return;
    memory::keep_freed_memory();  // at the first product: training starts here (freed_memory.hpp)
    if constexpr (std::is_same_v<T, float>) {
        if (d.k > 0 && backend_of<float>() == Backend::onednn) {
            if (split_product(d, a, transpose_a, b, transpose_b, c, alpha, beta, split)) return;
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
          Array<T>& c, T alpha, T beta, Split split) {
    const Dims d = checked_dims(op, a, transpose_a, b, transpose_b);
    if (c.dimension() != 2 || c.shape(0) != d.m || c.shape(1) != d.n)
        throw ShapeError(op, c.shape(), Shape{d.m, d.n}, "result buffer has the wrong shape");
    product(d, a, transpose_a, b, transpose_b, c.data(), alpha, beta, split);
}

template <class T>
Split split_along_weight_rows(const Array<T>& weight, Split along) {
    const bool threaded = num_threads() > 1 && backend_of<T>() == Backend::onednn &&
                          weight.size() >= xtgrad::detail::kParallelMinimum;
    return threaded ? along : Split::backend;
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
    template void gemm(const char*, const Array<T>&, bool, const Array<T>&, bool, Array<T>&, T, T, \
                       Split);                                                                     \
    template Split split_along_weight_rows(const Array<T>&, Split);                                \
    template void gemm(const char*, const Array<T>&, bool, const Array<T>&, bool, T*, std::size_t, \
                       T, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::blas
