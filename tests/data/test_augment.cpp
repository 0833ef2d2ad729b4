// shift_images: every image is its original moved by one offset within the bound, background
// filled in, the same seed gives the same shifts; the loader shifts only when asked.
#include <boost/test/unit_test.hpp>

#include <set>

#include <xtgrad/data/augment.hpp>
#include <xtgrad/data/loader.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;

namespace {

/// The offset (dy, dx) within max_shift that turns image n of before into image n of after
/// (background: the channel's minimum), or nothing.
std::optional<std::pair<int, int>> offset_of(const Array<double>& before,
                                             const Array<double>& after, std::size_t n, int k) {
    const std::size_t c_count = before.shape(1), h = before.shape(2), w = before.shape(3);
    for (int dy = -k; dy <= k; ++dy)
        for (int dx = -k; dx <= k; ++dx) {
            bool same = true;
            for (std::size_t c = 0; c < c_count && same; ++c) {
                double background = before(n, c, 0, 0);
                for (std::size_t i = 0; i < h; ++i)
                    for (std::size_t j = 0; j < w; ++j)
                        background = std::min(background, before(n, c, i, j));
                for (std::size_t i = 0; i < h && same; ++i)
                    for (std::size_t j = 0; j < w && same; ++j) {
                        const int si = static_cast<int>(i) - dy, sj = static_cast<int>(j) - dx;
                        const bool inside = si >= 0 && sj >= 0 && si < static_cast<int>(h) &&
                                            sj < static_cast<int>(w);
                        const double expected = inside ? before(n, c, static_cast<std::size_t>(si),
                                                                static_cast<std::size_t>(sj))
                                                       : background;
                        same = after(n, c, i, j) == expected;
                    }
            }
            if (same) return std::pair{dy, dx};
        }
    return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(augmentation)

BOOST_AUTO_TEST_CASE(each_image_moves_by_one_offset_within_the_bound) {
    testing::TestRandom values(3);
    const Array<double> images = values.uniform_array<double>(Shape{40, 2, 6, 7}, -1, 1);
    Array<double> shifted = images;
    StdRandom rng(11);
    data::shift_images(shifted, 2, rng);
    std::set<std::pair<int, int>> offsets;
    for (std::size_t n = 0; n < 40; ++n) {
        const auto offset = offset_of(images, shifted, n, 2);
        BOOST_TEST_REQUIRE(offset.has_value(), "image " << n << " is no shift of its original");
        offsets.insert(*offset);
    }
    BOOST_TEST(offsets.size() >= 12u);  // 25 possible offsets, 40 draws
    Array<double> again = images;
    StdRandom same_seed(11);
    data::shift_images(again, 2, same_seed);
    BOOST_TEST((again == shifted));
    BOOST_CHECK_THROW(data::shift_images(again, 6, same_seed), ShapeError);
    Array<double> flat = xt::zeros<double>({4, 10});
    BOOST_CHECK_THROW(data::shift_images(flat, 1, same_seed), ShapeError);
}

BOOST_AUTO_TEST_CASE(the_loader_shifts_only_when_asked) {
    testing::TestRandom values(4);
    const Array<double> images = values.uniform_array<double>(Shape{6, 1, 5, 5}, -1, 1);
    const std::vector<Label> labels(6, 0);
    StdRandom rng(2);
    data::DataLoader<double> plain(images, labels, {.batch_size = 6});
    data::DataLoader<double> shifting(images, labels, {.batch_size = 6, .max_shift = 1}, &rng);
    data::Batch<double> a, b;
    plain.start_epoch();
    shifting.start_epoch();
    BOOST_TEST_REQUIRE((plain.next(a) && shifting.next(b)));
    BOOST_TEST((a.inputs.value() == images));
    BOOST_TEST((b.inputs.value() != images));
    for (std::size_t n = 0; n < 6; ++n)
        BOOST_TEST(offset_of(images, b.inputs.value(), n, 1).has_value());
    BOOST_CHECK_THROW(data::DataLoader<double>(images, labels, {.max_shift = 1}),
                      std::invalid_argument);
    const Array<double> flat = xt::zeros<double>({6, 25});
    BOOST_CHECK_THROW(data::DataLoader<double>(flat, labels, {.max_shift = 1}, &rng), ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()
