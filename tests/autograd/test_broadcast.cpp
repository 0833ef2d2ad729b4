#include <boost/test/unit_test.hpp>

#include <xtensor/xbuilder.hpp>

#include <xtgrad/autograd/broadcast.hpp>

using namespace xtgrad;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(broadcast)

BOOST_AUTO_TEST_CASE(broadcast_shapes_follow_numpy) {
    BOOST_TEST(to_string(broadcast_shapes("t", {3, 4}, {4})) == "(3, 4)");
    BOOST_TEST(to_string(broadcast_shapes("t", {3, 1}, {1, 4})) == "(3, 4)");
    BOOST_TEST(to_string(broadcast_shapes("t", {}, {2, 3})) == "(2, 3)");
    BOOST_TEST(to_string(broadcast_shapes("t", {2, 3, 4}, {3, 1})) == "(2, 3, 4)");
    BOOST_TEST(to_string(broadcast_shapes("t", {0, 4}, {4})) == "(0, 4)");
}

BOOST_AUTO_TEST_CASE(clashing_shapes_name_the_op_and_both_shapes) {
    try {
        broadcast_shapes("add", {2, 3}, {4});
        BOOST_FAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("add") != std::string::npos);
        BOOST_TEST(what.find("(2, 3)") != std::string::npos);
        BOOST_TEST(what.find("(4)") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(unbroadcast_same_shape_is_identity) {
    Array<double> g = {{1, 2}, {3, 4}};
    BOOST_TEST(unbroadcast(g, {2, 2}) == g, tt::per_element());
}

BOOST_AUTO_TEST_CASE(unbroadcast_to_a_scalar_sums_everything) {
    Array<double> g = {{1, 2}, {3, 4}};
    const Array<double> r = unbroadcast(g, {});
    BOOST_TEST(r.dimension() == 0u);
    BOOST_TEST(r() == 10.0);
    const Array<double> r11 = unbroadcast(g, {1, 1});
    BOOST_TEST(to_string(r11.shape()) == "(1, 1)");
    BOOST_TEST(r11(0, 0) == 10.0);
}

BOOST_AUTO_TEST_CASE(unbroadcast_to_a_row_sums_the_rows) {
    Array<double> g = {{1, 2, 3}, {4, 5, 6}};
    BOOST_TEST(unbroadcast(g, {3}) == (Array<double>{5, 7, 9}), tt::per_element());
    const Array<double> kept = unbroadcast(g, {1, 3});
    BOOST_TEST(to_string(kept.shape()) == "(1, 3)");
    BOOST_TEST(kept == (Array<double>{{5, 7, 9}}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(unbroadcast_to_a_column_sums_each_row) {
    Array<double> g = {{1, 2, 3}, {4, 5, 6}};
    Array<double> expected = {6, 15};
    expected.reshape({2, 1});
    BOOST_TEST(unbroadcast(g, {2, 1}) == expected, tt::per_element());
}

BOOST_AUTO_TEST_CASE(unbroadcast_over_a_middle_axis) {
    Array<double> g = xt::arange<double>(24);
    g.reshape({2, 3, 4});
    // Target (2, 1, 4): sum over axis 1.
    Array<double> expected = xt::zeros<double>({2, 1, 4});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) expected(i, 0, k) += g(i, j, k);
    BOOST_TEST(unbroadcast(g, {2, 1, 4}) == expected, tt::per_element());
    // Target (3, 1): sum over axes 0 and 2.
    Array<double> expected31 = xt::zeros<double>({3, 1});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) expected31(j, 0) += g(i, j, k);
    BOOST_TEST(unbroadcast(g, {3, 1}) == expected31, tt::per_element());
}

BOOST_AUTO_TEST_CASE(unbroadcast_rejects_a_target_that_does_not_broadcast) {
    Array<double> g = {{1, 2, 3}, {4, 5, 6}};
    BOOST_CHECK_THROW(unbroadcast(g, {2}), ShapeError);
    BOOST_CHECK_THROW(unbroadcast(g, {1, 2, 3}), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
