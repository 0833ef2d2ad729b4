#include <boost/test/unit_test.hpp>

#include <cmath>

#include <xtgrad/data/dataset.hpp>
#include <xtgrad/data/idx.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;
using namespace xtgrad::data;
using namespace xtgrad::testing;

namespace {

std::uint8_t pixel_at(std::size_t i) {
    return static_cast<std::uint8_t>((i * 37) % 256);
}

/// Every pixel and label of `d` is what write_split wrote (samples from `first` on).
void check_contents(const Dataset& d, std::size_t first = 0) {
    BOOST_TEST_REQUIRE(d.pixels.size() == d.count * 6);
    BOOST_TEST_REQUIRE(d.labels.size() == d.count);
    for (std::size_t i = 0; i < d.pixels.size(); ++i)
        BOOST_TEST_REQUIRE(d.pixels[i] == pixel_at(first * 6 + i), "pixel " << i);
    for (std::size_t n = 0; n < d.count; ++n)
        BOOST_TEST_REQUIRE(d.labels[n] == static_cast<Label>((first + n) % 10), "label " << n);
}

/// A tiny MNIST-style pair of files: n images of 2x3 pixels, labels n % 10.
void write_split(const TempDir& dir, const std::string& prefix, std::uint32_t n, bool gzip,
                 bool dotted = false) {
    std::vector<std::uint8_t> pixels(n * 6);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = pixel_at(i);
    std::vector<std::uint8_t> labels(n);
    for (std::uint32_t i = 0; i < n; ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
    const std::string sep = dotted ? "." : "-";
    const std::string ext = gzip ? ".gz" : "";
    const auto write = gzip ? write_gzip : write_bytes;
    write(dir / (prefix + "-images" + sep + "idx3-ubyte" + ext), idx_bytes({n, 2, 3}, pixels));
    write(dir / (prefix + "-labels" + sep + "idx1-ubyte" + ext), idx_bytes({n}, labels));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(datasets)

BOOST_AUTO_TEST_CASE(loads_both_splits_raw_gzip_and_dotted_names) {
    TempDir dir;
    write_split(dir, "train", 12, false);
    write_split(dir, "t10k", 5, true, true);
    const Dataset train = load_mnist(dir.path(), Split::train);
    BOOST_TEST(train.count == 12u);
    BOOST_TEST((train.rows == 2u && train.cols == 3u));
    BOOST_TEST(train.features() == 6u);
    check_contents(train);
    const Dataset test = load_mnist(dir.path(), Split::test);
    BOOST_TEST(test.count == 5u);
    BOOST_TEST(test.source.find("t10k-images.idx3-ubyte.gz") != std::string::npos);
    check_contents(test);
    const Dataset first = first_samples(train, 4);
    BOOST_TEST(first.count == 4u);
    BOOST_TEST((first.rows == 2u && first.cols == 3u));
    check_contents(first);
    BOOST_TEST(first_samples(train, 0).count == 12u);
    BOOST_TEST(first_samples(train, 50).count == 12u);
}

BOOST_AUTO_TEST_CASE(mismatched_counts_and_missing_files_are_named) {
    TempDir dir;
    write_split(dir, "train", 12, false);
    write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({11}, std::vector<std::uint8_t>(11, 0)));
    try {
        load_mnist(dir.path(), Split::train);
        BOOST_FAIL("expected an IdxError");
    } catch (const IdxError& e) {
        BOOST_TEST(
            std::string(e.what()).find(
                "holds 11 labels but train-images-idx3-ubyte holds 12 images") != std::string::npos,
            e.what());
    }
    try {
        load_mnist(dir.path(), Split::test);
        BOOST_FAIL("expected a MissingDataError");
    } catch (const MissingDataError& e) {
        // The library names the folder and the files; how to get them is the program's hint.
        BOOST_TEST(std::string(e.what()).find(dir.path().string()) != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("t10k-images-idx3-ubyte") != std::string::npos,
                   e.what());
        BOOST_TEST(std::string(e.what()).find("--data-dir") == std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(load_mnist(dir / "nowhere", Split::train), MissingDataError);
}

BOOST_AUTO_TEST_CASE(normalisations) {
    Dataset d{1, 1, 4, {0, 128, 255, 64}, {3}, "memory"};
    const Array<double> lab = normalized_inputs<double>(d, Normalization::lab());
    BOOST_TEST(lab(0, 0) == -128.0 / 255.0);
    BOOST_TEST(lab(0, 1) == 0.0);
    BOOST_TEST(lab(0, 2) == 127.0 / 255.0);
    const Array<float> unit = normalized_inputs<float>(d, Normalization::unit());
    BOOST_TEST(unit(0, 2) == 1.0f);
    BOOST_TEST(unit(0, 1) == static_cast<float>(128.0 / 255.0));
    const Normalization standard = parse_normalization("standard", d);
    const Array<double> z = normalized_inputs<double>(d, standard);
    double mean = 0, square = 0;
    for (double v : z) mean += v / 4;
    for (double v : z) square += (v - mean) * (v - mean) / 4;
    BOOST_TEST(std::abs(mean) < 1e-12);
    BOOST_TEST(std::sqrt(square) == 1.0, boost::test_tools::tolerance(1e-12));
    // Pixels 0 128 255 64: mean 111.75/255, population std of p/255.
    const double mu = 111.75 / 255.0;
    BOOST_TEST(standard.mean == mu, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(z(0, 2) == (1.0 - mu) / standard.std, boost::test_tools::tolerance(1e-12));
    BOOST_CHECK_THROW(parse_normalization("zscore", d), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
