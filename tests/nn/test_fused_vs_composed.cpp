// Every layer and loss: the fused op (hand-written backward) against its composition of tape
// primitives and against finite differences, over random shapes, a batch of one, large
// logits, and inputs kept away from the kinks of ReLU and hinge. float64 tight, float32 loose.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>

#include <xtgrad/autograd/blas.hpp>
#include <xtgrad/autograd/custom_op.hpp>
#include <xtgrad/nn/nn.hpp>

#include "../support/random_arrays.hpp"

namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;
using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

template <class T>
GradcheckOptions tolerances() {
    if constexpr (std::is_same_v<T, float>) return GradcheckOptions::for_float();
    GradcheckOptions options;
    options.rtol = 1e-6;
    options.atol = 1e-9;
    return options;
}

/// Logits on a grid of quarters: with margin 1.125 no hinge term sits at its kink.
template <class T>
Array<T> quarter_grid(TestRandom& rng, const Shape& shape) {
    Array<T> x = rng.uniform_array<T>(shape, -2, 2);
    for (auto& v : x) v = std::round(v * 4) / 4;
    return x;
}

std::vector<Label> random_labels(TestRandom& rng, std::size_t n, std::size_t classes) {
    std::vector<Label> labels(n);
    for (auto& l : labels) l = static_cast<Label>(rng.uniform(0, static_cast<double>(classes)));
    return labels;
}

/// One check: a label for messages and the check itself.
struct Case {
    std::string label;
    std::function<CheckBackwardResult()> run;
};

template <class T>
std::map<std::string, std::vector<Case>> fused_op_cases() {
    std::map<std::string, std::vector<Case>> cases;
    TestRandom rng(7);
    const auto options = tolerances<T>();
    for (const auto& [n, in, out] : std::vector<std::tuple<std::size_t, std::size_t, std::size_t>>{
             {4, 3, 5}, {1, 6, 2}, {7, 1, 3}}) {
        for (const bool with_bias : {true, false}) {
            std::vector<Array<T>> inputs = {rng.uniform_array<T>({n, in}, -1, 1),
                                            rng.uniform_array<T>({in, out}, -1, 1)};
            if (with_bias) inputs.push_back(rng.uniform_array<T>({out}, -1, 1));
            const auto bias_of = [with_bias](const std::vector<Tensor<T>>& v) {
                return with_bias ? v[2] : Tensor<T>();
            };
            cases["linear"].push_back(
                {"linear " + to_string(inputs[0].shape()) +
                     (with_bias ? " with bias" : " without bias"),
                 [=] {
                     return check_backward<T>(
                         [=](const auto& v) { return nn::fused::linear(v[0], v[1], bias_of(v)); },
                         [=](const auto& v) {
                             return nn::composed::linear(v[0], v[1], bias_of(v));
                         },
                         inputs, options);
                 }});
        }
    }
    TestRandom sigmoid_rng(11);  // its own stream: the other cases keep their inputs
    for (const Shape& shape : {Shape{4, 6}, Shape{1, 5}, Shape{2, 3, 2}}) {
        const Array<T> x = sigmoid_rng.uniform_array<T>(shape, -6, 6);
        cases["sigmoid"].push_back(
            {"sigmoid " + to_string(shape), [=] {
                 return check_backward<T>([](const auto& v) { return nn::fused::sigmoid(v[0]); },
                                          [](const auto& v) { return nn::composed::sigmoid(v[0]); },
                                          {x}, options);
             }});
    }
    for (const auto& [name, approximation] : {std::pair{"gelu_tanh", nn::GeluApproximation::tanh},
                                              std::pair{"gelu_erf", nn::GeluApproximation::erf}}) {
        for (const Shape& shape : {Shape{4, 6}, Shape{1, 5}, Shape{2, 3, 2}}) {
            const Array<T> x = rng.uniform_array<T>(shape, -3, 3);
            cases[name].push_back(
                {std::string(name) + " " + to_string(shape), [=] {
                     return check_backward<T>(
                         [=](const auto& v) { return nn::fused::gelu(v[0], approximation); },
                         [=](const auto& v) { return nn::composed::gelu(v[0], approximation); },
                         {x}, options);
                 }});
        }
    }
    struct LossShape {
        std::size_t n, classes;
        double scale;
    };
    for (const auto& s : std::vector<LossShape>{{5, 4, 2}, {1, 10, 2}, {3, 7, 2}, {4, 5, 1e4}}) {
        const bool large = s.scale > 100;
        const std::string shape_label =
            to_string(Shape{s.n, s.classes}) + (large ? " logits of +-1e4" : "");
        const Array<T> logits = rng.uniform_array<T>({s.n, s.classes}, -s.scale, s.scale);
        const auto labels = random_labels(rng, s.n, s.classes);
        GradcheckOptions opts = options;
        if (large) opts.eps = std::is_same_v<T, float> ? 1.0 : 1e-3;
        cases["softmax_cross_entropy"].push_back(
            {"softmax_cross_entropy " + shape_label, [=] {
                 return check_backward<T>(
                     [=](const auto& v) {
                         return nn::fused::softmax_cross_entropy(v[0], std::span(labels));
                     },
                     [=](const auto& v) {
                         return nn::composed::softmax_cross_entropy(v[0], std::span(labels));
                     },
                     {logits}, opts);
             }});
        if (large) continue;
        const Tensor<T> targets = one_hot<T>(labels, s.classes);
        cases["softmax_cross_entropy"].push_back(
            {"softmax_cross_entropy with one-hot targets " + shape_label, [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::softmax_cross_entropy(v[0], targets); },
                     [=](const auto& v) {
                         return nn::composed::softmax_cross_entropy(v[0], targets);
                     },
                     {logits}, opts);
             }});
        // Soft targets: label smoothing (rows sum to 1) and unnormalised weights (they do not),
        // where the softmax term of the gradient carries the row's total mass.
        const double smoothing = 0.1;
        Array<T> smoothed = targets.value() * T(1 - smoothing) + T(smoothing / s.classes);
        Array<T> unnormalised = rng.uniform_array<T>({s.n, s.classes}, 0, 2);
        for (const auto& [kind, soft] : {std::pair{"label-smoothed", Tensor<T>(smoothed)},
                                         std::pair{"unnormalised", Tensor<T>(unnormalised)}}) {
            cases["softmax_cross_entropy"].push_back(
                {std::string("softmax_cross_entropy with ") + kind + " targets " + shape_label,
                 [=] {
                     return check_backward<T>(
                         [=](const auto& v) {
                             return nn::fused::softmax_cross_entropy(v[0], soft);
                         },
                         [=](const auto& v) {
                             return nn::composed::softmax_cross_entropy(v[0], soft);
                         },
                         {logits}, opts);
                 }});
        }
        cases["euclidean_loss"].push_back(
            {"euclidean_loss " + shape_label, [=] {
                 return check_backward<T>(
                     [=](const auto& v) {
                         return nn::fused::euclidean_loss(v[0], std::span(labels));
                     },
                     [=](const auto& v) {
                         return nn::composed::euclidean_loss(v[0], std::span(labels));
                     },
                     {logits}, opts);
             }});
        cases["euclidean_loss"].push_back(
            {"euclidean_loss with targets " + shape_label, [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::euclidean_loss(v[0], targets); },
                     [=](const auto& v) { return nn::composed::euclidean_loss(v[0], targets); },
                     {logits}, opts);
             }});
        const Array<T> grid = quarter_grid<T>(rng, {s.n, s.classes});
        cases["hinge_loss"].push_back(
            {"hinge_loss " + shape_label, [=] {
                 return check_backward<T>(
                     [=](const auto& v) {
                         return nn::fused::hinge_loss(v[0], std::span(labels), T(1.125));
                     },
                     [=](const auto& v) {
                         return nn::composed::hinge_loss(v[0], std::span(labels), T(1.125));
                     },
                     {grid}, opts);
             }});
    }
    // Convolutions last: earlier cases keep the random draws they always had.
    struct ConvCase {
        Shape input, weight;
        xtgrad::Conv2dOptions options;
    };
    for (const auto& c :
         std::vector<ConvCase>{{{2, 3, 6, 5},
                                {4, 3, 3, 2},
                                {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}}},
                               {{1, 1, 5, 5}, {2, 1, 3, 3}, {.padding = {1, 1}}},
                               {{3, 2, 4, 4}, {1, 2, 1, 1}, {}}}) {
        for (const bool with_bias : {true, false}) {
            std::vector<Array<T>> inputs = {rng.uniform_array<T>(c.input, -1, 1),
                                            rng.uniform_array<T>(c.weight, -1, 1)};
            if (with_bias) inputs.push_back(rng.uniform_array<T>({c.weight[0]}, -1, 1));
            const auto bias_of = [with_bias](const std::vector<Tensor<T>>& v) {
                return with_bias ? v[2] : Tensor<T>();
            };
            const auto o = c.options;
            cases["conv2d"].push_back(
                {"conv2d " + to_string(c.input) + " by " + to_string(c.weight) +
                     (with_bias ? " with bias" : " without bias"),
                 [=] {
                     return check_backward<T>(
                         [=](const auto& v) {
                             return nn::fused::conv2d(v[0], v[1], bias_of(v), o);
                         },
                         [=](const auto& v) {
                             return nn::composed::conv2d(v[0], v[1], bias_of(v), o);
                         },
                         inputs, options);
                 }});
        }
    }
    for (const Window2d& w : {Window2d{.kernel = {2, 2}, .stride = {2, 2}},
                              Window2d{.kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 1}},
                              Window2d{.kernel = {2, 2}, .dilation = {2, 1}}}) {
        const Array<T> x = rng.uniform_array<T>({2, 3, 5, 6}, -1, 1);
        cases["max_pool2d"].push_back(
            {"max_pool2d (2, 3, 5, 6) kernel (" + std::to_string(w.kernel[0]) + ", " +
                 std::to_string(w.kernel[1]) + ")",
             [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::max_pool2d(v[0], w); },
                     [=](const auto& v) { return nn::composed::max_pool2d(v[0], w); }, {x},
                     options);
             }});
    }
    {  // 2x2 windows that tile the image (the pooling fast path's usual case)
        // Values 0.1 apart (a scrambled ramp): no finite-difference step crosses a near-tie.
        Array<T> x = empty_array<T>({2, 3, 4, 6});
        for (std::size_t i = 0; i < x.size(); ++i)
            x.data()[i] = static_cast<T>(0.1 * static_cast<double>(i * 29 % x.size()) - 7.0);
        const Window2d w{.kernel = {2, 2}, .stride = {2, 2}};
        cases["max_pool2d"].push_back(
            {"max_pool2d (2, 3, 4, 6) kernel (2, 2) tiling", [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::max_pool2d(v[0], w); },
                     [=](const auto& v) { return nn::composed::max_pool2d(v[0], w); }, {x},
                     options);
             }});
    }
    // Batch norm: images, a batch of one image, (N, C) and (N, C, L), with and without affine.
    for (const auto& [shape, affine] : std::vector<std::pair<Shape, bool>>{
             {{3, 2, 4, 5}, true}, {{1, 3, 3, 2}, true}, {{6, 4}, false}, {{4, 3, 5}, true}}) {
        std::vector<Array<T>> inputs = {rng.uniform_array<T>(shape, -2, 3)};
        if (affine) {
            inputs.push_back(rng.uniform_array<T>({shape[1]}, 0.5, 1.5));
            inputs.push_back(rng.uniform_array<T>({shape[1]}, -1, 1));
        }
        const auto weight = [affine](const auto& v) { return affine ? v[1] : Tensor<T>(); };
        const auto bias = [affine](const auto& v) { return affine ? v[2] : Tensor<T>(); };
        cases["batch_norm"].push_back(
            {"batch_norm " + to_string(shape) + (affine ? " affine" : ""), [=] {
                 return check_backward<T>(
                     [=](const auto& v) {
                         return nn::fused::batch_norm(v[0], weight(v), bias(v), T(1e-5));
                     },
                     [=](const auto& v) {
                         return nn::composed::batch_norm(v[0], weight(v), bias(v), T(1e-5));
                     },
                     inputs, options);
             }});
    }
    // Ceil mode: the last windows run past the image.
    for (const Window2d& w : {Window2d{.kernel = {2, 2}, .stride = {2, 2}},
                              Window2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}}) {
        const Array<T> x = rng.uniform_array<T>({2, 2, 5, 7}, -1, 1);
        cases["max_pool2d"].push_back(
            {"max_pool2d (2, 2, 5, 7) ceil mode kernel " + std::to_string(w.kernel[0]), [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::max_pool2d(v[0], w, true); },
                     [=](const auto& v) { return nn::composed::max_pool2d(v[0], w, true); }, {x},
                     options);
             }});
    }
    // Grouped and depthwise convolutions.
    for (const auto& c : std::vector<ConvCase>{
             {{2, 4, 5, 6}, {6, 2, 3, 2}, {.stride = {1, 2}, .padding = {1, 0}, .groups = 2}},
             {{1, 3, 4, 4}, {6, 1, 3, 3}, {.padding = {1, 1}, .groups = 3}}}) {
        const std::vector<Array<T>> inputs = {rng.uniform_array<T>(c.input, -1, 1),
                                              rng.uniform_array<T>(c.weight, -1, 1),
                                              rng.uniform_array<T>({c.weight[0]}, -1, 1)};
        const auto o = c.options;
        cases["conv2d"].push_back(
            {"conv2d " + to_string(c.input) + " by " + to_string(c.weight) + " groups " +
                 std::to_string(o.groups),
             [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::conv2d(v[0], v[1], v[2], o); },
                     [=](const auto& v) { return nn::composed::conv2d(v[0], v[1], v[2], o); },
                     inputs, options);
             }});
    }
    for (const auto& [w, ceil] : std::vector<std::pair<Window2d, bool>>{
             {{.kernel = {2, 2}, .stride = {2, 2}}, false},
             {{.kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 1}}, false},
             {{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}, true},
             {{.kernel = {2, 2}, .stride = {3, 3}}, true}}) {
        const Array<T> x = rng.uniform_array<T>({2, 3, 5, 7}, -1, 1);
        cases["avg_pool2d"].push_back(
            {"avg_pool2d (2, 3, 5, 7) kernel (" + std::to_string(w.kernel[0]) + ", " +
                 std::to_string(w.kernel[1]) + ")" + (ceil ? " ceil mode" : ""),
             [=] {
                 return check_backward<T>(
                     [=](const auto& v) { return nn::fused::avg_pool2d(v[0], w, ceil); },
                     [=](const auto& v) { return nn::composed::avg_pool2d(v[0], w, ceil); }, {x},
                     options);
             }});
    }
    return cases;
}

std::vector<std::string> fused_op_names() {
    std::vector<std::string> names;
    for (const OpInfo* op : nn::fused_ops()) names.emplace_back(op->name);
    return names;
}

template <class T>
void check_fused_op(const std::string& name) {
    const auto cases = fused_op_cases<T>();
    const auto found = cases.find(name);
    BOOST_TEST_REQUIRE((found != cases.end() && !found->second.empty()),
                       "fused op '" << name << "' has no check: add one to " << __FILE__);
    for (const auto& c : found->second) {
        const CheckBackwardResult result = c.run();
        BOOST_TEST(result.ok, c.label << ": " << result.message);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fused_vs_composed)

BOOST_DATA_TEST_CASE(float64_every_fused_op, bdata::make(fused_op_names()), name) {
    check_fused_op<double>(name);
}

BOOST_DATA_TEST_CASE(float32_every_fused_op, bdata::make(fused_op_names()), name) {
    check_fused_op<float>(name);
}

template <class T>
void check_layers() {
    NumpyRandom rng(3);
    TestRandom data(11);
    const auto options = tolerances<T>();
    nn::Linear<T> linear({.in_features = 5, .out_features = 3, .init = nn::Init::normal(0.5)}, rng);
    for (const std::size_t batch : {std::size_t{4}, std::size_t{1}}) {
        const auto r = check_module<T>(linear, data.uniform_array<T>({batch, 5}, -1, 1), options);
        BOOST_TEST(r.ok, "Linear, batch " << batch << ": " << r.message);
    }
    nn::Sigmoid<T> sigmoid;
    nn::ReLU<T> relu;
    nn::GeLU<T> gelu_tanh(nn::GeluApproximation::tanh);
    nn::GeLU<T> gelu_erf(nn::GeluApproximation::erf);
    for (auto* module : std::vector<nn::Module<T>*>{&sigmoid, &relu, &gelu_tanh, &gelu_erf}) {
        for (const Shape& shape : {Shape{3, 4}, Shape{1, 6}}) {
            const auto r =
                check_module<T>(*module, data.away_from_zero<T>(shape, 0.05, 3.0), options);
            BOOST_TEST(r.ok, module->describe() << " " << to_string(shape) << ": " << r.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(layers_float64) {
    check_layers<double>();
}
BOOST_AUTO_TEST_CASE(layers_float32) {
    check_layers<float>();
}

template <class T>
void check_losses() {
    TestRandom data(12);
    const auto options = tolerances<T>();
    nn::EuclideanLoss<T> euclidean;
    nn::SoftmaxCrossEntropyLoss<T> cross_entropy;
    nn::HingeLoss<T> hinge(T(5.125));  // logits on quarters never sit on a kink
    for (const auto& [n, c] : {std::pair<std::size_t, std::size_t>{6, 10}, {1, 10}, {3, 2}}) {
        const auto labels = random_labels(data, n, c);
        for (nn::Loss<T>* loss : std::vector<nn::Loss<T>*>{&euclidean, &cross_entropy, &hinge}) {
            Array<T> logits = data.uniform_array<T>({n, c}, -4, 4);
            for (auto& v : logits) v = std::round(v * 4) / 4;
            const auto r = check_loss<T>(*loss, logits, labels, options);
            BOOST_TEST(r.ok, loss->describe() << " (" << n << ", " << c << "): " << r.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(losses_float64) {
    check_losses<double>();
}
BOOST_AUTO_TEST_CASE(losses_float32) {
    check_losses<float>();
}

template <class T>
void check_two_hidden_layer_mlp(nn::Activation activation) {
    NumpyRandom rng(5);
    auto mlp = nn::make_mlp<T>({{6, 8, 7, 4}, activation, nn::Init::normal(0.6)}, rng);
    TestRandom data(13);
    const auto r = check_module<T>(*mlp, data.uniform_array<T>({5, 6}, -1, 1), tolerances<T>());
    BOOST_TEST(r.ok, "MLP 6-8-7-4 " << nn::to_string(activation) << ": " << r.message);
}

BOOST_AUTO_TEST_CASE(whole_two_hidden_layer_mlp) {
    for (auto activation : {nn::Activation::sigmoid, nn::Activation::relu, nn::Activation::gelu,
                            nn::Activation::gelu_erf}) {
        check_two_hidden_layer_mlp<double>(activation);
        check_two_hidden_layer_mlp<float>(activation);
    }
}

BOOST_AUTO_TEST_CASE(the_fused_sigmoid_saturates_without_nan) {
    // exp(800) overflows to inf: the value is exactly 0 (1 at +800) and so is the gradient,
    // where the composed form's backward divides inf by inf.
    const Tensor<double> x = Tensor<double>::parameter(Array<double>{-800.0, 800.0, 0.0});
    const Tensor<double> y = nn::fused::sigmoid(x);
    BOOST_TEST(y.value()(0) == 0.0);
    BOOST_TEST(y.value()(1) == 1.0);
    BOOST_TEST(y.value()(2) == 0.5);
    sum(y).backward();
    BOOST_TEST(x.grad()(0) == 0.0);
    BOOST_TEST(x.grad()(1) == 0.0);
    BOOST_TEST(x.grad()(2) == 0.25);
}

BOOST_AUTO_TEST_CASE(the_fused_cross_entropy_is_finite_for_large_logits) {
    // exp(1000) overflows: the max shift keeps the loss and gradient finite and exact. Row 0 is
    // certain of its label (loss 0, gradient 0); row 1's label trails the top logit by 1.
    const double s1 = 1 / (1 + std::exp(-1.0));  // softmax of the logit 1 above the other
    for (const bool soft : {false, true}) {
        auto logits = Tensord::parameter(Array<double>{{1000, 0, -1000}, {0, 1000, 999}});
        const std::vector<Label> labels{0, 2};
        const Tensord loss =
            soft ? nn::fused::softmax_cross_entropy(logits, Tensord(one_hot<double>(labels, 3)))
                 : nn::fused::softmax_cross_entropy(logits, labels);
        // 1000 + log(1 + e^-1) - 999 keeps the rounding of numbers near 1000 (1e-13).
        BOOST_TEST(loss.item() == (1 + std::log1p(std::exp(-1.0))) / 2, tt::tolerance(1e-12));
        loss.backward();
        const Array<double> expected{{0, 0, 0}, {0, s1 / 2, (1 - s1 - 1) / 2}};
        for (std::size_t i = 0; i < expected.size(); ++i)
            BOOST_TEST(logits.grad().data()[i] == expected.data()[i], tt::tolerance(1e-15));
    }
    // float32 overflows at exp(89).
    auto logits = Tensorf::parameter(Array<float>{{100, 0}});
    const Tensorf loss = nn::fused::softmax_cross_entropy(logits, std::vector<Label>{0});
    BOOST_TEST(loss.item() == 0.0f);
    loss.backward();
    BOOST_TEST(logits.grad()(0, 0) == 0.0f);
    BOOST_TEST(logits.grad()(0, 1) == 0.0f);
}

BOOST_AUTO_TEST_CASE(soft_targets_in_closed_form) {
    // logits (0, ln 3): softmax (1/4, 3/4). Label smoothing 0.2 of label 1 gives t = (0.1, 0.9);
    // unnormalised weights t = (2, 1) have mass 3, so the gradient is 3 softmax - t.
    for (const bool fused : {true, false}) {
        const auto run = [&](Array<double> targets) {
            auto logits = Tensord::parameter(Array<double>{{0.0, std::log(3.0)}});
            const Tensord t(std::move(targets));
            auto value = fused ? nn::fused::softmax_cross_entropy(logits, t)
                               : nn::composed::softmax_cross_entropy(logits, t);
            value.backward();
            return std::pair{value.item(), Array<double>(logits.grad())};
        };
        const auto [smoothed, ds] = run(Array<double>{{0.1, 0.9}});
        BOOST_TEST(smoothed == -(0.1 * std::log(0.25) + 0.9 * std::log(0.75)),
                   tt::tolerance(1e-15));
        BOOST_TEST(ds(0, 0) == 0.25 - 0.1, tt::tolerance(1e-15));
        BOOST_TEST(ds(0, 1) == 0.75 - 0.9, tt::tolerance(1e-15));
        const auto [weighted, dw] = run(Array<double>{{2.0, 1.0}});
        BOOST_TEST(weighted == -(2 * std::log(0.25) + std::log(0.75)), tt::tolerance(1e-15));
        BOOST_TEST(dw(0, 0) == 0.75 - 2.0, tt::tolerance(1e-15));
        BOOST_TEST(dw(0, 1) == 2.25 - 1.0, tt::tolerance(1e-15));
    }
}

BOOST_AUTO_TEST_CASE(a_bias_gradient_divided_by_n_is_caught) {
    // The classic slip of layer-by-layer frameworks: db = mean over the batch instead of sum.
    static constexpr OpInfo kWrongLinear{"linear_with_mean_bias_gradient"};
    const TensorFunction<double> wrong = [](const std::vector<Tensor<double>>& v) {
        const Tensor<double> x = v[0], w = v[1], b = v[2];
        Array<double> y = empty_array<double>({x.shape()[0], w.shape()[1]});
        blas::gemm("wrong", x.value(), false, w.value(), false, y);
        for (std::size_t r = 0; r < y.shape(0); ++r)
            for (std::size_t j = 0; j < y.shape(1); ++j) y(r, j) += b.value()(j);
        return record_op(
            kWrongLinear, std::move(y), {x, w, b}, [x, w](BackwardContext<double>& ctx) {
                const Array<double>& g = ctx.grad_output();
                if (ctx.needs_grad(0)) {
                    auto s = ctx.slot(0);
                    blas::gemm("wrong", g, false, w.value(), true, s.buffer, 1.0, s.beta());
                }
                if (ctx.needs_grad(1)) {
                    auto s = ctx.slot(1);
                    blas::gemm("wrong", x.value(), true, g, false, s.buffer, 1.0, s.beta());
                }
                Array<double> db = xt::zeros<double>({g.shape(1)});
                for (std::size_t r = 0; r < g.shape(0); ++r)
                    for (std::size_t j = 0; j < g.shape(1); ++j)
                        db(j) += g(r, j) / static_cast<double>(g.shape(0));
                ctx.accumulate(2, std::move(db));
            });
    };
    TestRandom data(21);
    const auto result = check_backward<double>(
        wrong, [](const auto& v) { return nn::composed::linear(v[0], v[1], v[2]); },
        {data.uniform_array<double>({8, 3}, -1, 1), data.uniform_array<double>({3, 2}, -1, 1),
         data.uniform_array<double>({2}, -1, 1)});
    BOOST_TEST(!result.ok, "the checker missed a wrong bias gradient");
    BOOST_TEST(result.value_error <= 1.0);      // the forward is right...
    BOOST_TEST(result.gradient_error > 100.0);  // ...the bias gradient is off by 8x
    BOOST_TEST(!result.finite_differences.ok);
    BOOST_TEST(result.finite_differences.input == 2u);
    BOOST_TEST(result.message.find("input 2") != std::string::npos, result.message);
}

BOOST_AUTO_TEST_SUITE_END()
