// Image-classification datasets in memory (MNIST, Fashion-MNIST), and their normalisation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad::data {

/// Images as raw pixels plus integer labels.
struct Dataset {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;  // count x (rows * cols), row-major
    std::vector<Label> labels;
    std::string source;  // where it was read from, for messages

    std::size_t features() const { return rows * cols; }
};

enum class Split { train, test };

/// Reads <train|t10k>-images-idx3-ubyte and -labels-idx1-ubyte from dir, raw or gzip (a ".gz"
/// suffix, or the "train-images.idx3-ubyte" spelling, are found too). Checks that images and
/// labels agree in number and that labels are below `classes`. Works for MNIST and
/// Fashion-MNIST, which share the format and file names.
/// Throws MissingDataError naming the folder and the files it looked for when they are absent.
Dataset load_mnist(const std::filesystem::path& dir, Split split, std::size_t classes = 10);

/// The dataset's folder or one of its files does not exist (programs add how to get it).
class MissingDataError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The first n samples (all if n is 0 or larger than the dataset).
Dataset first_samples(const Dataset& dataset, std::size_t n);

/// How pixels become inputs.
struct Normalization {
    enum class Kind {
        lab,       // (p - 128) / 255: the reference lab, values in [-0.502, 0.498]
        unit,      // p / 255: values in [0, 1]
        mean_std,  // (p / 255 - mean) / std
    };
    Kind kind = Kind::lab;
    double mean = 0;
    double std = 1;

    static Normalization lab() { return {Kind::lab}; }
    static Normalization unit() { return {Kind::unit}; }
    static Normalization mean_std(double mean, double std) { return {Kind::mean_std, mean, std}; }
};

/// "lab", "unit" or "standard" (mean/std of `reference`'s pixels, e.g. the training set);
/// throws std::invalid_argument otherwise.
Normalization parse_normalization(std::string_view name, const Dataset& reference);

/// The (count, features) input matrix.
template <class T>
Array<T> normalized_inputs(const Dataset& dataset, const Normalization& normalization);

/// The same inputs as (count, 1, rows, cols) images, for convolutional networks.
template <class T>
Array<T> normalized_images(const Dataset& dataset, const Normalization& normalization);

extern template Array<float> normalized_inputs(const Dataset&, const Normalization&);
extern template Array<float> normalized_images(const Dataset&, const Normalization&);
extern template Array<double> normalized_images(const Dataset&, const Normalization&);
extern template Array<double> normalized_inputs(const Dataset&, const Normalization&);

}  // namespace xtgrad::data
