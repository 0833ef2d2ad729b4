// Data-parallel training over MPI with the library's Trainer: every process holds the model,
// trains on its shard of each batch of 100 MNIST images, and the gradients are averaged after
// backward, so K processes take the steps one process would take. Process 0 prints.
//
//     mpirun -np 2 data-parallel --data-dir data/mnist [--epochs 2] [--train-samples N]
//                                [--min-accuracy A]   exits 1 if the test accuracy ends below A
#include <cstdio>

#include <CLI/CLI.hpp>
#include <xtgrad/autograd/autograd.hpp>
#include <xtgrad/data/dataset.hpp>
#include <xtgrad/dist/data_parallel.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/optim.hpp>
#include <xtgrad/train/trainer.hpp>

using namespace xtgrad;

int main(int argc, char** argv) {
    dist::World world(argc, argv);  // MPI for main's scope
    CLI::App app("Train an MLP on MNIST over the processes of an MPI launch");
    std::string data_dir = "data/mnist";
    std::size_t epochs = 2, train_samples = 0;
    double min_accuracy = 0;
    app.add_option("--data-dir", data_dir, "MNIST's folder (scripts/get-mnist)");
    app.add_option("--epochs", epochs, "passes over the training set");
    app.add_option("--train-samples", train_samples, "use the first N training images (0: all)");
    app.add_option("--min-accuracy", min_accuracy, "exit 1 below this final test accuracy");
    CLI11_PARSE(app, argc, argv);
    blas::set_num_threads(1);  // one core per process

    const auto train =
        data::first_samples(data::load_mnist(data_dir, data::Split::train), train_samples);
    const auto test = data::load_mnist(data_dir, data::Split::test);
    const auto unit = data::parse_normalization("unit", train);
    const Array<float> train_images = data::normalized_inputs<float>(train, unit);
    const Array<float> test_images = data::normalized_inputs<float>(test, unit);

    // The same seed everywhere: the same initial weights and the same shuffles; each process
    // keeps its shard of every global batch.
    StdRandom rng(7);
    auto model = nn::make_mlp<float>({.sizes = {784, 128, 10}}, rng);
    const data::Shard shard{static_cast<std::size_t>(world.rank()),
                            static_cast<std::size_t>(world.size())};
    data::DataLoader<float> train_loader(
        train_images, train.labels, {.batch_size = 100, .shuffle = true, .shard = shard}, &rng);
    data::DataLoader<float> test_loader(test_images, test.labels,
                                        {.batch_size = 1000, .shard = shard});
    nn::SoftmaxCrossEntropyLoss<float> criterion;
    optim::Adam<float> optimizer(model->parameters(), {.lr = 1e-3});

    dist::DataParallel<float> parallel(world, *model);  // process 0's weights, everywhere
    train::Trainer<float> trainer(*model, criterion, optimizer, train_loader, test_loader);
    trainer.set_parallel(parallel);
    double accuracy = 0;
    for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
        const train::EpochMetrics m = trainer.run_epoch(epoch);
        accuracy = m.test_acc;
        if (world.rank() == 0)
            std::printf("epoch %zu  train loss %.4f  test acc %.4f  |  %.2f s, %d processes\n",
                        epoch, m.train_loss, m.test_acc, m.seconds, world.size());
    }
    return accuracy >= min_accuracy ? 0 : 1;
}
