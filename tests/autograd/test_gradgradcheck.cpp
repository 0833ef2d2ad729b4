// Second order for every built-in op: its differentiable backward (create_graph) against finite
// differences of its gradient, over every case in op_cases.cpp, in float64. An op without a
// differentiable backward, or without a case, fails here exactly as in the first-order suite.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/autograd/grad.hpp>
#include <xtgrad/autograd/gradcheck.hpp>
#include <xtgrad/autograd/op_info.hpp>
#include <xtgrad/autograd/ops.hpp>

#include "op_cases.hpp"

namespace bdata = boost::unit_test::data;
using namespace xtgrad;

using testing::differentiable_op_names;

BOOST_AUTO_TEST_SUITE(ops_gradgradcheck)

BOOST_DATA_TEST_CASE(float64_every_differentiable_op, bdata::make(differentiable_op_names()),
                     name) {
    const auto cases = testing::op_cases<double>();
    const auto found = cases.find(name);
    BOOST_TEST_REQUIRE((found != cases.end() && !found->second.empty()),
                       "op '" << name << "' has no test case in tests/autograd/op_cases.cpp");
    GradcheckOptions options;
    options.eps = 1e-6;
    options.rtol = 1e-5;
    options.atol = 1e-7;
    std::size_t checked = 0;
    for (const auto& c : found->second) {
        if (!c.twice_differentiable) continue;
        ++checked;
        BOOST_TEST_CONTEXT(c.label) {
            options.differentiable = c.differentiable;
            const GradcheckResult result = gradgradcheck<double>(c.apply, c.inputs, options);
            BOOST_TEST(result.ok, result.message);
        }
    }
    BOOST_TEST(checked > 0u, "op '" << name << "' has no twice-differentiable case");
}

BOOST_AUTO_TEST_CASE(gradgradcheck_catches_a_wrong_differentiable_backward) {
    // First order right (2 x g), second order wrong: the graph rule uses the input's value
    // as a constant, so d/dx of the gradient is lost.
    static constexpr OpInfo kFrozenSquare{"frozen_square"};
    const TensorFunction<double> frozen = [](const std::vector<Tensor<double>>& in) {
        const Tensor<double>& x = in[0];
        return record_op(
            kFrozenSquare, Array<double>(x.value() * x.value()), {x},
            [x](BackwardContext<double>& ctx) {
                ctx.accumulate(0, Array<double>(2.0 * x.value() * ctx.grad_output()));
            },
            [](GraphBackwardContext<double>& ctx) {
                const Tensor<double> constant(Array<double>(ctx.input(0).value()));
                ctx.accumulate(0, ctx.grad_output() * constant * 2.0);
            });
    };
    const Array<double> x{0.5, -1.0, 2.0};
    BOOST_TEST(gradcheck(frozen, {x}).ok);
    const auto second = gradgradcheck(frozen, {x});
    BOOST_TEST(!second.ok);
    BOOST_TEST(second.message.find("FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_op_without_a_differentiable_backward_is_named) {
    static constexpr OpInfo kFirstOrderOnly{"first_order_only"};
    const TensorFunction<double> op = [](const std::vector<Tensor<double>>& in) {
        const Tensor<double>& x = in[0];
        return record_op(kFirstOrderOnly, Array<double>(x.value() * x.value()), {x},
                         [x](BackwardContext<double>& ctx) {
                             ctx.accumulate(0, Array<double>(2.0 * x.value() * ctx.grad_output()));
                         });
    };
    const auto second = gradgradcheck(op, {Array<double>{1.0, 2.0}});
    BOOST_TEST(!second.ok);
    BOOST_TEST(second.message.find("first_order_only") != std::string::npos, second.message);
    // First-order grad() still works through it (its ordinary backward runs).
    Tensor<double> x = Tensor<double>::parameter({1.0, 2.0});
    const Tensor<double> g = grad<double>({sum(op({x}))}, {x})[0];
    BOOST_TEST(g.value()(1) == 4.0);
}

BOOST_AUTO_TEST_SUITE_END()
