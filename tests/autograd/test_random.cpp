// The numpy-compatible engine against values printed by numpy 1.24 (np.random.seed(42), then
// randn(784, 128) * 0.01, randn(128, 10) * 0.01, then two shuffles of a fresh arange(60000)).
#include <boost/test/unit_test.hpp>

#include <numeric>
#include <vector>

#include <xtgrad/autograd/random.hpp>

using namespace xtgrad;

namespace {

std::vector<double> scaled_normals(RandomEngine& rng, std::size_t count, double scale) {
    std::vector<double> values(count);
    for (auto& v : values) v = rng.normal() * scale;
    return values;
}

std::vector<std::size_t> shuffled_range(RandomEngine& rng, std::size_t n) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    rng.shuffle(order);
    return order;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(random_engines)

BOOST_AUTO_TEST_CASE(numpy_engine_reproduces_the_lab_stream) {
    NumpyRandom rng(42);
    const auto w1 = scaled_normals(rng, 784 * 128, 0.01);
    const auto w2 = scaled_normals(rng, 128 * 10, 0.01);
    // Exact to the last bit (17 significant digits).
    BOOST_TEST(w1[0] == 0.0049671415301123269);
    BOOST_TEST(w1[1] == -0.0013826430117118466);
    BOOST_TEST(w1[783 * 128 + 127] == 0.013885900667626174);
    BOOST_TEST(w2[0] == -0.00080235468827663016);
    BOOST_TEST(w2[127 * 10 + 9] == 0.0011477403216747875);

    const auto first = shuffled_range(rng, 60000);
    const std::vector<std::size_t> first_head = {34323, 1788,  24572, 5276,
                                                 47509, 18319, 49631, 50171};
    const std::vector<std::size_t> first_tail = {1351, 59344, 46524};
    BOOST_TEST(std::vector<std::size_t>(first.begin(), first.begin() + 8) == first_head,
               boost::test_tools::per_element());
    BOOST_TEST(std::vector<std::size_t>(first.end() - 3, first.end()) == first_tail,
               boost::test_tools::per_element());
    const auto second = shuffled_range(rng, 60000);
    const std::vector<std::size_t> second_head = {24410, 59397, 48606, 28824,
                                                  34112, 40803, 30357, 41171};
    BOOST_TEST(std::vector<std::size_t>(second.begin(), second.begin() + 8) == second_head,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(state_round_trips_including_the_cached_normal) {
    for (const char* kind : {"numpy", "std"}) {
        auto rng = make_random_engine(kind, 7);
        rng->normal();  // leaves a cached second value behind
        const std::string saved = rng->state();
        const double a = rng->normal();
        const double b = rng->uniform();
        auto other = make_random_engine(kind, 999);
        other->set_state(saved);
        BOOST_TEST(other->normal() == a);
        BOOST_TEST(other->uniform() == b);
        BOOST_CHECK_THROW(other->set_state("garbage"), std::invalid_argument);
    }
    BOOST_CHECK_THROW(
        make_random_engine("numpy", 7)->set_state(make_random_engine("std", 7)->state()),
        std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(same_seed_same_numbers_different_seed_different_numbers) {
    for (const char* kind : {"numpy", "std"}) {
        auto a = make_random_engine(kind, 3);
        auto b = make_random_engine(kind, 3);
        auto c = make_random_engine(kind, 4);
        const auto sa = shuffled_range(*a, 1000);
        BOOST_TEST(sa == shuffled_range(*b, 1000), boost::test_tools::per_element());
        BOOST_TEST(!(sa == shuffled_range(*c, 1000)));
    }
}

BOOST_AUTO_TEST_CASE(engines_are_in_range) {
    StdRandom rng(1);
    for (int i = 0; i < 10000; ++i) {
        const double u = rng.uniform();
        BOOST_TEST_REQUIRE((u >= 0.0 && u < 1.0));
        BOOST_TEST_REQUIRE(rng.below_or_equal(6) <= 6u);
    }
    BOOST_TEST(rng.below_or_equal(0) == 0u);
    NumpyRandom big(5);
    BOOST_TEST(big.below_or_equal(0x1'0000'0005ULL) <= 0x1'0000'0005ULL);
    BOOST_CHECK_THROW(make_random_engine("mersenne", 1), std::invalid_argument);
    BOOST_CHECK_THROW(make_random_engine("numpy", 1ULL << 40), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
