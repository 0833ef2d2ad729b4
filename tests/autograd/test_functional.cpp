// The function transforms against each other and against finite differences: the Hessian of a
// 100-parameter function to 1e-10, hvp = H v, jvp = J t, vjp = v^T J, forward = reverse
// Jacobians, and hvp over a model's parameters.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <xtgrad/autograd/forward_mode.hpp>
#include <xtgrad/autograd/functional.hpp>
#include <xtgrad/autograd/grad.hpp>
#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/nn/nn.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

using Vec = std::vector<Tensord>;

/// A smooth scalar function of x (100,) with a dense Hessian: sum(tanh(A x)^2) + sum(x^4) / 4 +
/// log(sum(exp(x))).
TensorFunction<double> dense_objective(const Array<double>& a) {
    return [a](const Vec& v) {
        const Tensord x = reshape(v[0], {-1, 1});
        const Tensord ax = matmul(Tensord(a), x);
        return sum(square(tanh(ax))) + sum(pow(x, 4.0)) / 4.0 + log(sum(exp(x)));
    };
}

double max_abs_difference(const Array<double>& a, const Array<double>& b) {
    BOOST_TEST_REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
    return worst;
}

Array<double> gradient_at(const TensorFunction<double>& f, const Array<double>& x) {
    Tensord leaf = Tensord::parameter(Array<double>(x));
    f({leaf}).backward();
    return leaf.grad();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(functional)

BOOST_AUTO_TEST_CASE(hessian_of_a_100_parameter_function_to_1e_10) {
    TestRandom rng(21);
    const Array<double> a = rng.uniform_array<double>({30, 100}, -0.3, 0.3);
    const Array<double> x = rng.uniform_array<double>({100}, -1, 1);
    const auto f = dense_objective(a);
    const auto [value, h] = hessian<double>(f, {Tensord(x)});
    BOOST_TEST_REQUIRE(h.size() == 1u);
    BOOST_TEST((h[0].shape() == Shape{100, 100}));
    BOOST_TEST(value.item() == f({Tensord(x)}).item());
    // Five-point central differences of the gradient: truncation O(eps^4), rounding
    // O(1e-16 / eps), both far below 1e-10 at eps = 1e-3.
    const double eps = 1e-3;
    double worst = 0;
    for (std::size_t j = 0; j < 100; ++j) {
        auto at = [&](double step) {
            Array<double> shifted = x;
            shifted(j) += step;
            return gradient_at(f, shifted);
        };
        const Array<double> column =
            (-at(2 * eps) + 8.0 * at(eps) - 8.0 * at(-eps) + at(-2 * eps)) / (12 * eps);
        for (std::size_t i = 0; i < 100; ++i)
            worst = std::max(worst, std::abs(h[0].value()(i, j) - column(i)));
    }
    BOOST_TEST(worst < 1e-10, "worst |H - finite differences| = " << worst);
    // Symmetric, as a Hessian must be.
    double asymmetry = 0;
    for (std::size_t i = 0; i < 100; ++i)
        for (std::size_t j = 0; j < 100; ++j)
            asymmetry = std::max(asymmetry, std::abs(h[0].value()(i, j) - h[0].value()(j, i)));
    BOOST_TEST(asymmetry < 1e-13);
}

BOOST_AUTO_TEST_CASE(hvp_is_the_hessian_times_v) {
    TestRandom rng(22);
    const Array<double> a = rng.uniform_array<double>({8, 12}, -0.5, 0.5);
    const Array<double> x = rng.uniform_array<double>({12}, -1, 1);
    const Array<double> v = rng.uniform_array<double>({12}, -1, 1);
    const auto f = dense_objective(a);
    const auto h = hessian<double>(f, {Tensord(x)});
    const auto [value, hv] = hvp<double>(f, {Tensord(x)}, {Tensord(v)});
    Array<double> expected = xt::zeros<double>({12});
    for (std::size_t i = 0; i < 12; ++i)
        for (std::size_t j = 0; j < 12; ++j) expected(i) += h.result[0].value()(i, j) * v(j);
    BOOST_TEST(max_abs_difference(hv[0].value(), expected) < 1e-13);
    BOOST_TEST(!hv[0].requires_grad());
}

BOOST_AUTO_TEST_CASE(jvp_vjp_and_both_jacobian_modes_agree) {
    TestRandom rng(23);
    // f: (3, 4) and (4,) -> (3, 2), with a broadcast and a softmax.
    const TensorFunction<double> f = [](const Vec& v) {
        const Tensord s = softmax(v[0] * v[1]);
        return matmul(s, Tensord(Array<double>{{1.0, -1.0}, {0.5, 2.0}, {-0.3, 0.1}, {2.0, 0.0}}));
    };
    const Vec inputs{Tensord(rng.uniform_array<double>({3, 4}, -1, 1)),
                     Tensord(rng.uniform_array<double>({4}, -1, 1))};
    const auto forward = jacobian<double>(f, inputs, JacobianMode::forward);
    const auto reverse = jacobian<double>(f, inputs, JacobianMode::reverse);
    BOOST_TEST((forward.result[0].shape() == Shape{3, 2, 3, 4}));
    BOOST_TEST((forward.result[1].shape() == Shape{3, 2, 4}));
    for (std::size_t k = 0; k < 2; ++k)
        BOOST_TEST(max_abs_difference(forward.result[k].value(), reverse.result[k].value()) <
                   1e-15);

    const Vec tangents{Tensord(rng.uniform_array<double>({3, 4}, -1, 1)),
                       Tensord(rng.uniform_array<double>({4}, -1, 1))};
    const auto [value, jv] = jvp<double>(f, inputs, tangents);
    const Array<double> j0 = forward.result[0].value();
    const Array<double> j1 = forward.result[1].value();
    Array<double> expected = xt::zeros<double>({3, 2});
    for (std::size_t o = 0; o < 6; ++o) {
        for (std::size_t i = 0; i < 12; ++i)
            expected.data()[o] += j0.data()[o * 12 + i] * tangents[0].value().data()[i];
        for (std::size_t i = 0; i < 4; ++i)
            expected.data()[o] += j1.data()[o * 4 + i] * tangents[1].value().data()[i];
    }
    BOOST_TEST(max_abs_difference(jv[0].value(), expected) < 1e-15);
    BOOST_TEST(max_abs_difference(value.value(), f(inputs).value()) == 0.0);

    const Tensord w(rng.uniform_array<double>({3, 2}, -1, 1));
    const auto [unused, wj] = vjp<double>(f, inputs, w);
    Array<double> expected0 = xt::zeros<double>({3, 4});
    for (std::size_t o = 0; o < 6; ++o)
        for (std::size_t i = 0; i < 12; ++i)
            expected0.data()[i] += w.value().data()[o] * j0.data()[o * 12 + i];
    BOOST_TEST(max_abs_difference(wj[0].value(), expected0) < 1e-15);
    BOOST_TEST(!inputs[0].requires_grad(), "the transforms must leave their inputs alone");
    BOOST_TEST(!tangent_of(inputs[1]).defined(), "jvp must take its tangents off the inputs");
}

BOOST_AUTO_TEST_CASE(unused_inputs_get_zeros_and_shapes_are_checked) {
    const TensorFunction<double> f = [](const Vec& v) { return sum(v[0] * v[0]); };
    const Vec inputs{Tensord(Array<double>{1.0, 2.0}), Tensord(Array<double>{3.0})};
    const auto h = hessian<double>(f, inputs);
    BOOST_TEST(h.result.size() == 4u);
    BOOST_TEST(h.result[0].value()(1, 1) == 2.0);
    BOOST_TEST(h.result[3].value()(0, 0) == 0.0);
    const auto hv =
        hvp<double>(f, inputs, {Tensord(Array<double>{1.0, 1.0}), Tensord(Array<double>{1.0})});
    BOOST_TEST(hv.result[1].value()(0) == 0.0);
    BOOST_CHECK_THROW(hvp<double>(f, inputs, {Tensord(Array<double>{1.0})}), GraphError);
    BOOST_CHECK_THROW(vjp<double>(f, inputs, Tensord(Array<double>{1.0, 1.0})), ShapeError);
    const TensorFunction<double> vector_valued = [](const Vec& v) { return v[0] * 2.0; };
    BOOST_CHECK_THROW(hessian<double>(vector_valued, inputs), ShapeError);
}

BOOST_AUTO_TEST_CASE(hvp_with_create_graph_is_differentiable) {
    // f = sum(x^4) / 4: H v = 3 x^2 v, and d/dx sum(H v) = 6 x v.
    const TensorFunction<double> f = [](const Vec& v) { return sum(pow(v[0], 4.0)) / 4.0; };
    Tensord x = Tensord::parameter({1.0, -2.0});
    const Tensord v(Array<double>{0.5, 1.0});
    const auto [value, hv] = hvp<double>(f, {x}, {v}, {.create_graph = true});
    BOOST_TEST(hv[0].value()(1) == 12.0);
    const Tensord third = grad<double>({sum(hv[0])}, {x})[0];
    BOOST_TEST(third.value()(0) == 3.0);
    BOOST_TEST(third.value()(1) == -12.0);
}

BOOST_AUTO_TEST_CASE(hvp_over_a_models_parameters) {
    NumpyRandom rng(5);
    auto mlp = nn::make_mlp<double>({{6, 5, 3}, nn::Activation::gelu, nn::Init::normal(0.6)}, rng);
    TestRandom data(24);
    const Tensord x(data.uniform_array<double>({4, 6}, -1, 1));
    const std::vector<Label> labels{0, 2, 1, 2};
    nn::SoftmaxCrossEntropyLoss<double> loss;
    const auto loss_of = nn::parameters_function<double>(
        *mlp, [&](nn::Module<double>& m) { return loss(m(x), labels); });
    const Vec parameters = mlp->parameters();
    Vec v;
    for (const auto& p : parameters) v.emplace_back(data.uniform_array<double>(p.shape(), -1, 1));
    const auto [value, hv] = hvp<double>(loss_of, parameters, v);
    BOOST_TEST(value.item() == loss(mlp->forward(x), labels).item());
    // Central differences of the gradient along v.
    const double eps = 1e-5;
    auto gradient_along = [&](double step) {
        Vec shifted;
        for (std::size_t k = 0; k < parameters.size(); ++k)
            shifted.push_back(Tensord::parameter(parameters[k].value() + step * v[k].value()));
        return grad<double>({loss_of(shifted)}, shifted);
    };
    const auto high = gradient_along(eps);
    const auto low = gradient_along(-eps);
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        const Array<double> numeric = (high[k].value() - low[k].value()) / (2 * eps);
        BOOST_TEST(max_abs_difference(hv[k].value(), numeric) < 1e-7);
    }
    // The module has its own parameters back.
    BOOST_TEST(mlp->parameters()[0].impl_ptr() == parameters[0].impl_ptr());
}

BOOST_AUTO_TEST_SUITE_END()
