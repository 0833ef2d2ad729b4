// Bad shapes throw ShapeError naming the op and the shapes; nothing is asserted away.
#include <boost/test/unit_test.hpp>

#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/autograd/ops.hpp>

using namespace xtgrad;

namespace {

template <class F>
void expect_shape_error(F f, std::initializer_list<const char*> fragments) {
    try {
        f();
        BOOST_FAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
        const std::string what = e.what();
        for (const char* fragment : fragments)
            BOOST_TEST(what.find(fragment) != std::string::npos,
                       "'" << fragment << "' not in: " << what);
    }
}

Tensor<double> zeros(Shape shape) {
    return Tensor<double>(xt::zeros<double>(shape));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shape_errors)

BOOST_AUTO_TEST_CASE(binary_ops) {
    expect_shape_error([] { add(zeros({2, 3}), zeros({4})); }, {"add", "(2, 3)", "(4)"});
    expect_shape_error([] { mul(zeros({2, 3}), zeros({3, 2})); }, {"mul", "(2, 3)", "(3, 2)"});
    expect_shape_error([] { maximum(zeros({5}), zeros({2})); }, {"maximum", "(5)", "(2)"});
    expect_shape_error([] { greater(zeros({5}), zeros({2})); }, {"greater", "(5)", "(2)"});
}

BOOST_AUTO_TEST_CASE(matmul) {
    expect_shape_error(
        [] {
            xtgrad::matmul(zeros({2, 3}), zeros({4, 5}));
        },
        {"matmul", "(2, 3)", "(4, 5)"});
    expect_shape_error(
        [] {
            xtgrad::matmul(zeros({2, 3, 1, 1}), zeros({1, 5}));
        },
        {"matmul", "(2, 3, 1, 1)"});
    expect_shape_error(
        [] {
            xtgrad::matmul(zeros({2, 3, 4}), zeros({3, 4, 5}));
        },
        {"matmul", "(2, 3, 4)", "(3, 4, 5)", "(B, m, k)"});
}

BOOST_AUTO_TEST_CASE(reshape_transpose_and_axes) {
    expect_shape_error([] { reshape(zeros({2, 3}), {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
    expect_shape_error([] { reshape(zeros({2, 3}), {-1, -1}); }, {"reshape", "(2, 3)"});
    expect_shape_error([] { reshape(zeros({2, 3}), {4, -1}); }, {"reshape", "(2, 3)"});
    expect_shape_error([] { transpose(zeros({2, 3}), {0, 0}); }, {"transpose", "(2, 3)"});
    expect_shape_error([] { sum(zeros({2, 3}), 2); }, {"sum", "axis 2", "(2, 3)"});
    expect_shape_error([] { softmax(zeros({2, 3}), -3); }, {"softmax", "(2, 3)"});
}

BOOST_AUTO_TEST_CASE(labels) {
    const std::vector<Label> three = {0, 1, 2};
    expect_shape_error([&] { gather(zeros({2, 3}), three); }, {"gather", "(2, 3)", "(3)"});
    const std::vector<Label> bad = {0, 7};
    BOOST_CHECK_THROW(gather(zeros({2, 3}), bad), std::out_of_range);
    BOOST_CHECK_THROW(one_hot<double>(bad, 3), std::out_of_range);
    expect_shape_error([] { argmax(zeros({4})); }, {"argmax", "(4)"});
}

BOOST_AUTO_TEST_CASE(a_backward_accumulating_the_wrong_shape_names_the_op) {
    static constexpr OpInfo kWrongShape{"wrong_gradient_shape"};
    for (const bool prefilled : {false, true}) {
        Tensor<double> x(xt::zeros<double>({2, 3}), true);
        if (prefilled) x.mutable_grad().fill(1.0);  // the add-to-existing path checks too
        auto y =
            record_op(kWrongShape, Array<double>(x.value()), {x}, [](BackwardContext<double>& ctx) {
                ctx.accumulate(0, Array<double>(xt::zeros<double>({3, 2})));
            });
        expect_shape_error([&] { sum(y).backward(); },
                           {"wrong_gradient_shape backward", "(3, 2)", "(2, 3)"});
        if (prefilled)
            BOOST_TEST(x.grad() == (Array<double>(xt::ones<double>({2, 3}))),
                       boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(item_of_a_multi_element_tensor) {
    expect_shape_error([] { zeros({2}).item(); }, {"item", "(2)"});
}

BOOST_AUTO_TEST_SUITE_END()
