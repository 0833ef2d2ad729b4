#include <boost/test/unit_test.hpp>

#include <xtgrad/autograd/graphviz.hpp>
#include <xtgrad/autograd/ops.hpp>

using namespace xtgrad;

BOOST_AUTO_TEST_SUITE(graphviz)

BOOST_AUTO_TEST_CASE(dot_lists_ops_shapes_and_leaves) {
    auto x = Tensor<double>(xt::ones<double>({4, 3}));
    auto w = Tensor<double>::parameter(xt::ones<double>({3, 2}));
    w.set_name("fc.weight");
    auto y = sum(relu(matmul(x, w)));
    const std::string dot = to_dot(y);
    BOOST_TEST(dot.rfind("digraph", 0) == 0u);
    for (const char* fragment :
         {"matmul", "relu", "sum", "fc.weight", "(4, 2)", "(3, 2)", "requires_grad", "->"})
        BOOST_TEST(dot.find(fragment) != std::string::npos, fragment);
}

BOOST_AUTO_TEST_SUITE_END()
