// A training step with a gradient penalty: the loss plus lambda times the squared norm of
// d loss / d input, differentiated with create_graph (the penalty's gradient with respect to the
// weights goes through the backward pass itself). Trains a small GeLU network on two spirals
// and prints how the penalty shrinks the input gradients against the same training without it.
//
//     gradient-penalty [--check]    with --check, exits 1 unless the penalised model ends with
//                                   smaller input gradients and still >= 0.9 test accuracy
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>

using namespace xtgrad;

namespace {

void make_spirals(std::size_t n, RandomEngine& rng, Array<double>& points,
                  std::vector<Label>& labels) {
    points = empty_array<double>({n, 2});
    labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = static_cast<Label>(i % 2);
        const double t = rng.uniform();
        const double angle = 2 * std::numbers::pi * t + labels[i] * std::numbers::pi;
        points(i, 0) = t * std::cos(angle) + 0.03 * rng.normal();
        points(i, 1) = t * std::sin(angle) + 0.03 * rng.normal();
    }
}

struct Outcome {
    double accuracy;
    double input_gradient;  // |d loss / d input|^2 summed over the test set
};

Outcome train(double lambda, const Array<double>& x, const std::vector<Label>& y,
              const Array<double>& test_x, const std::vector<Label>& test_y) {
    StdRandom rng(3);
    auto model = nn::make_mlp<double>(
        {{2, 32, 32, 2}, nn::Activation::gelu, nn::Init::kaiming_uniform()}, rng);
    nn::SoftmaxCrossEntropyLoss<double> criterion;
    optim::Adam<double> optimizer(model->parameters(), {.lr = 1e-2});
    for (int step = 1; step <= 400; ++step) {
        optimizer.zero_grad();
        const Tensord input(x, true);  // a leaf: the penalty differentiates with respect to it
        const Tensord loss = criterion(model(input), y);
        const Tensord g = grad<double>({loss}, {input}, {}, {.create_graph = true})[0];
        const Tensord total = loss + lambda * sum(square(g)) * static_cast<double>(x.shape(0));
        total.backward();
        optimizer.step();
        if (step % 100 == 0)
            std::printf("  lambda %g  step %3d  loss %.4f  penalty %.3e\n", lambda, step,
                        loss.item(), sum(square(g)).item());
    }
    const Tensord input(test_x, true);
    const Tensord logits = model(input);
    const Tensord g = grad<double>({criterion(logits, test_y)}, {input})[0];
    return {nn::accuracy(logits, test_y), sum(square(g)).item()};
}

}  // namespace

int main(int argc, char** argv) {
    const bool check = argc == 2 && std::string(argv[1]) == "--check";
    StdRandom rng(11);
    Array<double> x, test_x;
    std::vector<Label> y, test_y;
    make_spirals(400, rng, x, y);
    make_spirals(400, rng, test_x, test_y);
    const Outcome plain = train(0.0, x, y, test_x, test_y);
    const Outcome penalised = train(1e-2, x, y, test_x, test_y);
    std::printf("without penalty: test accuracy %.3f, |d loss / d input|^2 %.3e\n", plain.accuracy,
                plain.input_gradient);
    std::printf("with penalty:    test accuracy %.3f, |d loss / d input|^2 %.3e\n",
                penalised.accuracy, penalised.input_gradient);
    if (!check) return 0;
    return penalised.input_gradient < plain.input_gradient && penalised.accuracy >= 0.9 ? 0 : 1;
}
