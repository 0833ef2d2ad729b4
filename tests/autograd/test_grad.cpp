// grad() and create_graph: gradients as tensors, higher orders, and what they leave alone.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include <xtgrad/autograd/grad.hpp>
#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/autograd/tape.hpp>

using namespace xtgrad;

namespace {

bool same_bits(const Array<double>& a, const Array<double>& b) {
    return a.shape() == b.shape() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

Tensord cube_sum(const Tensord& x) {
    return sum(x * x * x);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(grad_api)

BOOST_AUTO_TEST_CASE(derivatives_of_a_cube_to_the_fourth_order) {
    Tensord x = Tensord::parameter({-1.5, 0.5, 2.0});
    const Tensord g1 = grad<double>({cube_sum(x)}, {x}, {}, {.create_graph = true})[0];
    const Tensord g2 = grad<double>({sum(g1)}, {x}, {}, {.create_graph = true})[0];
    const Tensord g3 = grad<double>({sum(g2)}, {x}, {}, {.create_graph = true})[0];
    for (std::size_t i = 0; i < 3; ++i) {
        const double v = x.value()(i);
        BOOST_TEST(g1.value()(i) == 3 * v * v);
        BOOST_TEST(g2.value()(i) == 6 * v);
        BOOST_TEST(g3.value()(i) == 6.0);
    }
    // g3 is constant: nothing is left to differentiate.
    BOOST_TEST(!g3.requires_grad());
    BOOST_CHECK_THROW(grad<double>({sum(g3)}, {x}), GraphError);
    // An input the output does not use: undefined with allow_unused, an error without.
    Tensord unused = Tensord::parameter({1.0});
    BOOST_CHECK_THROW(grad<double>({sum(g2)}, {x, unused}), GraphError);  // before it runs
    const auto g = grad<double>({sum(g2)}, {x, unused}, {}, {.allow_unused = true});
    BOOST_TEST(g[0].value()(2) == 6.0);
    BOOST_TEST(!g[1].defined());
    BOOST_TEST(!x.has_grad(), "grad() must not touch the leaves' gradients");
}

BOOST_AUTO_TEST_CASE(first_order_grad_has_the_bits_of_backward) {
    Tensord w = Tensord::parameter(Array<double>{{0.3, -0.7}, {1.1, 0.2}, {-0.4, 0.9}});
    Tensord x(Array<double>{{1.0, 2.0, -1.0}, {0.5, -0.25, 3.0}});
    auto loss = [&] { return mean(log_softmax(tanh(matmul(x, w)))); };
    const Tensord g = grad<double>({loss()}, {w})[0];
    loss().backward();
    BOOST_TEST(same_bits(g.value(), w.grad()));
    BOOST_TEST(!g.requires_grad());
}

BOOST_AUTO_TEST_CASE(a_gradient_flows_through_an_intermediate_input_too) {
    Tensord x = Tensord::parameter({1.0, -2.0});
    const Tensord h = x * 2.0;
    const auto g = grad<double>({sum(h * h)}, {h, x});
    BOOST_TEST(g[0].value()(0) == 4.0);    // 2 h
    BOOST_TEST(g[1].value()(1) == -16.0);  // 8 x
}

BOOST_AUTO_TEST_CASE(backward_with_create_graph_gives_differentiable_leaf_gradients) {
    Tensord x = Tensord::parameter({0.5, -1.0});
    cube_sum(x).backward({.create_graph = true});
    BOOST_TEST(x.grad()(1) == 3.0);
    const Tensord penalty = sum(square(x.grad_tensor()));  // sum (3 x^2)^2, d/dx = 36 x^3
    const Tensord d = grad<double>({penalty}, {x}, {}, {.retain_graph = true})[0];
    BOOST_TEST(d.value()(0) == 36 * 0.125);
    BOOST_TEST(d.value()(1) == -36.0);
    // A second create_graph backward adds, still with a graph.
    cube_sum(x).backward({.create_graph = true});
    BOOST_TEST(x.grad()(1) == 6.0);
    BOOST_TEST(grad<double>({sum(x.grad_tensor())}, {x})[0].value()(1) == -12.0);
    // An ordinary backward drops the graph: the gradient is a constant again.
    cube_sum(x).backward();
    BOOST_TEST(x.grad()(1) == 9.0);
    BOOST_TEST(!x.grad_tensor().requires_grad());
    x.zero_grad();
    BOOST_TEST(!x.has_grad());
}

BOOST_AUTO_TEST_CASE(create_graph_records_even_under_no_grad_guard) {
    Tensord x = Tensord::parameter({2.0});
    const Tensord y = cube_sum(x);
    NoGradGuard no_grad;
    const Tensord g = grad<double>({y}, {x}, {}, {.create_graph = true})[0];
    BOOST_TEST(g.requires_grad());
    BOOST_TEST(!grad_enabled());
}

BOOST_AUTO_TEST_CASE(the_graph_is_freed_unless_retained) {
    Tensord x = Tensord::parameter({1.0, 2.0});
    const Tensord y = cube_sum(x);
    grad<double>({y}, {x});
    BOOST_CHECK_THROW(grad<double>({y}, {x}), GraphError);
    const Tensord z = cube_sum(x);
    grad<double>({z}, {x}, {}, {.create_graph = true});  // retains by default
    BOOST_TEST(grad<double>({z}, {x})[0].value()(1) == 12.0);
}

BOOST_AUTO_TEST_CASE(grad_outputs_seed_non_scalar_outputs) {
    Tensord x = Tensord::parameter({1.0, 2.0, 3.0});
    const Tensord y = x * x;
    const Tensord v(Array<double>{1.0, 0.0, -1.0});
    const Tensord g = grad<double>({y}, {x}, {v}, {.retain_graph = true})[0];
    BOOST_TEST(g.value()(0) == 2.0);
    BOOST_TEST(g.value()(2) == -6.0);
    BOOST_CHECK_THROW(grad<double>({y}, {x}), GraphError);  // no seed for a vector
    BOOST_CHECK_THROW(grad<double>({y}, {x}, {Tensord(Array<double>{1.0})}), ShapeError);
    const Tensord constant(Array<double>{1.0});
    BOOST_CHECK_THROW(grad<double>({y}, {constant}, {v}), GraphError);
    BOOST_CHECK_THROW(grad<double>({}, {x}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
