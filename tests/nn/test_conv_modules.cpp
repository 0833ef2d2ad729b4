// Conv2d, pooling, Flatten and Dropout as modules: shapes, parameters, initialisation bounds,
// evaluation mode, and errors that name the layer.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <xtgrad/autograd/tape.hpp>
#include <xtgrad/nn/nn.hpp>

using namespace xtgrad;

BOOST_AUTO_TEST_SUITE(conv_modules)

BOOST_AUTO_TEST_CASE(a_small_cnn_has_the_shapes_and_parameters_of_its_pytorch_twin) {
    StdRandom rng(1);
    nn::Sequential<double> net;
    net.add("conv", std::make_shared<nn::Conv2d<double>>(nn::Conv2dOptions{.in_channels = 3,
                                                                           .out_channels = 4,
                                                                           .kernel = {3, 3},
                                                                           .stride = {2, 2},
                                                                           .padding = {1, 1}},
                                                         rng));
    net.add("pool", std::make_shared<nn::MaxPool2d<double>>());
    net.add("avg", std::make_shared<nn::AvgPool2d<double>>(
                       nn::PoolOptions{.kernel = {2, 2}, .stride = {1, 1}}));
    net.add("flatten", std::make_shared<nn::Flatten<double>>());
    const Tensord x(Array<double>(xt::ones<double>({2, 3, 9, 9})));
    // 9 -> conv stride 2 pad 1 -> 5 -> pool 2 -> 2 -> avg 2 stride 1 -> 1: (2, 4 * 1 * 1).
    BOOST_TEST((net(x).shape() == Shape{2, 4}));
    const auto named = net.named_parameters();
    BOOST_TEST_REQUIRE(named.size() == 2u);
    BOOST_TEST(named[0].first == "conv.weight");
    BOOST_TEST((named[0].second.shape() == Shape{4, 3, 3, 3}));
    BOOST_TEST((named[1].second.shape() == Shape{4}));
    // PyTorch's default bound: 1 / sqrt(fan_in), fan_in = 3 * 3 * 3.
    const double bound = 1 / std::sqrt(27.0);
    double largest = 0;
    for (const double w : named[0].second.value()) largest = std::max(largest, std::abs(w));
    BOOST_TEST(largest <= bound);
    BOOST_TEST(largest > 0.8 * bound);
    BOOST_TEST(net.describe().find("Conv2d(3, 4, kernel (3, 3), stride (2, 2), padding (1, 1))") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(dropout_masks_in_training_and_is_the_identity_in_evaluation) {
    StdRandom rng(7), same(7);
    nn::Dropout<double> dropout(0.25, rng), twin(0.25, same);
    Tensord x = Tensord::parameter(Array<double>(xt::ones<double>({100, 40})));
    const Tensord y = dropout(x);
    std::size_t zeros = 0;
    for (const double v : y.value()) {
        BOOST_TEST((v == 0.0 || v == 1 / 0.75));
        zeros += v == 0.0;
    }
    BOOST_TEST(std::abs(static_cast<double>(zeros) / 4000 - 0.25) < 0.03);
    BOOST_TEST((twin(x).value() == y.value()), "the same seed must give the same mask");
    sum(y).backward();
    BOOST_TEST((x.grad() == y.value()), "the gradient is the mask");
    dropout.eval();
    BOOST_TEST(dropout(x).impl_ptr() == x.impl_ptr());
    BOOST_CHECK_THROW(nn::Dropout<double>(1.0, rng), std::invalid_argument);
    BOOST_CHECK_THROW(nn::Dropout<double>(-0.1, rng), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bad_layers_are_refused_by_name) {
    StdRandom rng(1);
    try {
        nn::Conv2d<double>(nn::Conv2dOptions{.in_channels = 0, .out_channels = 4}, rng);
        BOOST_FAIL("accepted zero input channels");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("Conv2d(0, 4") != std::string::npos);
    }
    nn::Conv2d<double> conv(nn::Conv2dOptions{.in_channels = 1, .out_channels = 2}, rng);
    try {
        conv(Tensord(Array<double>(xt::zeros<double>({1, 3, 5, 5}))));
        BOOST_FAIL("accepted three channels for one");
    } catch (const ShapeError& e) {
        BOOST_TEST(std::string(e.what()).find("conv2d") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(grouped_convolution_and_ceil_mode_pooling) {
    StdRandom rng(2);
    nn::Conv2d<double> depthwise(
        nn::Conv2dOptions{.in_channels = 4, .out_channels = 8, .padding = {1, 1}, .groups = 4},
        rng);
    BOOST_TEST((depthwise.weight().shape() == Shape{8, 1, 3, 3}));  // torch's (out, in/groups, ..)
    BOOST_TEST(depthwise.describe() == "Conv2d(4, 8, kernel (3, 3), padding (1, 1), groups 4)");
    const double bound = 1 / std::sqrt(9.0);  // fan_in = in / groups kh kw
    for (const double w : depthwise.weight().value()) BOOST_TEST(std::abs(w) <= bound);
    const Tensord x(Array<double>(xt::ones<double>({2, 4, 5, 5})));
    const Tensord y = depthwise(x);
    BOOST_TEST((y.shape() == Shape{2, 8, 5, 5}));
    nn::MaxPool2d<double> pool(nn::PoolOptions{.kernel = {2, 2}, .ceil_mode = true});
    BOOST_TEST((pool(y).shape() == Shape{2, 8, 3, 3}));
    for (const nn::PoolOptions& o : {nn::PoolOptions{.kernel = {2, 2}},
                                     nn::PoolOptions{.kernel = {3, 3}, .padding = {1, 1}}}) {
        nn::MaxPool2d<double> scan(o);  // evaluation (no winners kept) finds the same maxima
        const Tensord recorded = scan(y);
        NoGradGuard evaluation;
        BOOST_TEST((scan(y).value() == recorded.value()));
    }
    BOOST_TEST(pool.describe() == "MaxPool2d(kernel (2, 2), stride (2, 2), ceil_mode)");
    nn::AvgPool2d<double> average(nn::PoolOptions{.kernel = {2, 2}, .ceil_mode = true});
    BOOST_TEST((average(x).value() == Array<double>(xt::ones<double>({2, 4, 3, 3}))),
               "partial windows divide by the taps they have");
    BOOST_CHECK_THROW(nn::Conv2d<double>(
                          nn::Conv2dOptions{.in_channels = 4, .out_channels = 6, .groups = 4}, rng),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(max_pooling_sends_a_tied_window_s_gradient_to_its_first_maximum) {
    // 2x2 windows, stride 2, over one 2x6 image: all four tied; the right column tied with the
    // left; the bottom row tied. The fused op (tiling fast path) and the composed one agree.
    const Array<double> image{{{{5.0, 5.0, 1.0, 4.0, 0.0, 0.0}, {5.0, 5.0, 1.0, 4.0, 7.0, 7.0}}}};
    const Array<double> expected{
        {{{1.0, 0.0, 0.0, 1.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0, 1.0, 0.0}}}};
    for (const bool fused : {true, false}) {
        Tensord x = Tensord::parameter(image);
        const Window2d window{.kernel = {2, 2}, .stride = {2, 2}};
        sum(fused ? nn::fused::max_pool2d(x, window) : nn::composed::max_pool2d(x, window))
            .backward();
        BOOST_TEST(x.grad() == expected, (fused ? "fused" : "composed"));
    }
}

BOOST_AUTO_TEST_SUITE_END()
