#include <boost/test/unit_test.hpp>

#include <numeric>
#include <set>
#include <type_traits>

#include <xtgrad/data/loader.hpp>

using namespace xtgrad;
using namespace xtgrad::data;

namespace {

struct Fixture {
    explicit Fixture(std::size_t n) : inputs(empty_array<double>({n, 2})), labels(n) {
        for (std::size_t i = 0; i < n; ++i) {
            inputs(i, 0) = static_cast<double>(i);
            inputs(i, 1) = -static_cast<double>(i);
            labels[i] = static_cast<Label>(i % 10);
        }
    }
    Array<double> inputs;
    std::vector<Label> labels;
};

std::vector<std::size_t> epoch_samples(DataLoader<double>& loader) {
    std::vector<std::size_t> seen;
    Batch<double> batch;
    loader.start_epoch();
    while (loader.next(batch))
        for (std::size_t j = 0; j < batch.size(); ++j) {
            const auto sample = static_cast<std::size_t>(batch.inputs.value()(j, 0));
            BOOST_TEST(batch.labels[j] == static_cast<Label>(sample % 10), "sample " << sample);
            seen.push_back(sample);
        }
    return seen;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(batches_in_order_with_a_partial_last_batch) {
    Fixture f(25);
    DataLoader<double> loader(f.inputs, f.labels, {.batch_size = 10});
    BOOST_TEST(loader.batches_per_epoch() == 3u);
    Batch<double> batch;
    BOOST_CHECK_THROW(loader.next(batch), std::logic_error);
    loader.start_epoch();
    std::vector<std::size_t> sizes;
    while (loader.next(batch)) {
        sizes.push_back(batch.size());
        // Unshuffled: batch b holds samples 10 b, 10 b + 1, ... with their own labels.
        for (std::size_t j = 0; j < batch.size(); ++j) {
            const std::size_t sample = batch.index * 10 + j;
            BOOST_TEST(batch.inputs.value()(j, 0) == static_cast<double>(sample));
            BOOST_TEST(batch.inputs.value()(j, 1) == -static_cast<double>(sample));
            BOOST_TEST(batch.labels[j] == static_cast<Label>(sample % 10));
        }
        BOOST_TEST(to_string(batch.inputs.shape()) == "(" + std::to_string(batch.size()) + ", 2)");
        BOOST_TEST(!batch.inputs.requires_grad());
    }
    BOOST_TEST(sizes == (std::vector<std::size_t>{10, 10, 5}), boost::test_tools::per_element());
    const Tensor<double> hot = batch.one_hot(10);
    BOOST_TEST(hot.value()(0, 0) == 1.0);  // sample 20 has label 0

    DataLoader<double> dropping(f.inputs, f.labels, {.batch_size = 10, .drop_last = true});
    BOOST_TEST(dropping.batches_per_epoch() == 2u);
    BOOST_TEST(epoch_samples(dropping).size() == 20u);
}

BOOST_AUTO_TEST_CASE(samples_without_features_make_empty_batches) {
    // A row's last element does not exist here: the gather must not point before the data
    // (the sanitizer build checks the pointer arithmetic).
    const Array<double> inputs = empty_array<double>({5, 0});
    const std::vector<Label> labels{0, 1, 2, 3, 4};
    NumpyRandom rng(1);
    DataLoader<double> loader(inputs, labels, {.batch_size = 2, .shuffle = true}, &rng);
    loader.start_epoch();
    Batch<double> batch;
    std::size_t samples = 0;
    while (loader.next(batch)) {
        BOOST_TEST(to_string(batch.inputs.shape()) == "(" + std::to_string(batch.size()) + ", 0)");
        samples += batch.size();
    }
    BOOST_TEST(samples == 5u);
}

BOOST_AUTO_TEST_CASE(shuffling_covers_every_sample_and_depends_only_on_the_seed) {
    Fixture f(100);
    NumpyRandom a(5), b(5), c(6);
    DataLoader<double> la(f.inputs, f.labels, {.batch_size = 7, .shuffle = true}, &a);
    DataLoader<double> lb(f.inputs, f.labels, {.batch_size = 7, .shuffle = true}, &b);
    DataLoader<double> lc(f.inputs, f.labels, {.batch_size = 7, .shuffle = true}, &c);
    for (int epoch = 0; epoch < 3; ++epoch) {
        const auto sa = epoch_samples(la);
        BOOST_TEST(sa == epoch_samples(lb), boost::test_tools::per_element());
        BOOST_TEST(!(sa == epoch_samples(lc)));
        BOOST_TEST(std::set<std::size_t>(sa.begin(), sa.end()).size() == 100u);
    }
}

BOOST_AUTO_TEST_CASE(numpy_engine_gives_the_lab_batches) {
    // The lab seeds once, builds the layers (which draw their weights), then shuffles a fresh
    // arange(60000) per epoch. Here nothing is drawn first: the first shuffle of seed 42 after
    // 784*128 + 128*10 normals begins 34323, 1788, ... (see test_random.cpp).
    Fixture f(60000);
    NumpyRandom rng(42);
    for (int i = 0; i < 784 * 128 + 128 * 10; ++i) rng.normal();
    DataLoader<double> loader(f.inputs, f.labels, {.batch_size = 100, .shuffle = true}, &rng);
    loader.start_epoch();
    Batch<double> batch;
    BOOST_TEST_REQUIRE(loader.next(batch));
    BOOST_TEST(batch.inputs.value()(0, 0) == 34323.0);
    BOOST_TEST(batch.inputs.value()(1, 0) == 1788.0);
    BOOST_TEST(batch.labels[0] == 3);  // 34323 % 10
}

BOOST_AUTO_TEST_CASE(bad_arguments) {
    Fixture f(10);
    BOOST_CHECK_THROW(DataLoader<double>(f.inputs, f.labels, {.batch_size = 0}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(DataLoader<double>(f.inputs, f.labels, {.batch_size = 2, .shuffle = true}),
                      std::invalid_argument);
    const std::vector<Label> fewer(9);
    BOOST_CHECK_THROW(DataLoader<double>(f.inputs, fewer, {.batch_size = 2}), ShapeError);
}

BOOST_AUTO_TEST_CASE(restore_continues_an_epoch) {
    Fixture f(30);
    StdRandom rng(1);
    DataLoader<double> loader(f.inputs, f.labels, {.batch_size = 4, .shuffle = true}, &rng);
    loader.start_epoch();
    Batch<double> batch;
    loader.next(batch);
    loader.next(batch);
    const auto order = loader.order();
    const auto position = loader.position();
    loader.next(batch);
    const double expected = batch.inputs.value()(0, 0);

    DataLoader<double> other(f.inputs, f.labels, {.batch_size = 4});
    other.restore(order, position);
    other.next(batch);
    BOOST_TEST(batch.inputs.value()(0, 0) == expected);
    BOOST_CHECK_THROW(other.restore(std::vector<std::size_t>(3), 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(restore_accepts_only_a_permutation) {
    Fixture f(4);
    DataLoader<double> loader(f.inputs, f.labels, {.batch_size = 2});
    const auto message = [&](std::vector<std::size_t> order, std::size_t position) {
        try {
            loader.restore(std::move(order), position);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    BOOST_TEST(message({0, 1, 2, 1000000}, 0).find("index 1000000 is outside") !=
               std::string::npos);
    BOOST_TEST(message({0, 1, 1, 3}, 0).find("index 1 appears twice") != std::string::npos);
    BOOST_TEST(message({3, 2, 1, 0}, 3).find("position 3 is past") != std::string::npos);
    BOOST_TEST(message({3, 2, 1, 0}, 1) == "(accepted)");
}

BOOST_AUTO_TEST_CASE(an_epoch_is_a_range) {
    Fixture f(10);
    StdRandom a(5);
    StdRandom b(5);
    DataLoader<double> ranged(f.inputs, f.labels, {.batch_size = 4, .shuffle = true}, &a);
    DataLoader<double> stepped(f.inputs, f.labels, {.batch_size = 4, .shuffle = true}, &b);
    for (int epoch = 0; epoch < 2; ++epoch) {  // each loop over the range is a new epoch
        std::vector<std::size_t> seen;
        std::size_t batches = 0;
        for (const auto& batch : ranged) {
            BOOST_TEST(batch.index == batches++);
            for (std::size_t j = 0; j < batch.size(); ++j)
                seen.push_back(static_cast<std::size_t>(batch.inputs.value()(j, 0)));
        }
        BOOST_TEST(batches == 3u);
        BOOST_TEST(seen == epoch_samples(stepped), boost::test_tools::per_element());
    }
    // The loader views its data: a temporary would dangle, so it does not compile.
    static_assert(!std::is_constructible_v<DataLoader<double>, Array<double>&&,
                                           std::span<const Label>, LoaderOptions>);
    static_assert(!std::is_constructible_v<DataLoader<double>, const Array<double>&,
                                           std::vector<Label>&&, LoaderOptions>);
    static_assert(std::is_constructible_v<DataLoader<double>, const Array<double>&,
                                          const std::vector<Label>&, LoaderOptions>);
}

BOOST_AUTO_TEST_CASE(shards_together_are_the_unsharded_batch) {
    // 19 images of 6 x 6 in batches of 6, over 3 shards: the last global batch has one image,
    // so two shards get none. Shuffled and shifted, each shard from its own engine seeded alike.
    constexpr std::size_t n = 19, count = 3;
    Array<double> images = empty_array<double>({n, 1, 6, 6});
    std::iota(images.begin(), images.end(), 0.0);
    std::vector<Label> labels(n);
    std::iota(labels.begin(), labels.end(), Label{0});
    const LoaderOptions whole{.batch_size = 6, .shuffle = true, .max_shift = 1};
    NumpyRandom whole_rng(3);
    DataLoader<double> unsharded(images, labels, whole, &whole_rng);
    std::vector<NumpyRandom> rngs(count, NumpyRandom(3));
    std::vector<DataLoader<double>> shards;
    shards.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
        LoaderOptions options = whole;
        options.shard = {k, count};
        shards.emplace_back(images, labels, options, &rngs[k]);
    }
    for (int epoch = 0; epoch < 2; ++epoch) {
        unsharded.start_epoch();
        for (auto& shard : shards) shard.start_epoch();
        Batch<double> expected, part;
        std::size_t batches = 0;
        while (unsharded.next(expected)) {
            std::vector<double> values;
            std::vector<Label> shard_labels;
            double fractions = 0;
            for (auto& shard : shards) {
                BOOST_TEST_REQUIRE(shard.next(part));
                BOOST_TEST(part.global_size == expected.size());
                BOOST_TEST(part.index == expected.index);
                const Array<double>& x = part.inputs.value();
                BOOST_TEST(x.shape(0) == part.size());
                values.insert(values.end(), x.data(), x.data() + x.size());
                shard_labels.insert(shard_labels.end(), part.labels.begin(), part.labels.end());
                fractions += part.fraction();
            }
            const Array<double>& x = expected.inputs.value();
            BOOST_TEST(values == std::vector<double>(x.data(), x.data() + x.size()),
                       boost::test_tools::per_element());
            BOOST_TEST(shard_labels == expected.labels, boost::test_tools::per_element());
            BOOST_TEST(fractions == 1.0, boost::test_tools::tolerance(1e-15));
            ++batches;
        }
        for (auto& shard : shards) BOOST_TEST(!shard.next(part));
        BOOST_TEST(batches == 4u);
    }
}

BOOST_AUTO_TEST_CASE(shards_must_exist_and_divide_the_batch) {
    Fixture f(10);
    BOOST_CHECK_THROW(DataLoader<double>(f.inputs, f.labels, {.batch_size = 6, .shard = {3, 3}}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(DataLoader<double>(f.inputs, f.labels, {.batch_size = 6, .shard = {0, 0}}),
                      std::invalid_argument);
    try {
        DataLoader<double>(f.inputs, f.labels, {.batch_size = 7, .shard = {1, 3}});
        BOOST_FAIL("a batch of 7 was split into 3 shards");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "DataLoader: the global batch of 7 samples does not divide into 3 equal shards");
    }
}

BOOST_AUTO_TEST_SUITE_END()
