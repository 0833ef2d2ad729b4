// vector_math.hpp on every instruction set this CPU has: within a few ulp of libm over 4.4 million
// floats in [-10, 10] and 10^4 doubles, libm's values at zeros, infinities, NaN and overflow,
// and each element's result independent of its position and of the buffer's length.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <xtgrad/autograd/vector_math.hpp>

using namespace xtgrad;

namespace {

/// Runs the functions on `set` for the guard's lifetime.
struct PinnedSet {
    explicit PinnedSet(std::string_view set) { vmath::detail::pin_instruction_set(set); }
    ~PinnedSet() { vmath::detail::pin_instruction_set(""); }
};

/// |got - want| in units of the last place of want, rounded to T (0 when both are equal, NaN
/// or infinite alike; infinity when only one is). Below the smallest normal number the unit is
/// that number: the vector exp flushes results there to zero.
template <class T>
double ulps(T got, double want) {
    const T rounded = static_cast<T>(want);
    if (got == rounded || (std::isnan(got) && std::isnan(want))) return 0;
    if (!std::isfinite(got) || !std::isfinite(rounded))
        return std::numeric_limits<double>::infinity();
    const T magnitude = std::abs(rounded);
    const double unit =
        magnitude < std::numeric_limits<T>::min()
            ? static_cast<double>(std::numeric_limits<T>::min())
            : static_cast<double>(std::nextafter(magnitude, std::numeric_limits<T>::infinity()) -
                                  magnitude);
    return std::abs(static_cast<double>(got) - want) / unit;
}

template <class T>
std::vector<T> test_points() {
    std::vector<T> x;
    if constexpr (std::is_same_v<T, float>) {  // every 499th float in (0, 10], and negated
        for (std::uint32_t bits = 1;; bits += 499) {
            float v;
            std::memcpy(&v, &bits, sizeof v);
            if (v > 10) break;
            x.push_back(v);
            x.push_back(-v);
        }
    } else {
        std::mt19937_64 engine(3);
        std::uniform_real_distribution<double> exponent(-30, 3);
        for (int i = 0; i < 10000; ++i) {
            const double v = std::pow(10.0, exponent(engine));
            x.push_back(i % 2 ? v : -v);
        }
    }
    const T inf = std::numeric_limits<T>::infinity();
    for (T v : {T(0), T(-0.0), inf, -inf, std::numeric_limits<T>::quiet_NaN(), T(100), T(-100),
                T(1000), T(-1000), std::numeric_limits<T>::max(), std::numeric_limits<T>::min()})
        x.push_back(v);
    return x;
}

/// The largest error of f over the test points against libm's `reference`, and checks that the
/// first elements give the same bits computed one at a time and within a buffer of 3.
template <class T, class F, class Reference>
double largest_error(const std::string& what, F f, Reference reference) {
    const std::vector<T> x = test_points<T>();
    std::vector<T> y(x.size());
    f(x.data(), y.data(), x.size());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double e = ulps(y[i], reference(static_cast<double>(x[i])));
        if (e > worst) worst = e;
    }
    for (std::size_t i = 0; i < 64; ++i) {
        T one;
        f(&x[i], &one, 1);
        T three[3];
        f(&x[i], three, 3);
        BOOST_TEST_INFO(what << " at element " << i << " (x = " << x[i] << ")");
        BOOST_TEST(std::memcmp(&one, &y[i], sizeof(T)) == 0);
        BOOST_TEST(std::memcmp(&three[0], &y[i], sizeof(T)) == 0);
    }
    std::vector<T> in_place = x;
    f(in_place.data(), in_place.data(), in_place.size());
    BOOST_TEST_INFO(what << " in place");
    BOOST_TEST(std::memcmp(in_place.data(), y.data(), y.size() * sizeof(T)) == 0);
    return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vector_math)

BOOST_AUTO_TEST_CASE(every_instruction_set_agrees_with_libm_to_a_few_ulp) {
    const auto sets = vmath::detail::available_instruction_sets();
    BOOST_TEST_REQUIRE(!sets.empty());
    BOOST_TEST(vmath::instruction_set() == sets.front());  // the widest, by default
    for (std::string_view set : sets) {
        const PinnedSet pinned(set);
        BOOST_TEST(vmath::instruction_set() == set);
        const std::string name(set);
        const auto libm_exp = [](double v) { return std::exp(v); };
        const auto libm_tanh = [](double v) { return std::tanh(v); };
        const auto libm_erf = [](double v) { return std::erf(v); };
        BOOST_TEST_INFO(name);
        BOOST_TEST(largest_error<float>(name + " exp float", vmath::exp<float>, libm_exp) <= 2.0);
        BOOST_TEST_INFO(name);
        BOOST_TEST(largest_error<double>(name + " exp double", vmath::exp<double>, libm_exp) <=
                   2.0);
        BOOST_TEST_INFO(name);
        BOOST_TEST(largest_error<float>(name + " tanh float", vmath::tanh<float>, libm_tanh) <=
                   2.0);
        BOOST_TEST_INFO(name);
        BOOST_TEST(largest_error<double>(name + " tanh double", vmath::tanh<double>, libm_tanh) <=
                   2.0);
        BOOST_TEST_INFO(name);
        BOOST_TEST(largest_error<float>(name + " erf float", vmath::erf, libm_erf) <= 3.0);
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_instruction_set_is_named_in_the_error) {
    BOOST_CHECK_EXCEPTION(vmath::detail::pin_instruction_set("avx1024"), std::invalid_argument,
                          [](const std::invalid_argument& e) {
                              return std::string(e.what()).find("'avx1024'") != std::string::npos;
                          });
    BOOST_TEST(vmath::instruction_set() == vmath::detail::available_instruction_sets().front());
}

BOOST_AUTO_TEST_SUITE_END()
