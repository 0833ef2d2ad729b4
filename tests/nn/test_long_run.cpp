// Many training steps: the tape is empty and the heap holds exactly the same number of bytes
// after every step, so nothing grows per step.
#include <boost/test/unit_test.hpp>

#include <malloc.h>

#include <algorithm>

#include <xtgrad/autograd/tape.hpp>
#include <xtgrad/nn/nn.hpp>
#include <xtgrad/optim/sgd.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;

namespace {

std::size_t live_heap_bytes() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;  // in use in the arenas, plus mmapped blocks
}

template <class T>
void check_steady_state(bool fused) {
    StdRandom rng(1);
    nn::ComposedGuard path(!fused);
    auto model = nn::make_mlp<T>({{784, 128, 10}, nn::Activation::relu}, rng);
    nn::SoftmaxCrossEntropyLoss<T> criterion;
    optim::SGD<T> optimizer(model->parameters(),
                            {.lr = 0.1, .momentum = 0.9, .weight_decay = 2e-4});
    xtgrad::testing::TestRandom data(2);
    const Array<T> x = data.uniform_array<T>({100, 784}, -0.5, 0.5);
    std::vector<Label> labels(100);
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<Label>(i % 10);

    std::vector<std::size_t> heap;
    heap.reserve(300);  // the record itself must not allocate during the loop
    for (int step = 0; step < 300; ++step) {
        {
            optimizer.zero_grad();
            const Tensor<T> loss = criterion(model(Tensor<T>(Array<T>(x))), labels);
            loss.backward();
            optimizer.step();
        }
        BOOST_TEST_REQUIRE(Tape<T>::current().live_nodes() == 0u,
                           "step " << step << " left ops on the tape");
        heap.push_back(live_heap_bytes());
    }
    // After 20 warm-up steps (momentum buffers, gradient storage, scratch) the level is flat: the
    // second half exceeds the first by at most 128 bytes, and the spread is only the allocator's
    // rounding of a chunk served from a slightly larger free one (a few 16-byte units). (The
    // 128: mallinfo2 counts the main arena only, and on a busy machine a BLAS worker thread's
    // 64-byte block landed there late.) A leak of 16 bytes a step would add 2 400 bytes over
    // the second half. (The warm-up's last one-time rise came at step 8 or 13, by where the
    // process's addresses fell, once the fused loss kept its softmax buffers per thread.)
    const auto middle = heap.begin() + 150;
    const auto [low, high] = std::minmax_element(heap.begin() + 20, heap.end());
    const std::size_t first_half = *std::max_element(heap.begin() + 20, middle);
    const std::size_t second_half = *std::max_element(middle, heap.end());
    BOOST_TEST(second_half <= first_half + 128, (fused ? "fused" : "composed")
                                                    << " path: the heap grew from " << first_half
                                                    << " to " << second_half << " bytes");
    BOOST_TEST(*high - *low <= 256u, (fused ? "fused" : "composed")
                                         << " path: live heap bytes vary between " << *low
                                         << " and " << *high << " after warm-up");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(long_run)

BOOST_AUTO_TEST_CASE(no_per_step_growth_float32) {
    check_steady_state<float>(true);
    check_steady_state<float>(false);
}

BOOST_AUTO_TEST_CASE(no_per_step_growth_float64) {
    check_steady_state<double>(true);
}

BOOST_AUTO_TEST_SUITE_END()
