#include "xtgrad/autograd/gemm_backend.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include <omp.h>

#ifdef XTGRAD_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

// OpenBLAS's own controls (declared here rather than through its cblas.h). Its DYNAMIC_ARCH
// builds (Debian's) choose their kernel table in gotoblas_dynamic_init, which reads
// OPENBLAS_CORETYPE; _quit forgets the choice so that _init makes it again.
// Weak: an OpenBLAS built for one CPU (without DYNAMIC_ARCH) has neither, and keeps its kernels.
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
__attribute__((weak)) void gotoblas_dynamic_init(void);
__attribute__((weak)) void gotoblas_dynamic_quit(void);
}

namespace xtgrad::blas {

namespace {

/// What XTGRAD_GEMM names (read once), or automatic.
Backend environment_backend() {
    static const Backend chosen = [] {
        const char* name = std::getenv("XTGRAD_GEMM");
        if (!name || !*name) return Backend::automatic;
        try {
            return parse_backend(name);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(std::string("XTGRAD_GEMM: ") + e.what());
        }
    }();
    return chosen;
}

std::atomic<Backend>& current_backend() {
    static std::atomic<Backend> backend{Backend::automatic};
    return backend;
}

std::atomic<int>& thread_count() {  // what set_num_threads set; 0: never set
    static std::atomic<int> threads{0};
    return threads;
}

std::string& openblas_core_source() {
    static std::string source;
    return source;
}

/// The kernels for this CPU's instruction set, if OpenBLAS fell back to its generic ones.
const char* better_openblas_core() {
    if (std::string(openblas_get_corename()) != "Prescott") return nullptr;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return nullptr;
}

#ifdef XTGRAD_HAVE_ONEDNN
std::string onednn_isa_name() {
    switch (dnnl_get_effective_cpu_isa()) {
        case dnnl_cpu_isa_sse41:
            return "sse41";
        case dnnl_cpu_isa_avx:
            return "avx";
        case dnnl_cpu_isa_avx2:
            return "avx2";
        case dnnl_cpu_isa_avx2_vnni:
            return "avx2_vnni";
        case dnnl_cpu_isa_avx512_mic:
            return "avx512_mic";
        case dnnl_cpu_isa_avx512_mic_4ops:
            return "avx512_mic_4ops";
        case dnnl_cpu_isa_avx512_core:
            return "avx512_core";
        case dnnl_cpu_isa_avx512_core_vnni:
            return "avx512_core_vnni";
        case dnnl_cpu_isa_avx512_core_bf16:
            return "avx512_core_bf16";
        case dnnl_cpu_isa_avx512_core_amx:
            return "avx512_core_amx";
        default:
            return "other";
    }
}
#endif

}  // namespace

std::string_view backend_name(Backend backend) {
    for (const auto& [b, name] : kBackendNames)
        if (b == backend) return name;
    throw std::invalid_argument("backend_name: a backend outside its enum");
}

Backend parse_backend(std::string_view name) {
    for (const auto& [b, known] : kBackendNames)
        if (known == name) return b;
    throw std::invalid_argument("unknown gemm backend '" + std::string(name) +
                                "' (auto, openblas, onednn)");
}

bool has_onednn() {
#ifdef XTGRAD_HAVE_ONEDNN
    return true;
#else
    return false;
#endif
}

void set_backend(Backend backend) {
    if (backend == Backend::onednn && !has_onednn())
        throw std::invalid_argument(
            "gemm backend onednn: this build of xtgrad has no oneDNN (configured with "
            "XTGRAD_ONEDNN=OFF or without libdnnl-dev)");
    current_backend() = backend;
}

template <class T>
Backend backend_of() {
    Backend chosen = current_backend();
    if (chosen == Backend::automatic) chosen = environment_backend();
    if (std::is_same_v<T, float> && chosen != Backend::openblas && has_onednn())
        return Backend::onednn;
    return Backend::openblas;
}
template Backend backend_of<float>();
template Backend backend_of<double>();

void detail::prepare_openblas() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::getenv("OPENBLAS_CORETYPE")) {
            openblas_core_source() = "OPENBLAS_CORETYPE";
            return;
        }
        const char* core = better_openblas_core();
        if (!core || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) {
            openblas_core_source() = "OpenBLAS's choice";
            return;
        }
        // OpenBLAS reads the variable only inside _init: set it for that call alone.
        const std::string generic = openblas_get_corename();
        setenv("OPENBLAS_CORETYPE", core, 0);
        gotoblas_dynamic_quit();
        gotoblas_dynamic_init();
        unsetenv("OPENBLAS_CORETYPE");
        openblas_core_source() = std::string("set by xtgrad for ") +
                                 (std::string(core) == "SkylakeX" ? "AVX-512" : "AVX2") +
                                 ": OpenBLAS chose " + generic;
    });
}

void detail::onednn_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n,
                          std::size_t k, float alpha, const float* a, std::size_t lda,
                          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
#ifdef XTGRAD_HAVE_ONEDNN
    // OpenMP's thread count belongs to the calling thread: a thread that set_num_threads did not
    // run on gets it here.
    if (const int threads = thread_count(); threads > 0 && omp_get_max_threads() != threads)
        omp_set_num_threads(threads);
    const auto dim = [](std::size_t v) { return static_cast<dnnl_dim_t>(v); };
    const dnnl_status_t status =
        dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', dim(m), dim(n), dim(k), alpha,
                   a, dim(lda), b, dim(ldb), beta, c, dim(ldc));
    if (status != dnnl_success)
        throw std::runtime_error("oneDNN sgemm failed (status " + std::to_string(status) + ")");
#else
    (void)transpose_a, (void)transpose_b, (void)m, (void)n, (void)k, (void)alpha, (void)a,
        (void)lda, (void)b, (void)ldb, (void)beta, (void)c, (void)ldc;
    throw std::logic_error("onednn_sgemm: this build has no oneDNN");
#endif
}

BackendReport backend_report() {
    detail::prepare_openblas();
    BackendReport report{std::string(backend_name(backend_of<float>())),
                         std::string(backend_name(backend_of<double>())), openblas_get_corename(),
                         openblas_core_source(), ""};
#ifdef XTGRAD_HAVE_ONEDNN
    report.onednn_isa = onednn_isa_name();
#endif
    return report;
}

void set_num_threads(int threads) {
    detail::prepare_openblas();
    thread_count() = threads;
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);  // oneDNN's threads and xtgrad's own loops (parallel.hpp)
}

int num_threads() {
    return openblas_get_num_threads();
}

}  // namespace xtgrad::blas
