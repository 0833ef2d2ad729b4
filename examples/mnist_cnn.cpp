// A convolutional network on MNIST, written the way libtorch's examples/cpp/mnist is: a module
// with two convolutions and two linear layers, Adam, and the explicit training loop.
//
//     mnist-cnn --data-dir data/mnist [--epochs 3] [--train-samples N] [--test-samples N]
//               [--threads T] [--min-accuracy A]     exits 1 if the test accuracy ends below A
#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <xtensor/xview.hpp>
#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/data/dataset.hpp>
#include <xtgrad/data/loader.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>

using namespace xtgrad;

struct Net : nn::Module<float> {
    explicit Net(RandomEngine& rng)
        : conv1(register_module<nn::Conv2df>("conv1", conv(1, 16), rng)),
          conv2(register_module<nn::Conv2df>("conv2", conv(16, 32), rng)),
          fc1(register_module<nn::Linearf>("fc1", linear(32 * 7 * 7, 128), rng)),
          fc2(register_module<nn::Linearf>("fc2", linear(128, 10), rng)),
          pool(register_module<nn::MaxPool2d<float>>("pool", nn::PoolOptions{.kernel = {2, 2}})) {}

    Tensorf forward(const Tensorf& x) override {  // x: (N, 1, 28, 28)
        Tensorf h = pool(relu(conv1(x)));         // (N, 16, 14, 14)
        h = pool(relu(conv2(h)));                 // (N, 32, 7, 7)
        return fc2(relu(fc1(flatten(h))));        // (N, 32 7 7) -> (N, 10)
    }

    static nn::Conv2dOptions conv(std::size_t in, std::size_t out) {
        return {.in_channels = in, .out_channels = out, .kernel = {5, 5}, .padding = {2, 2}};
    }
    static nn::LinearOptions linear(std::size_t in, std::size_t out) {
        return {.in_features = in, .out_features = out, .init = nn::Init::kaiming_uniform()};
    }
    nn::ModuleHolder<nn::Conv2df> conv1, conv2;
    nn::ModuleHolder<nn::Linearf> fc1, fc2;
    nn::ModuleHolder<nn::MaxPool2d<float>> pool;
};

int main(int argc, char** argv) {
    CLI::App app("Train a convolutional network on MNIST");
    std::string data_dir = "data/mnist";
    int epochs = 3;
    std::size_t train_samples = 0, test_samples = 0;
    int threads = 0;
    double min_accuracy = 0;
    app.add_option("--data-dir", data_dir, "MNIST's folder (scripts/get-mnist)");
    app.add_option("--epochs", epochs, "passes over the training set")->check(CLI::PositiveNumber);
    app.add_option("--train-samples", train_samples, "use the first N training images (0: all)");
    app.add_option("--test-samples", test_samples, "evaluate on the first N test images (0: all)");
    app.add_option("--threads", threads, "threads (0: every core)");
    app.add_option("--min-accuracy", min_accuracy, "exit 1 below this final test accuracy");
    CLI11_PARSE(app, argc, argv);
    if (threads > 0) blas::set_num_threads(threads);

    const auto train =
        data::first_samples(data::load_mnist(data_dir, data::Split::train), train_samples);
    const auto test =
        data::first_samples(data::load_mnist(data_dir, data::Split::test), test_samples);
    const auto normalization = data::parse_normalization("standard", train);
    const Array<float> train_images = data::normalized_images<float>(train, normalization);
    const Array<float> test_images = data::normalized_images<float>(test, normalization);

    StdRandom rng(1);  // the one generator: weights and shuffles
    Net model(rng);
    std::printf("%s\n", model.describe().c_str());
    data::DataLoader<float> loader(train_images, train.labels, {.batch_size = 64, .shuffle = true},
                                   &rng);
    nn::SoftmaxCrossEntropyLoss<float> criterion;
    optim::Adam<float> optimizer(model.parameters(), {.lr = 1e-3});

    double accuracy = 0;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        model.train();
        double total_loss = 0;
        std::size_t batches = 0;
        for (const auto& batch : loader) {
            optimizer.zero_grad();
            Tensorf loss = criterion(model(batch.inputs), batch.labels);
            loss.backward();
            optimizer.step();
            total_loss += loss.item();
            ++batches;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        NoGradGuard no_grad;
        model.eval();
        accuracy = 0;
        for (std::size_t first = 0; first < test.count; first += 1000) {  // in chunks: less memory
            const std::size_t n = std::min<std::size_t>(1000, test.count - first);
            Array<float> chunk = xt::view(test_images, xt::range(first, first + n));
            const std::span<const Label> labels(test.labels.data() + first, n);
            accuracy += nn::accuracy(model(Tensorf(std::move(chunk))), labels) * double(n);
        }
        accuracy /= double(test.count);
        std::printf("epoch %d/%d  train loss %.4f  test acc %.4f  |  %.1f s\n", epoch, epochs,
                    total_loss / double(batches), accuracy, seconds);
    }
    return accuracy >= min_accuracy ? 0 : 1;
}
