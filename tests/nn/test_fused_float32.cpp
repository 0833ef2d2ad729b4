// float32 is the default training type and the fused linear has a float32 formulation of its
// own, so gradcheck's 1% float32 tolerance is not enough: every fused op in float32 must agree
// with the same op in float64, on the same float-representable inputs and output gradient, to
// about a hundred float32 ulps of the largest value, in its output and every input gradient.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <xtgrad/nn/nn.hpp>

#include "../support/random_arrays.hpp"

namespace bdata = boost::unit_test::data;
using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

template <class T>
using Op = std::function<Tensor<T>(const std::vector<Tensor<T>>&)>;

/// One op on given inputs, runnable in both precisions.
struct Case {
    std::string label;
    std::vector<Array<double>> inputs;  // each value exactly representable in float32
    Op<float> f32;
    Op<double> f64;
};

template <class F>
Case make_case(std::string label, std::vector<Array<double>> inputs, F op) {
    return {std::move(label), std::move(inputs), Op<float>(op), Op<double>(op)};
}

Array<double> representable(TestRandom& rng, const Shape& shape, double low, double high) {
    Array<double> a = rng.uniform_array<double>(shape, low, high);
    for (auto& v : a) v = static_cast<double>(static_cast<float>(v));
    return a;
}

std::vector<Label> labels_for(std::size_t n, std::size_t classes) {
    std::vector<Label> labels(n);
    for (std::size_t i = 0; i < n; ++i) labels[i] = static_cast<Label>((3 * i + 1) % classes);
    return labels;
}

std::map<std::string, std::vector<Case>> cases() {
    std::map<std::string, std::vector<Case>> all;
    TestRandom rng(31);
    for (const bool bias : {true, false}) {
        std::vector<Array<double>> in = {representable(rng, {9, 7}, -1, 1),
                                         representable(rng, {7, 5}, -1, 1)};
        if (bias) in.push_back(representable(rng, {5}, -1, 1));
        all["linear"].push_back(
            make_case(bias ? "linear with bias" : "linear without bias", in, [bias](const auto& v) {
                using T = typename std::decay_t<decltype(v[0])>::value_type;
                return nn::fused::linear(v[0], v[1], bias ? v[2] : Tensor<T>());
            }));
    }
    const Array<double> u = representable(rng, {4, 6}, -4, 4);
    all["sigmoid"].push_back(
        make_case("sigmoid", {u}, [](const auto& v) { return nn::fused::sigmoid(v[0]); }));
    all["gelu_tanh"].push_back(make_case("gelu_tanh", {u}, [](const auto& v) {
        return nn::fused::gelu(v[0], nn::GeluApproximation::tanh);
    }));
    all["gelu_erf"].push_back(make_case("gelu_erf", {u}, [](const auto& v) {
        return nn::fused::gelu(v[0], nn::GeluApproximation::erf);
    }));
    const auto labels = labels_for(6, 4);
    const Array<double> logits = representable(rng, {6, 4}, -3, 3);
    const Array<double> soft = representable(rng, {6, 4}, 0, 1);
    all["softmax_cross_entropy"].push_back(
        make_case("softmax_cross_entropy with labels", {logits}, [labels](const auto& v) {
            return nn::fused::softmax_cross_entropy(v[0], std::span(labels));
        }));
    all["softmax_cross_entropy"].push_back(
        make_case("softmax_cross_entropy with soft targets", {logits}, [soft](const auto& v) {
            using T = typename std::decay_t<decltype(v[0])>::value_type;
            return nn::fused::softmax_cross_entropy(v[0], Tensor<T>(Array<T>(soft)));
        }));
    all["euclidean_loss"].push_back(make_case(
        "euclidean_loss with labels", {logits},
        [labels](const auto& v) { return nn::fused::euclidean_loss(v[0], std::span(labels)); }));
    all["euclidean_loss"].push_back(
        make_case("euclidean_loss with targets", {logits}, [soft](const auto& v) {
            using T = typename std::decay_t<decltype(v[0])>::value_type;
            return nn::fused::euclidean_loss(v[0], Tensor<T>(Array<T>(soft)));
        }));
    Array<double> grid = logits;  // quarters: with margin 1.125 no term sits at its kink
    for (auto& x : grid) x = std::round(x * 4) / 4;
    all["hinge_loss"].push_back(make_case("hinge_loss", {grid}, [labels](const auto& v) {
        using T = typename std::decay_t<decltype(v[0])>::value_type;
        return nn::fused::hinge_loss(v[0], std::span(labels), T(1.125));
    }));
    // Last: the cases above keep their random draws.
    const Array<double> images = representable(rng, {2, 3, 6, 5}, -1, 1);
    all["max_pool2d"].push_back(make_case("max_pool2d", {images}, [](const auto& v) {
        return nn::fused::max_pool2d(
            v[0], Window2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
    }));
    for (const bool bias : {true, false}) {
        std::vector<Array<double>> in = {representable(rng, {2, 3, 7, 6}, -1, 1),
                                         representable(rng, {4, 3, 3, 3}, -1, 1)};
        if (bias) in.push_back(representable(rng, {4}, -1, 1));
        const xtgrad::Conv2dOptions options{.stride = {2, 1}, .padding = {1, 1}};
        all["conv2d"].push_back(make_case(
            bias ? "conv2d with bias" : "conv2d without bias", in, [bias, options](const auto& v) {
                using T = typename std::decay_t<decltype(v[0])>::value_type;
                return nn::fused::conv2d(v[0], v[1], bias ? v[2] : Tensor<T>(), options);
            }));
    }
    // A batch whose output (8.6 MB) oneDNN's path splits into calls of a few images each (to
    // keep a call's output in half the L2 cache: onednn_conv.cpp), of two sizes.
    const std::vector<Array<double>> chunked = {representable(rng, {131, 2, 32, 32}, -1, 1),
                                                representable(rng, {16, 2, 3, 3}, -1, 1),
                                                representable(rng, {16}, -1, 1)};
    all["conv2d"].push_back(make_case("conv2d over a large batch", chunked, [](const auto& v) {
        return nn::fused::conv2d(v[0], v[1], v[2], xtgrad::Conv2dOptions{.padding = {1, 1}});
    }));
    const std::vector<Array<double>> batch = {representable(rng, {4, 3, 3, 2}, -2, 3),
                                              representable(rng, {3}, 0.5, 1.5),
                                              representable(rng, {3}, -1, 1)};
    all["batch_norm"].push_back(make_case("batch_norm", batch, [](const auto& v) {
        using T = typename std::decay_t<decltype(v[0])>::value_type;
        return nn::fused::batch_norm(v[0], v[1], v[2], T(1e-5));
    }));
    const std::vector<Array<double>> grouped = {representable(rng, {2, 4, 5, 5}, -1, 1),
                                                representable(rng, {6, 2, 3, 3}, -1, 1),
                                                representable(rng, {6}, -1, 1)};
    all["conv2d"].push_back(make_case("conv2d with 2 groups", grouped, [](const auto& v) {
        return nn::fused::conv2d(v[0], v[1], v[2],
                                 xtgrad::Conv2dOptions{.padding = {1, 1}, .groups = 2});
    }));
    all["avg_pool2d"].push_back(make_case("avg_pool2d", {images}, [](const auto& v) {
        return nn::fused::avg_pool2d(
            v[0], Window2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}, true);
    }));
    return all;
}

/// The output, then every input gradient, after a backward from a fixed output gradient.
template <class T>
std::vector<Array<double>> run(const Case& c, const Op<T>& op) {
    std::vector<Tensor<T>> inputs;
    for (const auto& a : c.inputs) inputs.push_back(Tensor<T>::parameter(Array<T>(a)));
    const Tensor<T> y = op(inputs);
    TestRandom rng(5);
    const Array<double> seed = representable(rng, y.shape(), -1, 1);
    y.backward(Array<T>(seed));
    std::vector<Array<double>> out{Array<double>(y.value())};
    for (const auto& x : inputs) out.emplace_back(Array<double>(x.grad()));
    return out;
}

/// max |a - b| / max |b|.
double relative_error(const Array<double>& a, const Array<double>& b) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        diff = std::max(diff, std::abs(a.data()[i] - b.data()[i]));
        scale = std::max(scale, std::abs(b.data()[i]));
    }
    return diff / std::max(scale, 1e-30);
}

std::vector<std::string> fused_op_names() {
    std::vector<std::string> names;
    for (const OpInfo* op : nn::fused_ops()) names.emplace_back(op->name);
    return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fused_float32)

BOOST_DATA_TEST_CASE(every_fused_op_in_float32_matches_float64, bdata::make(fused_op_names()),
                     name) {
    constexpr double kTolerance = 1e-5;  // ~84 float32 ulps of the largest value
    const auto all = cases();
    const auto found = all.find(name);
    BOOST_TEST_REQUIRE((found != all.end() && !found->second.empty()),
                       "fused op '" << name << "' has no float32 case: add one to " << __FILE__);
    for (const Case& c : found->second) {
        const auto single = run<float>(c, c.f32);
        const auto reference = run<double>(c, c.f64);
        for (std::size_t i = 0; i < reference.size(); ++i) {
            const double error = relative_error(single[i], reference[i]);
            BOOST_TEST(error <= kTolerance,
                       c.label << ": "
                               << (i == 0 ? std::string("output")
                                          : "gradient of input " + std::to_string(i - 1))
                               << " differs from float64 by " << error << " of its largest value");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
