// flatten, squeeze, unsqueeze, var, concat, stack, pad, batched matmul and logsumexp
// (compositions of registry ops): values against xtensor or loops, derivatives of every order
// and tangents against finite differences, errors by name; argmax, where and index_select.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include <xtgrad/autograd/gradcheck.hpp>
#include <xtgrad/autograd/ops.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

void check_all_orders(const TensorFunction<double>& f, const std::vector<Array<double>>& x) {
    GradcheckOptions o;
    o.rtol = 1e-6;
    o.atol = 1e-8;
    BOOST_TEST(gradcheck<double>(f, x, o).ok);
    BOOST_TEST(gradgradcheck<double>(f, x, o).ok);
    BOOST_TEST(tangentcheck<double>(f, x, o).ok);
}

void check_all_orders(const TensorFunction<double>& f, const Array<double>& x) {
    check_all_orders(f, std::vector<Array<double>>{x});
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shape_ops)

BOOST_AUTO_TEST_CASE(reshaping_helpers) {
    const Tensord x(Array<double>(xt::ones<double>({2, 3, 4, 5})));
    BOOST_TEST((flatten(x).shape() == Shape{2, 60}));
    BOOST_TEST((flatten(x, 2).shape() == Shape{2, 3, 20}));
    BOOST_TEST((unsqueeze(x, 0).shape() == Shape{1, 2, 3, 4, 5}));
    BOOST_TEST((unsqueeze(x, -1).shape() == Shape{2, 3, 4, 5, 1}));
    BOOST_TEST((squeeze(unsqueeze(x, 2), 2).shape() == x.shape()));
    BOOST_CHECK_THROW(squeeze(x, 1), ShapeError);
    BOOST_CHECK_THROW(unsqueeze(x, 6), ShapeError);
    BOOST_CHECK_THROW(flatten(x, 4), ShapeError);
    TestRandom rng(41);
    check_all_orders([](const auto& v) { return square(flatten(v[0])); },
                     rng.uniform_array<double>(Shape{2, 3, 2}, -1, 1));
}

BOOST_AUTO_TEST_CASE(variance_biased_and_unbiased) {
    TestRandom rng(42);
    Array<double> x = xt::zeros<double>({3, 5});  // uniform_array's draws, in its order (its
    for (auto& v : x) v = rng.uniform(-2, 2);     // inlined Shape copy trips GCC 12 here)
    for (const bool unbiased : {true, false}) {
        const Tensord variance = var(Tensord(x), 1, unbiased);
        const Array<double>& got = variance.value();
        for (std::size_t r = 0; r < 3; ++r) {
            double m = 0;
            for (std::size_t c = 0; c < 5; ++c) m += x(r, c) / 5;
            double total = 0;
            for (std::size_t c = 0; c < 5; ++c) total += (x(r, c) - m) * (x(r, c) - m);
            BOOST_TEST(got(r) == total / (unbiased ? 4.0 : 5.0),
                       boost::test_tools::tolerance(1e-14));
        }
        check_all_orders([unbiased](const auto& v) { return var(v[0], 0, unbiased, true); }, x);
    }
    const Tensord single(Array<double>{{1.0, 2.0}});
    try {
        var(single, 0);
        BOOST_FAIL("the unbiased variance of one element was accepted");
    } catch (const ShapeError& e) {
        BOOST_TEST(std::string(e.what()).find("var") != std::string::npos);
    }
    BOOST_TEST(var(single, 0, false).value()(0) == 0.0);
}

BOOST_AUTO_TEST_CASE(batched_matmul_is_one_product_per_entry) {
    TestRandom rng(44);
    const Array<double> a = rng.uniform_array<double>(Shape{3, 2, 4}, -1, 1);
    const Array<double> b = rng.uniform_array<double>(Shape{3, 4, 5}, -1, 1);
    const Array<double> w = rng.uniform_array<double>(Shape{4, 5}, -1, 1);
    const Tensord batched = matmul(Tensord(a), Tensord(b));
    const Tensord shared = matmul(Tensord(a), Tensord(w));
    BOOST_TEST((batched.shape() == Shape{3, 2, 5}));
    BOOST_TEST((shared.shape() == Shape{3, 2, 5}));
    double worst = 0;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t r = 0; r < 2; ++r)
            for (std::size_t c = 0; c < 5; ++c) {
                double one = 0, other = 0;
                for (std::size_t k = 0; k < 4; ++k) {
                    one += a(i, r, k) * b(i, k, c);
                    other += a(i, r, k) * w(k, c);
                }
                worst = std::max({worst, std::abs(batched.value()(i, r, c) - one),
                                  std::abs(shared.value()(i, r, c) - other)});
            }
    BOOST_TEST(worst < 1e-14);
    check_all_orders([](const auto& v) { return matmul(v[0], v[1]); }, {a, b});
    check_all_orders([](const auto& v) { return matmul(v[0], v[1]); }, {a, w});
    const std::string error = message_of([&] { matmul(Tensord(a), Tensord(a)); });
    BOOST_TEST(error.find("matmul") != std::string::npos, error);
    BOOST_TEST(error.find("(3, 2, 4)") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(logsumexp_never_overflows_and_argmax_picks_the_first_maximum) {
    const Array<double> x = {{1000.0, 1000.0, 999.0}, {-2.0, 0.5, 0.5}};
    const Tensord l = logsumexp(Tensord(x), 1);
    BOOST_TEST(l.value()(0) == 1000.0 + std::log(2.0 + std::exp(-1.0)),
               boost::test_tools::tolerance(1e-15));
    BOOST_TEST(l.value()(1) == std::log(std::exp(-2.0) + 2 * std::exp(0.5)),
               boost::test_tools::tolerance(1e-15));
    BOOST_TEST((logsumexp(Tensord(x), 0, true).shape() == Shape{1, 3}));
    TestRandom rng(45);
    check_all_orders([](const auto& v) { return logsumexp(v[0], -1); },
                     rng.uniform_array<double>(Shape{3, 4}, -2, 2));
    const Tensord picked = argmax(Tensord(x), 1);
    BOOST_TEST(picked.value()(0) == 0.0);  // the first of two maxima
    BOOST_TEST(picked.value()(1) == 1.0);
    BOOST_TEST((argmax(Tensord(x), 0, true).value() == Array<double>{{0.0, 0.0, 0.0}}));
    BOOST_TEST(!argmax(Tensord::parameter(x), 1).requires_grad());
}

BOOST_AUTO_TEST_CASE(where_and_index_select_keep_what_they_do_not_pick_out) {
    const double inf = std::numeric_limits<double>::infinity();
    Tensord a = Tensord::parameter(Array<double>{1.0, inf, 3.0});
    Tensord b = Tensord::parameter(Array<double>{-1.0, -2.0, -3.0});
    const Tensord picked = where(greater(b, scalar(-2.5)), b, a);  // inf only where not taken
    BOOST_TEST((picked.value() == Array<double>{-1.0, -2.0, 3.0}));
    sum(picked).backward();
    BOOST_TEST((a.grad() == Array<double>{0.0, 0.0, 1.0}));
    BOOST_TEST((b.grad() == Array<double>{1.0, 1.0, 0.0}));
    const std::string shapes = message_of([&] { where(Tensord(Array<double>{1.0, 0.0}), a, b); });
    BOOST_TEST(shapes.find("where") != std::string::npos, shapes);

    const std::vector<std::size_t> rows = {2, 0, 2};
    Tensord x = Tensord::parameter(Array<double>{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
    const Tensord selected = index_select(x, 0, std::span<const std::size_t>(rows));
    BOOST_TEST((selected.value() == Array<double>{{5.0, 6.0}, {1.0, 2.0}, {5.0, 6.0}}));
    sum(selected).backward();  // repeated rows add up
    BOOST_TEST((x.grad() == Array<double>{{1.0, 1.0}, {0.0, 0.0}, {2.0, 2.0}}));
    const std::vector<std::size_t> bad = {1, 3};
    const std::string error =
        message_of([&] { index_select(x, 0, std::span<const std::size_t>(bad)); });
    BOOST_TEST(error == "index_select: index 3 at position 1 is outside an axis of length 3",
               error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(joining_ops)

BOOST_AUTO_TEST_CASE(concat_stack_and_pad) {
    const Array<double> a{{0.31, -0.72, 0.24}, {1.13, -0.41, 0.95}};
    Array<double> b{-0.57, 0.66};
    b.reshape({2, 1});
    const Tensord joined_tensor = concat<double>({Tensord(a), Tensord(b)}, 1);
    const Array<double>& joined = joined_tensor.value();
    BOOST_TEST((joined.shape() == Shape{2, 4}));
    BOOST_TEST(joined(1, 2) == a(1, 2));
    BOOST_TEST(joined(1, 3) == b(1, 0));
    const Tensord stacked_tensor = stack<double>({Tensord(a), Tensord(a)}, 0);
    const Array<double>& stacked = stacked_tensor.value();
    BOOST_TEST((stacked.shape() == Shape{2, 2, 3}));
    BOOST_TEST(stacked(1, 1, 2) == a(1, 2));
    const Tensord padded_tensor = pad(Tensord(a), 0, 1, 2, -5.0);
    const Array<double>& padded = padded_tensor.value();
    BOOST_TEST((padded.shape() == Shape{5, 3}));
    BOOST_TEST(padded(0, 1) == -5.0);
    BOOST_TEST(padded(2, 1) == a(1, 1));
    BOOST_TEST(padded(4, 2) == -5.0);
    check_all_orders(
        [&](const auto& v) {
            return square(concat<double>({v[0], pad(v[0], 1, 2, 0, 0.5)}, 1));
        },
        a);
    check_all_orders([](const auto& v) { return stack<double>({v[0], square(v[0])}, -1); }, a);
    BOOST_CHECK_THROW(
        concat<double>({Tensord(a), Tensord(Array<double>(xt::zeros<double>({3, 3})))}, 1),
        ShapeError);
    BOOST_CHECK_THROW(slice(Tensord(a), 1, 2, 4), ShapeError);
    BOOST_CHECK_THROW(slice(Tensord(a), 1, 0, 2, 0), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
