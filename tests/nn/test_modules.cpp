#include <boost/test/unit_test.hpp>

#include <tuple>

#include <cmath>

#include <xtgrad/nn/nn.hpp>

using namespace xtgrad;

BOOST_AUTO_TEST_SUITE(modules)

BOOST_AUTO_TEST_CASE(mlp_parameters_have_stable_names_and_order) {
    NumpyRandom rng(1);
    auto mlp = nn::make_mlp<float>({{784, 256, 128, 10}, nn::Activation::relu}, rng);
    std::vector<std::string> names;
    for (const auto& [name, p] : mlp->named_parameters()) names.push_back(name);
    const std::vector<std::string> expected = {"fc1.weight", "fc1.bias",   "fc2.weight",
                                               "fc2.bias",   "fc3.weight", "fc3.bias"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    BOOST_TEST(mlp->parameter_count() == 784u * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    BOOST_TEST(to_string(mlp->parameter("fc2.weight").shape()) == "(256, 128)");
    BOOST_CHECK_THROW(mlp->parameter("fc9.weight"), std::out_of_range);
    BOOST_TEST(mlp->describe().find("act1: ReLU()") != std::string::npos);
    BOOST_TEST(mlp->size() == 5u);
}

BOOST_AUTO_TEST_CASE(mlp_draws_the_lab_weights_from_the_numpy_engine) {
    NumpyRandom rng(42);
    auto mlp =
        nn::make_mlp<double>({{784, 128, 10}, nn::Activation::gelu, nn::Init::normal(0.01)}, rng);
    BOOST_TEST(mlp->parameter("fc1.weight").value()(0, 0) == 0.0049671415301123269);
    BOOST_TEST(mlp->parameter("fc1.weight").value()(783, 127) == 0.013885900667626174);
    BOOST_TEST(mlp->parameter("fc2.weight").value()(0, 0) == -0.00080235468827663016);
    BOOST_TEST(mlp->parameter("fc2.weight").value()(127, 9) == 0.0011477403216747875);
    for (double b : mlp->parameter("fc1.bias").value()) BOOST_TEST(b == 0.0);
}

BOOST_AUTO_TEST_CASE(initialisers_respect_their_ranges) {
    StdRandom rng(2);
    Array<double> w = empty_array<double>({200, 100});
    nn::initialize(w, nn::Init::xavier_uniform(), rng);
    const double xavier = std::sqrt(6.0 / 300.0);
    double xavier_max = 0;
    for (double v : w) xavier_max = std::max(xavier_max, std::abs(v));
    BOOST_TEST(xavier_max <= xavier);
    BOOST_TEST(xavier_max > 0.95 * xavier);  // 20000 draws reach the bound's last 5%
    nn::initialize(w, nn::Init::kaiming_uniform(), rng);
    const double kaiming = std::sqrt(6.0 / 200.0);
    double max_abs = 0;
    for (double v : w) max_abs = std::max(max_abs, std::abs(v));
    BOOST_TEST(max_abs <= kaiming);
    BOOST_TEST(max_abs > 0.95 * kaiming);
    nn::initialize(w, nn::Init::normal(0.5), rng);
    double sum_sq = 0;
    for (double v : w) sum_sq += v * v;
    BOOST_TEST(std::sqrt(sum_sq / static_cast<double>(w.size())) == 0.5,
               boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(pytorch_init_schemes) {
    // torch.nn.init.calculate_gain (1.13).
    BOOST_TEST(nn::gain(nn::Nonlinearity::sigmoid) == 1.0);
    BOOST_TEST(nn::gain(nn::Nonlinearity::tanh) == 5.0 / 3);
    BOOST_TEST(nn::gain(nn::Nonlinearity::relu) == std::sqrt(2.0));
    BOOST_TEST(nn::gain(nn::Nonlinearity::leaky_relu) == std::sqrt(2.0 / (1 + 0.01 * 0.01)));
    BOOST_TEST(nn::gain(nn::Nonlinearity::selu) == 0.75);

    StdRandom rng(4);
    Array<double> w = empty_array<double>({400, 100});
    const auto stats = [&w] {
        double sum = 0, sum_sq = 0, max_abs = 0;
        for (double v : w) {
            sum += v;
            sum_sq += v * v;
            max_abs = std::max(max_abs, std::abs(v));
        }
        const double n = static_cast<double>(w.size());
        return std::tuple{sum / n, std::sqrt(sum_sq / n - (sum / n) * (sum / n)), max_abs};
    };
    const auto tolerance = boost::test_tools::tolerance(0.02);  // 40000 draws
    nn::initialize(w, nn::Init::kaiming_normal(), rng);         // std sqrt(2) / sqrt(400)
    BOOST_TEST(std::get<1>(stats()) == std::sqrt(2.0 / 400), tolerance);
    nn::initialize(w, nn::Init::kaiming_normal(nn::FanMode::fan_out, nn::Nonlinearity::tanh), rng);
    BOOST_TEST(std::get<1>(stats()) == 5.0 / 3 / std::sqrt(100.0), tolerance);
    nn::initialize(w, nn::Init::kaiming_uniform(nn::FanMode::fan_out, nn::Nonlinearity::relu),
                   rng);  // bound sqrt(2) sqrt(3 / 100)
    const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 100);
    BOOST_TEST(std::get<2>(stats()) <= bound);
    BOOST_TEST(std::get<2>(stats()) > 0.99 * bound);
    BOOST_TEST(std::get<1>(stats()) == bound / std::sqrt(3.0), tolerance);
    nn::initialize(w, nn::Init::xavier_normal(2.0), rng);
    BOOST_TEST(std::get<1>(stats()) == 2.0 * std::sqrt(2.0 / 500), tolerance);
    nn::initialize(w, nn::Init::constant(0.25), rng);
    for (double v : w) BOOST_TEST_REQUIRE(v == 0.25);

    // Orthogonal: orthonormal columns of a tall weight, rows of a wide one, times the gain.
    for (const Shape& shape : {Shape{7, 4}, Shape{3, 6}, Shape{5, 5}}) {
        Array<double> q = empty_array<double>(shape);
        nn::initialize(q, nn::Init::orthogonal(1.5), rng);
        const bool tall = shape[0] >= shape[1];
        const std::size_t n = tall ? shape[1] : shape[0];
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = 0; b < n; ++b) {
                double dot = 0;
                for (std::size_t k = 0; k < (tall ? shape[0] : shape[1]); ++k)
                    dot += tall ? q(k, a) * q(k, b) : q(a, k) * q(b, k);
                BOOST_TEST(std::abs(dot - (a == b ? 2.25 : 0.0)) < 1e-12,
                           to_string(shape) << " (" << a << ", " << b << "): " << dot);
            }
    }
    BOOST_CHECK_THROW(nn::initialize(w, nn::Init::xavier_normal(-1), rng), std::invalid_argument);
}

struct TwoLayer : nn::Module<double> {
    explicit TwoLayer(RandomEngine& rng)
        : fc1(register_module<nn::Lineard>("fc1", 3, 4, rng)),
          fc2(register_module<nn::Lineard>(
              "fc2", nn::LinearOptions{.in_features = 4, .out_features = 2, .bias = false}, rng)) {
        register_parameter("scale", Tensor<double>(Array<double>{1.5}));
    }
    Tensor<double> forward(const Tensor<double>& x) override {
        return fc2(relu(fc1(x))) * parameter("scale");
    }
    nn::ModuleHolder<nn::Lineard> fc1, fc2;
};

BOOST_AUTO_TEST_CASE(a_model_defined_in_code_registers_its_parts) {
    StdRandom rng(3);
    TwoLayer net(rng);
    std::vector<std::string> names;
    for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
    const std::vector<std::string> expected = {"scale", "fc1.weight", "fc1.bias", "fc2.weight"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    for (const auto& p : net.parameters()) BOOST_TEST(p.requires_grad());

    net.eval();
    BOOST_TEST(!net.fc1->is_training());
    net.train();
    BOOST_TEST(net.fc2->is_training());
    BOOST_TEST(net.describe() == "TwoLayer(fc1: Linear(3, 4), fc2: Linear(4, 2, bias=false))");

    Tensor<double> x(Array<double>{{1.0, 2.0, 3.0}});
    sum(net(x)).backward();
    BOOST_TEST(net.fc1->weight().has_grad());
    net.zero_grad();
    for (const auto& p : net.parameters()) BOOST_TEST(!p.has_grad());
}

BOOST_AUTO_TEST_CASE(bad_names_and_sizes_are_rejected) {
    StdRandom rng(4);
    nn::Sequential<float> seq;
    seq.add("a", std::make_shared<nn::ReLU<float>>());
    BOOST_CHECK_THROW(seq.add("a", std::make_shared<nn::ReLU<float>>()), std::invalid_argument);
    BOOST_CHECK_THROW(seq.add("x.y", std::make_shared<nn::ReLU<float>>()), std::invalid_argument);
    BOOST_CHECK_THROW(seq.add("", std::make_shared<nn::ReLU<float>>()), std::invalid_argument);
    BOOST_CHECK_THROW(nn::Linear<float>(0, 3, rng), std::invalid_argument);
    BOOST_CHECK_THROW(nn::make_mlp<float>({{784}, nn::Activation::relu}, rng),
                      std::invalid_argument);
    BOOST_CHECK_THROW(nn::make_mlp<float>({{784, 0, 10}, nn::Activation::relu}, rng),
                      std::invalid_argument);
    BOOST_CHECK_THROW(nn::parse_activation("tanh"), std::invalid_argument);
    BOOST_CHECK_THROW(nn::make_loss<float>("mse"), std::invalid_argument);
    nn::Linear<float> fc(3, 2, rng);
    try {
        fc(Tensor<float>(xt::zeros<float>({4, 5})));
        BOOST_FAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("linear") != std::string::npos);
        BOOST_TEST(what.find("(4, 5)") != std::string::npos);
        BOOST_TEST(what.find("(3, 2)") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(loss_values)

BOOST_AUTO_TEST_CASE(closed_forms) {
    const std::vector<Label> labels = {0, 2};
    Tensor<double> zeros(xt::zeros<double>({2, 4}));
    // Euclidean: each row contributes ||onehot||^2 = 1: 1/(2*2) * 2.
    BOOST_TEST(nn::EuclideanLoss<double>()(zeros, labels).item() == 0.5);
    // Cross-entropy of uniform logits is log C.
    BOOST_TEST(nn::SoftmaxCrossEntropyLoss<double>()(zeros, labels).item() == std::log(4.0),
               boost::test_tools::tolerance(1e-15));
    // Hinge with margin 5 at zero logits: (C - 1) * 5 per row.
    BOOST_TEST(nn::HingeLoss<double>(5)(zeros, labels).item() == 15.0);
    Tensor<double> separated(Array<double>{{10, 0, 0, 0}, {0, 0, 10, 0}});
    BOOST_TEST(nn::HingeLoss<double>(5)(separated, labels).item() == 0.0);
    BOOST_TEST(nn::accuracy(separated, std::span<const Label>(labels)) == 1.0);
}

BOOST_AUTO_TEST_CASE(large_logits_stay_finite) {
    const std::vector<Label> labels = {1, 0};
    for (const double scale : {1e4, -1e4, 1e30}) {
        auto logits = Tensor<float>::parameter(
            Array<float>{{0.f, static_cast<float>(scale)}, {static_cast<float>(scale), 1.f}});
        for (const bool fused : {true, false}) {
            nn::SoftmaxCrossEntropyLoss<float> loss;
            nn::ComposedGuard path(!fused);
            logits.zero_grad();
            auto value = loss(logits, labels);
            value.backward();
            BOOST_TEST(std::isfinite(value.item()),
                       "scale " << scale << (fused ? " fused" : " composed"));
            for (float g : logits.grad()) BOOST_TEST(std::isfinite(g));
        }
    }
}

BOOST_AUTO_TEST_CASE(accuracy_takes_the_first_index_on_ties) {
    Tensor<double> tied(Array<double>{{1, 1, 0}, {0, 2, 2}});
    const std::vector<Label> first = {0, 1};
    const std::vector<Label> second = {1, 2};
    BOOST_TEST(nn::accuracy(tied, std::span<const Label>(first)) == 1.0);
    BOOST_TEST(nn::accuracy(tied, std::span<const Label>(second)) == 0.0);
}

BOOST_AUTO_TEST_CASE(bad_labels_name_the_loss) {
    Tensor<double> logits(xt::zeros<double>({2, 3}));
    const std::vector<Label> out_of_range = {0, 3};
    const std::vector<Label> too_few = {0};
    try {
        nn::SoftmaxCrossEntropyLoss<double>()(logits, out_of_range);
        BOOST_FAIL("expected std::out_of_range");
    } catch (const std::out_of_range& e) {
        BOOST_TEST(std::string(e.what()).find("softmax_cross_entropy") != std::string::npos);
    }
    BOOST_CHECK_THROW(nn::HingeLoss<double>()(logits, too_few), ShapeError);
    BOOST_CHECK_THROW(nn::EuclideanLoss<double>()(logits, too_few), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
