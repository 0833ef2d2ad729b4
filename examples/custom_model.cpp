// A model defined in C++ code and trained with the explicit loop (zero_grad, forward, loss,
// backward, step) on two interleaved spirals; evaluated under NoGradGuard.
//
//     custom-model [--min-accuracy A]    exits 1 if the test accuracy ends below A
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numbers>
#include <numeric>
#include <string>

#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>

using namespace xtgrad;

// The model: three linear layers with ReLU in between.
struct SpiralNet : nn::Module<float> {
    explicit SpiralNet(RandomEngine& rng)
        : fc1(register_module("fc1", make_linear(2, 64, rng))),
          fc2(register_module("fc2", make_linear(64, 64, rng))),
          fc3(register_module("fc3", make_linear(64, 2, rng))) {}

    Tensorf forward(const Tensorf& x) override { return (*fc3)(relu((*fc2)(relu((*fc1)(x))))); }
    std::string describe() const override { return "SpiralNet"; }

    static std::shared_ptr<nn::Linear<float>> make_linear(std::size_t in, std::size_t out,
                                                          RandomEngine& rng) {
        return std::make_shared<nn::Linear<float>>(
            nn::LinearOptions(in, out).init(nn::Init::kaiming_uniform()), rng);
    }

    std::shared_ptr<nn::Linear<float>> fc1, fc2, fc3;
};

struct Spirals {
    Array<float> points;  // (n, 2)
    std::vector<Label> labels;
};

/// Two spirals of 1.5 turns each, the second rotated by half a turn, with Gaussian noise.
Spirals make_spirals(std::size_t per_class, RandomEngine& rng) {
    Spirals data{empty_array<float>({2 * per_class, 2}), std::vector<Label>(2 * per_class)};
    for (std::size_t i = 0; i < 2 * per_class; ++i) {
        const Label label = static_cast<Label>(i % 2);
        const double t = rng.uniform();
        const double angle = 3 * std::numbers::pi * t + label * std::numbers::pi;
        data.points(i, 0) = static_cast<float>(t * std::cos(angle) + 0.02 * rng.normal());
        data.points(i, 1) = static_cast<float>(t * std::sin(angle) + 0.02 * rng.normal());
        data.labels[i] = label;
    }
    return data;
}

int main(int argc, char** argv) {
    double min_accuracy = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--min-accuracy" && i + 1 < argc) {
            min_accuracy = std::stod(argv[++i]);
        } else {
            std::cerr << "usage: custom-model [--min-accuracy A]\n";
            return 2;
        }
    }

    StdRandom rng(2024);  // the one generator: weights, data, shuffles
    SpiralNet model(rng);
    const Spirals train = make_spirals(500, rng);
    const Spirals test = make_spirals(500, rng);
    nn::SoftmaxCrossEntropyLoss<float> criterion;
    optim::SGD<float> optimizer(model.parameters(), optim::SGDOptions(0.05).momentum(0.9));

    constexpr std::size_t batch = 50;
    std::vector<std::size_t> order(train.labels.size());
    for (int epoch = 1; epoch <= 150; ++epoch) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        rng.shuffle(order);
        double epoch_loss = 0;
        for (std::size_t start = 0; start < order.size(); start += batch) {
            Array<float> x = empty_array<float>({batch, 2});
            std::vector<Label> y(batch);
            for (std::size_t j = 0; j < batch; ++j) {
                x(j, 0) = train.points(order[start + j], 0);
                x(j, 1) = train.points(order[start + j], 1);
                y[j] = train.labels[order[start + j]];
            }
            optimizer.zero_grad();
            Tensorf loss = criterion(model(Tensorf(std::move(x))), y);
            loss.backward();
            optimizer.step();
            epoch_loss += loss.item();
        }
        if (epoch % 30 == 0)
            std::cout << "epoch " << epoch << "  loss " << epoch_loss / (order.size() / batch)
                      << "\n";
    }

    double accuracy = 0;
    {
        NoGradGuard no_grad;  // evaluation records nothing
        model.eval();
        accuracy = nn::accuracy(model(Tensorf(test.points)), std::span<const Label>(test.labels));
    }
    std::cout << "test accuracy " << accuracy << "\n";
    if (accuracy < min_accuracy) {
        std::cerr << "custom-model: accuracy " << accuracy << " is below " << min_accuracy << "\n";
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
