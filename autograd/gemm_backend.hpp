// Which library computes xtgrad's matrix products, and what those libraries chose for this CPU.
//
// automatic (the default) is what the environment variable XTGRAD_GEMM names (auto, openblas,
// onednn), or else the fastest the build has for each element type: oneDNN's sgemm for float32
// (it picks its kernels for the CPU's instruction set at run time), OpenBLAS for float64 (oneDNN
// has no float64 gemm). `openblas` pins OpenBLAS for both; `onednn` is the fastest choice,
// named; set_backend changes the choice.
//
// OpenBLAS picks its kernels once, when it loads, from a table of CPU models; a CPU newer than
// its table gets the generic "Prescott" kernels, 3-5x slower than the hardware allows. Then, and
// only if OPENBLAS_CORETYPE is unset (a value the user or the machine set is never overridden),
// xtgrad asks OpenBLAS for the kernels of the CPU's instruction set: SkylakeX with AVX-512 (F, CD,
// BW, DQ, VL), Haswell with AVX2 and FMA. It does so once, when the thread count is first set
// (set_num_threads, which programs call before they start threads) or before the first product
// or LAPACK call, whichever comes first; it briefly sets the variable in the environment.
//
// Same machine, backend and thread count give the same bits; another backend or kernel gives a
// different rounding, equally valid.
//
// Signal handlers: oneDNN's JIT gemm kernels (Debian's 2.6) keep data below the stack pointer,
// past the 128-byte red zone a signal frame leaves alone, so a handler that runs on their stack
// can corrupt them. Install handlers with SA_ONSTACK on an alternate stack (sigaltstack), as
// mnist-train does.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace xtgrad::blas {

enum class Backend { automatic, openblas, onednn };
/// Each backend's name, in the order help texts list them (the one table of names).
inline constexpr std::array kBackendNames{
    std::pair{Backend::automatic, std::string_view("auto")},
    std::pair{Backend::openblas, std::string_view("openblas")},
    std::pair{Backend::onednn, std::string_view("onednn")}};

/// Throws std::invalid_argument naming a backend this build lacks (onednn without oneDNN).
void set_backend(Backend backend);
/// The backend that computes products of T now (openblas or onednn, never automatic).
template <class T>
Backend backend_of();

std::string_view backend_name(Backend backend);  // "auto", "openblas", "onednn"
/// Throws std::invalid_argument naming the text and the choices.
Backend parse_backend(std::string_view name);
/// Whether this build has oneDNN.
bool has_onednn();

struct BackendReport {
    std::string float32;               // "onednn"
    std::string float64;               // "openblas"
    std::string openblas_core;         // "SkylakeX"
    std::string openblas_core_source;  // "OPENBLAS_CORETYPE", "OpenBLAS's choice" or
                                       // "set by xtgrad for AVX-512: OpenBLAS chose Prescott"
    std::string onednn_isa;            // "avx512_core_bf16", or "" without oneDNN
};
/// What computes the products, after the choice of OpenBLAS's kernels (which it makes first).
BackendReport backend_report();

/// Threads of OpenBLAS and oneDNN (results are reproducible for a fixed count).
void set_num_threads(int threads);
int num_threads();

namespace detail {
/// Chooses OpenBLAS's kernels as described above, once; called before every OpenBLAS product.
void prepare_openblas();
/// c (row-major m x n) = alpha op(a) op(b) + beta c through oneDNN; beta 0 does not read c.
void onednn_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                  float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                  float beta, float* c, std::size_t ldc);
}  // namespace detail

}  // namespace xtgrad::blas
