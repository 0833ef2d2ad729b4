// A model defined in C++ and trained with the explicit loop (zero_grad, forward, loss,
// backward, step) on two interleaved spirals with AdamW (weight decay on the weights only, a
// second parameter group for the biases) and a cosine learning-rate schedule, then evaluated
// under NoGradGuard.
//
//     custom-model [--min-accuracy A]    exits 1 if the test accuracy ends below A
#include <cmath>
#include <iostream>
#include <numbers>
#include <string>

#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/data/loader.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>

using namespace xtgrad;

struct SpiralNet : nn::Module<float> {
    explicit SpiralNet(RandomEngine& rng)
        : fc1(register_module<nn::Linearf>("fc1", layer(2, 64), rng)),
          fc2(register_module<nn::Linearf>("fc2", layer(64, 64), rng)),
          fc3(register_module<nn::Linearf>("fc3", layer(64, 2), rng)) {}

    Tensorf forward(const Tensorf& x) override { return fc3(relu(fc2(relu(fc1(x))))); }

    static nn::LinearOptions layer(std::size_t in, std::size_t out) {
        return {.in_features = in, .out_features = out, .init = nn::Init::kaiming_uniform()};
    }
    nn::ModuleHolder<nn::Linearf> fc1, fc2, fc3;
};

/// Two spirals of 1.5 turns, the second rotated by half a turn, with Gaussian noise.
void make_spirals(std::size_t n, RandomEngine& rng, Array<float>& points,
                  std::vector<Label>& labels) {
    points = empty_array<float>({n, 2});
    labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = static_cast<Label>(i % 2);
        const double t = rng.uniform(),
                     angle = 3 * std::numbers::pi * t + labels[i] * std::numbers::pi;
        points(i, 0) = static_cast<float>(t * std::cos(angle) + 0.02 * rng.normal());
        points(i, 1) = static_cast<float>(t * std::sin(angle) + 0.02 * rng.normal());
    }
}

int main(int argc, char** argv) {
    const double min_accuracy =
        argc == 3 && std::string(argv[1]) == "--min-accuracy" ? std::stod(argv[2]) : 0;
    StdRandom rng(2024);  // the one generator: weights, data, shuffles
    SpiralNet model(rng);
    Array<float> train_x, test_x;
    std::vector<Label> train_y, test_y;
    make_spirals(1000, rng, train_x, train_y);
    make_spirals(1000, rng, test_x, test_y);
    data::DataLoader<float> loader(train_x, train_y, {.batch_size = 50, .shuffle = true}, &rng);
    nn::SoftmaxCrossEntropyLoss<float> criterion;
    std::vector<Tensorf> weights, biases;
    for (const auto& [name, p] : model.named_parameters())
        (name.ends_with(".bias") ? biases : weights).push_back(p);
    optim::AdamW<float> optimizer(
        {{.parameters = weights}, {.parameters = biases, .weight_decay = 0.0}},
        {.lr = 1e-2, .weight_decay = 1e-4});
    optim::CosineAnnealing schedule(optimizer, {.t_max = 150});

    for (int epoch = 1; epoch <= 150; ++epoch) {
        double epoch_loss = 0;
        for (const auto& batch : loader) {
            optimizer.zero_grad();
            Tensorf loss = criterion(model(batch.inputs), batch.labels);
            loss.backward();
            optimizer.step();
            epoch_loss += loss.item();
        }
        schedule.step();
        if (epoch % 30 == 0)
            std::cout << "epoch " << epoch << "  loss " << epoch_loss / 20 << "  next lr "
                      << optimizer.lr() << "\n";
    }

    NoGradGuard no_grad;  // evaluation records nothing
    model.eval();
    const double accuracy = nn::accuracy(model(Tensorf(test_x)), test_y);
    std::cout << model.describe() << "\ntest accuracy " << accuracy << "\n";
    return accuracy >= min_accuracy ? 0 : 1;
}
