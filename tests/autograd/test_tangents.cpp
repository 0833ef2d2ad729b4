// Forward mode for every built-in op: its tangent rule against finite differences along a random
// direction and against the reverse mode, over every case in op_cases.cpp, in float64.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/autograd/forward_mode.hpp>
#include <xtgrad/autograd/gradcheck.hpp>
#include <xtgrad/autograd/op_info.hpp>
#include <xtgrad/autograd/ops.hpp>

#include "op_cases.hpp"

namespace bdata = boost::unit_test::data;
using namespace xtgrad;

using testing::differentiable_op_names;

BOOST_AUTO_TEST_SUITE(ops_tangents)

BOOST_DATA_TEST_CASE(float64_every_differentiable_op, bdata::make(differentiable_op_names()),
                     name) {
    const auto cases = testing::op_cases<double>();
    const auto found = cases.find(name);
    BOOST_TEST_REQUIRE((found != cases.end() && !found->second.empty()),
                       "op '" << name << "' has no test case in tests/autograd/op_cases.cpp");
    GradcheckOptions options;
    options.eps = 1e-6;
    options.rtol = 1e-6;
    options.atol = 1e-8;
    for (const auto& c : found->second) {
        BOOST_TEST_CONTEXT(c.label) {
            options.differentiable = c.differentiable;
            const GradcheckResult result = tangentcheck<double>(c.apply, c.inputs, options);
            BOOST_TEST(result.ok, result.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(tangentcheck_catches_a_wrong_tangent_rule) {
    static constexpr OpInfo kHalfTangent{"half_tangent_square"};
    const TensorFunction<double> op = [](const std::vector<Tensor<double>>& in) {
        const Tensor<double>& x = in[0];
        return record_op(
            kHalfTangent, Array<double>(x.value() * x.value()), {x},
            [x](BackwardContext<double>& ctx) {
                ctx.accumulate(0, Array<double>(2.0 * x.value() * ctx.grad_output()));
            },
            [](GraphBackwardContext<double>& ctx) {
                ctx.accumulate(0, ctx.grad_output() * ctx.input(0) * 2.0);
            },
            [](const TangentContext<double>& ctx) {  // should be 2 x dx
                return ctx.input(0) * ctx.tangent(0);
            });
    };
    const auto result = tangentcheck(op, {Array<double>{0.5, -1.0, 2.0}});
    BOOST_TEST(!result.ok);
    BOOST_TEST(result.message.find("FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_dual_number_through_a_composition) {
    // d/dt of sum(tanh(x + t v)^2) at t = 0, against the closed form.
    const Array<double> x0{0.3, -0.8, 1.2};
    const Array<double> v{1.0, 0.5, -2.0};
    const Tensord x = make_dual(Tensord(x0), Tensord(v));
    const Tensord y = sum(square(tanh(x)));
    double expected = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const double t = std::tanh(x0(i));
        expected += 2 * t * (1 - t * t) * v(i);
    }
    BOOST_TEST(tangent_of(y).item() == expected, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(!tangent_of(Tensord(x0)).defined());
    BOOST_CHECK_THROW(make_dual(Tensord(x0), Tensord(Array<double>{1.0})), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
