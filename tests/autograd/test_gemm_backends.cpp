// Every gemm backend against a plain reference product: every transpose flag, alpha and beta
// (beta 0 must not read c: it starts as NaN), odd and degenerate shapes (0 rows, 1 column, k 0),
// in float32 and float64; every split of a product over xtgrad's threads (blas::Split) alike,
// and the same bits from one call to the next; the backend choice, its names and its report.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include <xtgrad/autograd/blas.hpp>

using namespace xtgrad;
using blas::Backend;

namespace {

/// Restores the automatic choice after a test that pins one.
struct BackendGuard {
    ~BackendGuard() { blas::set_backend(Backend::automatic); }
};

/// Restores the thread count after a test that sets one.
struct ThreadsGuard {
    int before = blas::num_threads();
    ~ThreadsGuard() { blas::set_num_threads(before); }
};

template <class T>
Array<T> random_matrix(std::size_t rows, std::size_t cols, std::mt19937& engine) {
    std::uniform_real_distribution<double> uniform(-1, 1);
    Array<T> a = empty_array<T>({rows, cols});
    for (auto& v : a) v = static_cast<T>(uniform(engine));
    return a;
}

template <class T>
void check_products(Backend backend, blas::Split split = blas::Split::backend) {
    BackendGuard guard;
    blas::set_backend(backend);
    const double tolerance = std::is_same_v<T, float> ? 2e-6 : 1e-14;
    std::mt19937 engine(11);
    const std::size_t shapes[][3] = {{7, 5, 3}, {1, 1, 1}, {0, 4, 3},    {4, 0, 3},
                                     {5, 1, 9}, {3, 4, 0}, {33, 17, 65}, {100, 128, 784}};
    for (const auto& [m, n, k] : shapes)
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (const auto& [alpha, beta] :
                     {std::pair{1.0, 0.0}, std::pair{1.0, 1.0}, std::pair{-0.5, 0.25}}) {
                    const Array<T> a =
                        ta ? random_matrix<T>(k, m, engine) : random_matrix<T>(m, k, engine);
                    const Array<T> b =
                        tb ? random_matrix<T>(n, k, engine) : random_matrix<T>(k, n, engine);
                    Array<T> c = random_matrix<T>(m, n, engine);
                    const Array<T> before = c;
                    if (beta == 0) c.fill(std::numeric_limits<T>::quiet_NaN());
                    blas::gemm("test", a, ta, b, tb, c, static_cast<T>(alpha), static_cast<T>(beta),
                               split);
                    double scale = 1;
                    for (std::size_t i = 0; i < m; ++i)
                        for (std::size_t j = 0; j < n; ++j) {
                            double sum = 0, magnitude = 0;
                            for (std::size_t p = 0; p < k; ++p) {
                                const double x = ta ? a(p, i) : a(i, p);
                                const double y = tb ? b(j, p) : b(p, j);
                                sum += x * y;
                                magnitude += std::abs(x * y);
                            }
                            const double expected =
                                alpha * sum + (beta == 0 ? 0.0 : beta * before(i, j));
                            scale = std::max(1.0, magnitude);
                            BOOST_TEST(std::abs(c(i, j) - expected) <= tolerance * scale,
                                       blas::backend_name(backend)
                                           << " " << (sizeof(T) == 4 ? "f32" : "f64") << " " << m
                                           << "x" << n << "x" << k << " ta " << ta << " tb " << tb
                                           << " alpha " << alpha << " beta " << beta << " split "
                                           << static_cast<int>(split) << " at (" << i << ", " << j
                                           << "): " << c(i, j) << " vs " << expected);
                        }
                }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm_backends)

BOOST_AUTO_TEST_CASE(every_backend_matches_the_reference_product) {
    check_products<float>(Backend::openblas);
    check_products<double>(Backend::openblas);
    check_products<float>(Backend::automatic);
    check_products<double>(Backend::automatic);
    if (blas::has_onednn()) check_products<float>(Backend::onednn);
}

BOOST_AUTO_TEST_CASE(every_split_over_the_threads_matches_the_reference_product) {
    BOOST_REQUIRE(blas::has_onednn());  // the splits run float32 products on oneDNN
    ThreadsGuard threads_guard;
    for (const int threads : {2, 3}) {
        blas::set_num_threads(threads);
        for (const auto split : {blas::Split::rows, blas::Split::columns, blas::Split::inner})
            check_products<float>(Backend::onednn, split);
    }
}

BOOST_AUTO_TEST_CASE(a_split_product_gives_the_same_bits_every_time) {
    BOOST_REQUIRE(blas::has_onednn());
    BackendGuard guard;
    ThreadsGuard threads_guard;
    blas::set_backend(Backend::onednn);
    blas::set_num_threads(2);
    std::mt19937 engine(5);
    const Array<float> x = random_matrix<float>(100, 784, engine);
    const Array<float> w = random_matrix<float>(784, 128, engine);
    const Array<float> bias = random_matrix<float>(100, 128, engine);
    for (const auto split : {blas::Split::rows, blas::Split::columns, blas::Split::inner}) {
        Array<float> first = bias, second = bias;
        blas::gemm("test", x, false, w, false, first, 1.0f, 1.0f, split);
        blas::gemm("test", x, false, w, false, second, 1.0f, 1.0f, split);
        BOOST_TEST((first == second), "split " << static_cast<int>(split));
    }
}

BOOST_AUTO_TEST_CASE(the_weight_decides_whether_threads_split_its_products) {
    BackendGuard guard;
    ThreadsGuard threads_guard;
    const Array<float> big = xt::zeros<float>({784, 128});
    const Array<float> small = xt::zeros<float>({128, 10});
    blas::set_num_threads(2);
    if (blas::has_onednn()) {
        blas::set_backend(Backend::onednn);
        BOOST_TEST((blas::split_along_weight_rows(big, blas::Split::inner) == blas::Split::inner));
        BOOST_TEST(
            (blas::split_along_weight_rows(small, blas::Split::inner) == blas::Split::backend));
    }
    blas::set_backend(Backend::openblas);  // OpenBLAS keeps its own threads
    BOOST_TEST((blas::split_along_weight_rows(big, blas::Split::rows) == blas::Split::backend));
    blas::set_backend(Backend::automatic);
    blas::set_num_threads(1);
    BOOST_TEST((blas::split_along_weight_rows(big, blas::Split::rows) == blas::Split::backend));
}

BOOST_AUTO_TEST_CASE(the_choice_per_element_type_is_reported) {
    BackendGuard guard;
    blas::set_backend(Backend::openblas);
    BOOST_TEST((blas::backend_of<float>() == Backend::openblas));
    BOOST_TEST(blas::backend_report().float32 == "openblas");
    blas::set_backend(Backend::automatic);
    // oneDNN has no float64 gemm: float64 stays on OpenBLAS whatever is chosen.
    BOOST_TEST((blas::backend_of<double>() == Backend::openblas));
    const auto report = blas::backend_report();
    BOOST_TEST(report.float32 == (blas::has_onednn() ? "onednn" : "openblas"));
    BOOST_TEST(report.float64 == "openblas");
    BOOST_TEST(!report.openblas_core.empty());
    BOOST_TEST(!report.openblas_core_source.empty());
    // On a CPU with AVX2 and FMA OpenBLAS never keeps its generic kernels unless told to.
    __builtin_cpu_init();
    if (!std::getenv("OPENBLAS_CORETYPE") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        BOOST_TEST(report.openblas_core != "Prescott", report.openblas_core_source);
    BOOST_TEST_MESSAGE("gemm: float32 " << report.float32 << ", float64 " << report.float64
                                        << "; OpenBLAS " << report.openblas_core << " ("
                                        << report.openblas_core_source << "); oneDNN "
                                        << report.onednn_isa);
    if (blas::has_onednn()) BOOST_TEST(!report.onednn_isa.empty());
}

BOOST_AUTO_TEST_CASE(backend_names_parse_and_bad_ones_are_named) {
    for (Backend b : {Backend::automatic, Backend::openblas, Backend::onednn})
        BOOST_TEST((blas::parse_backend(blas::backend_name(b)) == b));
    try {
        blas::parse_backend("mkl");
        BOOST_FAIL("an unknown backend was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "unknown gemm backend 'mkl' (auto, openblas, onednn)");
    }
}

BOOST_AUTO_TEST_SUITE_END()
