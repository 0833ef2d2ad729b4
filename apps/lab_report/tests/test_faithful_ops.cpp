// The library's checker against the original lab's computations (reference section 7): it must
// flag each deviation of the faithful ops and pass the library's own (corrected) ops.
#include <boost/test/unit_test.hpp>

#include <xtgrad/nn/nn.hpp>

#include "lab_report/faithful_ops.hpp"
#include "support/random_arrays.hpp"

using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

/// The faithful ops refuse create_graph and tangents (checked below): first order only.
GradcheckOptions tight() {
    GradcheckOptions options;
    options.rtol = 1e-6;
    options.atol = 1e-9;
    options.second_order = false;
    options.forward_mode = false;
    return options;
}

const std::vector<Label> kLabels = {3, 0, 7, 7, 1, 9, 2, 5};

/// Logits on a grid of quarters, the true class shifted by 1/8: x_y - x_k is never a multiple
/// of 1/4, so no hinge term sits at its kink for margins 5 and 10.
Array<double> quarter_logits(TestRandom& rng) {
    Array<double> x = rng.uniform_array<double>({kLabels.size(), 10}, -6, 6);
    for (auto& v : x) v = std::round(v * 4) / 4;
    for (std::size_t n = 0; n < kLabels.size(); ++n)
        x(n, static_cast<std::size_t>(kLabels[n])) += 0.125;
    return x;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(faithful_ops)

BOOST_AUTO_TEST_CASE(bias_gradient_off_by_one_over_n_is_flagged) {
    TestRandom rng(1);
    const std::vector<Array<double>> inputs = {rng.uniform_array<double>({8, 5}, -1, 1),
                                               rng.uniform_array<double>({5, 3}, -1, 1),
                                               rng.uniform_array<double>({3}, -1, 1)};
    const auto faithful = check_backward<double>(
        [](const auto& v) { return lab::faithful_linear(v[0], v[1], v[2]); },
        [](const auto& v) { return nn::composed::linear(v[0], v[1], v[2]); }, inputs, tight());
    BOOST_TEST(!faithful.ok);
    BOOST_TEST(faithful.value_error <= 1.0);  // same forward
    BOOST_TEST(faithful.finite_differences.input == 2u, "worst input should be the bias");
    // The faithful bias gradient is exactly 1/N of the true one.
    BOOST_TEST(faithful.finite_differences.analytic * 8 == faithful.finite_differences.numeric,
               boost::test_tools::tolerance(1e-6));
    const auto corrected = check_backward<double>(
        [](const auto& v) { return nn::fused::linear(v[0], v[1], v[2]); },
        [](const auto& v) { return nn::composed::linear(v[0], v[1], v[2]); }, inputs, tight());
    BOOST_TEST(corrected.ok, corrected.message);
}

BOOST_AUTO_TEST_CASE(hinge_gradient_off_by_n_with_margin_2d_is_flagged) {
    TestRandom rng(2);
    const Array<double> x = quarter_logits(rng);
    const auto faithful = check_backward<double>(
        [](const auto& v) { return lab::faithful_hinge(v[0], kLabels, 5.0); },
        [](const auto& v) {
            return nn::composed::hinge_loss(v[0], std::span<const Label>(kLabels), 5.0);
        },
        {x}, tight());
    BOOST_TEST(!faithful.ok);
    BOOST_TEST(faithful.value_error <= 1.0, "the faithful loss value is the true hinge");
    BOOST_TEST(!faithful.finite_differences.ok);

    // What it computes instead: N times the gradient of the hinge with margin 2D = 10.
    Tensor<double> a(Array<double>(x), true);
    lab::faithful_hinge(a, kLabels, 5.0).backward();
    Tensor<double> b(Array<double>(x), true);
    nn::composed::hinge_loss(b, std::span<const Label>(kLabels), 10.0).backward();
    for (std::size_t i = 0; i < x.size(); ++i)
        BOOST_TEST(a.grad().data()[i] == 8.0 * b.grad().data()[i]);

    const auto corrected =
        nn::check_loss<double>(*std::make_unique<nn::HingeLoss<double>>(5.0), x, kLabels, tight());
    BOOST_TEST(corrected.ok, corrected.message);
}

BOOST_AUTO_TEST_CASE(hinge_accuracy_reads_the_moved_logits) {
    // Row 0: label 0 wins by 3 (< margin 5): correct for argmax, wrong after moving by -5.
    Tensor<double> logits(Array<double>{{4, 1, 0}, {9, 1, 0}});
    const std::vector<Label> labels = {0, 0};
    BOOST_TEST(nn::accuracy(logits, std::span<const Label>(labels)) == 1.0);
    BOOST_TEST(lab::faithful_hinge_accuracy(logits, labels, 5.0) == 0.5);
}

BOOST_AUTO_TEST_CASE(finite_difference_gelu_backward_is_flagged) {
    TestRandom rng(3);
    const Array<double> u = rng.uniform_array<double>({6, 7}, -3, 3);
    const auto faithful = check_backward<double>(
        [](const auto& v) { return lab::faithful_gelu(v[0]); },
        [](const auto& v) { return nn::composed::gelu(v[0], nn::GeluApproximation::tanh); }, {u},
        tight());
    BOOST_TEST(!faithful.ok);
    BOOST_TEST(faithful.value_error <= 1.0);
    BOOST_TEST(faithful.gradient_error > 1.0);
    // The error is the forward difference's truncation error: small, but far above rounding.
    BOOST_TEST(std::abs(faithful.finite_differences.analytic -
                        faithful.finite_differences.numeric) < 1e-4);
    const auto corrected = check_backward<double>(
        [](const auto& v) { return nn::fused::gelu(v[0], nn::GeluApproximation::tanh); },
        [](const auto& v) { return nn::composed::gelu(v[0], nn::GeluApproximation::tanh); }, {u},
        tight());
    BOOST_TEST(corrected.ok, corrected.message);
}

BOOST_AUTO_TEST_CASE(unshifted_softmax_and_abs_relu_have_true_gradients_at_small_logits) {
    TestRandom rng(4);
    const Array<double> x = rng.uniform_array<double>({kLabels.size(), 10}, -3, 3);
    const auto softmax = check_backward<double>(
        [](const auto& v) { return lab::faithful_softmax_cross_entropy(v[0], kLabels); },
        [](const auto& v) {
            return nn::composed::softmax_cross_entropy(v[0], std::span<const Label>(kLabels));
        },
        {x}, tight());
    BOOST_TEST(softmax.ok, softmax.message);
    const Array<double> u = rng.away_from_zero<double>({5, 4});
    const auto relu = check_backward<double>([](const auto& v) { return lab::faithful_relu(v[0]); },
                                             [](const auto& v) { return nn::composed::relu(v[0]); },
                                             {u}, tight());
    BOOST_TEST(relu.ok, relu.message);
    // They have no differentiable backward: create_graph refuses them by name.
    const auto second =
        gradgradcheck<double>([](const auto& v) { return lab::faithful_relu(v[0]); }, {u});
    BOOST_TEST(!second.ok);
    BOOST_TEST(second.message.find("'faithful_relu'") != std::string::npos, second.message);
    const auto forward =
        tangentcheck<double>([](const auto& v) { return lab::faithful_relu(v[0]); }, {u});
    BOOST_TEST(!forward.ok);
    BOOST_TEST(forward.message.find("'faithful_relu'") != std::string::npos, forward.message);
    // ... but the unshifted softmax overflows where the library's does not.
    Tensor<double> large(Array<double>{{800.0, 0.0}});
    const std::vector<Label> first = {0};
    BOOST_TEST(!std::isfinite(lab::faithful_softmax_cross_entropy(large, first).item()));
    BOOST_TEST(std::isfinite(
        nn::fused::softmax_cross_entropy(large, std::span<const Label>(first)).item()));
}

BOOST_AUTO_TEST_SUITE_END()
