#include "xtgrad/data/dataset.hpp"

#include <cmath>
#include <stdexcept>

#include "xtgrad/data/idx.hpp"

namespace xtgrad::data {

namespace {

/// The first existing spelling of an MNIST file in dir: "train-images-idx3-ubyte", the
/// "train-images.idx3-ubyte" variant, and either with ".gz".
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& prefix,
                                const std::string& what, const std::string& format) {
    std::vector<std::string> tried;
    for (const std::string& name :
         {prefix + "-" + what + "-" + format, prefix + "-" + what + "." + format}) {
        for (const char* suffix : {"", ".gz"}) {
            if (std::filesystem::exists(dir / (name + suffix))) return dir / (name + suffix);
            tried.push_back(name + suffix);
        }
    }
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    throw MissingDataError(dir.string() + ": no " + prefix + " " + what + " file (looked for " +
                           list + ")");
}

}  // namespace

Dataset load_mnist(const std::filesystem::path& dir, Split split, std::size_t classes) {
    if (!std::filesystem::is_directory(dir))
        throw MissingDataError(dir.string() + ": no such data directory");
    const std::string prefix = split == Split::train ? "train" : "t10k";
    const auto image_file = find_file(dir, prefix, "images", "idx3-ubyte");
    const auto label_file = find_file(dir, prefix, "labels", "idx1-ubyte");
    IdxImages images = read_idx_images(image_file);
    std::vector<std::uint8_t> labels = read_idx_labels(label_file, classes);
    if (labels.size() != images.count)
        throw IdxError(label_file.string(), "holds " + std::to_string(labels.size()) +
                                                " labels but " + image_file.filename().string() +
                                                " holds " + std::to_string(images.count) +
                                                " images");
    Dataset dataset{images.count,
                    images.rows,
                    images.cols,
                    std::move(images.pixels),
                    std::vector<Label>(labels.begin(), labels.end()),
                    image_file.string()};
    return dataset;
}

Dataset first_samples(const Dataset& dataset, std::size_t n) {
    if (n == 0 || n >= dataset.count) return dataset;
    Dataset subset = dataset;
    subset.count = n;
    subset.pixels.resize(n * dataset.features());
    subset.labels.resize(n);
    subset.source += " (first " + std::to_string(n) + ")";
    return subset;
}

Normalization parse_normalization(std::string_view name, const Dataset& reference) {
    if (name == "lab") return Normalization::lab();
    if (name == "unit") return Normalization::unit();
    if (name == "standard") {
        double sum = 0;
        double sum_sq = 0;
        for (std::uint8_t p : reference.pixels) {
            const double v = p / 255.0;
            sum += v;
            sum_sq += v * v;
        }
        const double n = static_cast<double>(reference.pixels.size());
        if (n == 0) throw std::invalid_argument("standard normalisation of an empty dataset");
        const double mean = sum / n;
        const double std = std::sqrt(std::max(sum_sq / n - mean * mean, 1e-12));
        return Normalization::mean_std(mean, std);
    }
    throw std::invalid_argument("unknown normalisation '" + std::string(name) +
                                "' (expected lab, unit or standard)");
}

template <class T>
Array<T> normalized_inputs(const Dataset& dataset, const Normalization& normalization) {
    // One lookup table for the 256 pixel values, each computed in double and rounded once.
    T table[256];
    for (int p = 0; p < 256; ++p) {
        switch (normalization.kind) {
            case Normalization::Kind::lab:
                table[p] = static_cast<T>((p - 128.0) / 255.0);
                break;
            case Normalization::Kind::unit:
                table[p] = static_cast<T>(p / 255.0);
                break;
            case Normalization::Kind::mean_std:
                table[p] = static_cast<T>((p / 255.0 - normalization.mean) / normalization.std);
                break;
        }
    }
    Array<T> inputs = empty_array<T>({dataset.count, dataset.features()});
    T* out = inputs.data();
    for (std::size_t i = 0; i < dataset.pixels.size(); ++i) out[i] = table[dataset.pixels[i]];
    return inputs;
}

template <class T>
Array<T> normalized_images(const Dataset& dataset, const Normalization& normalization) {
    Array<T> images = normalized_inputs<T>(dataset, normalization);
    images.reshape({dataset.count, std::size_t{1}, dataset.rows, dataset.cols});
    return images;
}

template Array<float> normalized_images(const Dataset&, const Normalization&);
template Array<double> normalized_images(const Dataset&, const Normalization&);
template Array<float> normalized_inputs(const Dataset&, const Normalization&);
template Array<double> normalized_inputs(const Dataset&, const Normalization&);

}  // namespace xtgrad::data
