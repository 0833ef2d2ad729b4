// xtgrad's own loops over the threads of blas::set_num_threads (parallel.hpp): every unit in
// exactly one part, and the same bits at 1, 2 and 3 threads for elementwise ops and their
// backwards, the fused sigmoid and GeLU (vector math), max pooling, each optimizer's update and
// the loader's batch gather, on arrays past the parallel minimum.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <vector>

#include <xtgrad/autograd/blas.hpp>
#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/autograd/parallel.hpp>
#include <xtgrad/autograd/random.hpp>
#include <xtgrad/data/loader.hpp>
#include <xtgrad/nn/fused_ops.hpp>
#include <xtgrad/optim/optim.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;

namespace {

/// Restores the thread count a test changes.
struct ThreadsGuard {
    int before = blas::num_threads();
    ~ThreadsGuard() { blas::set_num_threads(before); }
};

/// The values and gradients of a few ops and optimizer steps, computed at `threads` threads.
std::vector<Array<float>> results_at(int threads) {
    blas::set_num_threads(threads);
    testing::TestRandom rng(7);
    const std::size_t n = 3 * detail::kParallelMinimum + 5;  // past the minimum, uneven
    Tensorf a = Tensorf::parameter(rng.uniform_array<float>({n}, -2, 2));
    Tensorf b = Tensorf::parameter(rng.uniform_array<float>({n}, -2, 2));
    Tensorf images = Tensorf::parameter(rng.uniform_array<float>({8, 16, 28, 28}, -1, 1));
    const Tensorf pooled =
        nn::fused::max_pool2d(images, Window2d{.kernel = {2, 2}, .stride = {2, 2}});
    const Tensorf odd_pool = nn::fused::max_pool2d(
        images, Window2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
    sum(relu(a * b) + exp(a * 0.5f) + b * 3.0f).backward();
    (sum(pooled) + sum(odd_pool * odd_pool)).backward();
    // The fused activations on vector math, split in parts like the loops.
    Tensorf c = Tensorf::parameter(rng.uniform_array<float>({n}, -4, 4));
    const Tensorf activations =
        nn::fused::sigmoid(c) * nn::fused::gelu(c, nn::GeluApproximation::tanh) +
        nn::fused::gelu(c, nn::GeluApproximation::erf);
    sum(activations * activations).backward();
    std::vector<Array<float>> out = {a.grad(),       b.grad(),         images.grad(),
                                     pooled.value(), odd_pool.value(), activations.value(),
                                     c.grad()};
    // One step of each optimizer from the same gradients.
    for (int which = 0; which < 4; ++which) {
        Tensorf p = Tensorf::parameter(rng.uniform_array<float>({n}, -1, 1));
        sum(p * Tensorf(rng.uniform_array<float>({n}, -1, 1))).backward();  // the gradient
        if (which == 0)
            optim::SGD<float>({p}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4}).step();
        if (which == 1) optim::Adam<float>({p}, {.amsgrad = true}).step();
        if (which == 2) optim::RMSprop<float>({p}, {.momentum = 0.5, .centered = true}).step();
        if (which == 3) optim::Adagrad<float>({p}, {}).step();
        out.push_back(p.value());
    }
    // A shuffled batch of 101 rows (of 300) of 784 features, gathered in parts.
    const Array<float> inputs = rng.uniform_array<float>({300, 784}, 0, 1);
    const std::vector<Label> labels(300, 0);
    NumpyRandom engine(3);
    data::DataLoader<float> loader(inputs, labels, {.batch_size = 101, .shuffle = true}, &engine);
    loader.start_epoch();
    data::Batch<float> batch;
    loader.next(batch);
    out.push_back(batch.inputs.value());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parallel_loops)

BOOST_AUTO_TEST_CASE(every_unit_is_in_exactly_one_part) {
    ThreadsGuard guard;
    for (const int threads : {1, 2, 3}) {
        blas::set_num_threads(threads);
        for (const std::size_t units :
             {std::size_t{0}, std::size_t{1}, std::size_t{7}, detail::kParallelMinimum + 3}) {
            // The splitter itself (parallel_for calls it only for oneDNN-backed types).
            std::vector<std::atomic<int>> visits(units);
            detail::run_in_parts(
                units,
                [](const void* context, std::size_t begin, std::size_t end) {
                    auto& counts =
                        *static_cast<std::vector<std::atomic<int>>*>(const_cast<void*>(context));
                    for (std::size_t i = begin; i < end; ++i) ++counts[i];
                },
                &visits);
            for (std::size_t i = 0; i < units; ++i) BOOST_TEST(visits[i] == 1);
        }
    }
}

// Only float32 on oneDNN runs threaded (parallel.hpp); elsewhere the test would compare a loop
// with itself, so it is reported as skipped rather than passed.
BOOST_AUTO_TEST_CASE(results_are_the_same_bits_at_any_thread_count,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                         return blas::backend_of<float>() == blas::Backend::onednn;
                     })) {
    ThreadsGuard guard;
    const auto one = results_at(1);
    for (const int threads : {2, 3}) {
        const auto many = results_at(threads);
        BOOST_TEST_REQUIRE(many.size() == one.size());
        for (std::size_t i = 0; i < one.size(); ++i)
            BOOST_TEST((many[i] == one[i]), "result " << i << " at " << threads << " threads");
    }
}

BOOST_AUTO_TEST_SUITE_END()
