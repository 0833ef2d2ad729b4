// Minimal reader for raw (uncompressed) MNIST IDX files, for the bench programs only: they must
// not depend on the library's own loader, whose speed is not what they measure. Any problem
// throws std::runtime_error naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace xtgrad_bench {

inline constexpr std::size_t kMnistSide = 28;
inline constexpr std::size_t kMnistPixels = kMnistSide * kMnistSide;

/// One split: images row-major (count x 784) normalised as (pixel - 128) / 255; labels 0..9.
template <class T>
struct MnistSet {
    std::size_t count = 0;
    std::vector<T> images;
    std::vector<std::uint8_t> labels;
};

namespace detail {

inline std::runtime_error idx_error(const std::filesystem::path& path, const std::string& what) {
    return std::runtime_error(path.string() + ": " + what);
}

// IDX headers are big-endian whatever the host is.
inline std::uint32_t read_be32(std::istream& in, const std::filesystem::path& path) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw idx_error(path, "truncated IDX header");
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 |
           std::uint32_t{b[3]};
}

/// Reads an IDX file of unsigned bytes whose magic must be `magic` (0x08 = ubyte, low byte =
/// number of dimensions); fills `dims` and returns the payload, which must fill the file exactly.
inline std::vector<std::uint8_t> read_idx(const std::filesystem::path& path, std::uint32_t magic,
                                          std::vector<std::size_t>& dims) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw idx_error(path, "cannot open");
    if (const std::uint32_t found = read_be32(in, path); found != magic) {
        std::ostringstream msg;
        msg << std::hex << "bad magic 0x" << found << ", expected 0x" << magic;
        throw idx_error(path, msg.str());
    }
    dims.assign(magic & 0xffu, 0);
    for (auto& d : dims) d = read_be32(in, path);

    // Check the sizes against the file before allocating, so that a corrupt header cannot ask
    // for gigabytes. The product is taken in double: three 32-bit sizes can overflow 64 bits.
    std::error_code ec;
    const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
    if (ec) throw idx_error(path, ec.message());
    const std::uintmax_t size = file_size - 4 * (dims.size() + 1);
    double promised = 1;
    for (const auto d : dims) promised *= static_cast<double>(d);
    if (promised != static_cast<double>(size)) {
        std::ostringstream msg;
        msg << std::fixed << std::setprecision(0) << "the header promises " << promised
            << " bytes of data, the file holds " << size;
        throw idx_error(path, msg.str());
    }

    std::vector<std::uint8_t> data(size);
    if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size)))
        throw idx_error(path, "read failed");
    return data;
}

}  // namespace detail

/// Loads `<dir>/<prefix>-images-idx3-ubyte` and `<dir>/<prefix>-labels-idx1-ubyte`
/// (prefix "train" or "t10k").
template <class T>
MnistSet<T> load_mnist(const std::filesystem::path& dir, const std::string& prefix) {
    const auto image_path = dir / (prefix + "-images-idx3-ubyte");
    const auto label_path = dir / (prefix + "-labels-idx1-ubyte");
    std::vector<std::size_t> image_dims, label_dims;
    const auto pixels = detail::read_idx(image_path, 0x803, image_dims);
    if (image_dims[1] != kMnistSide || image_dims[2] != kMnistSide)
        throw detail::idx_error(image_path, "images are not 28x28");
    auto labels = detail::read_idx(label_path, 0x801, label_dims);
    if (label_dims[0] != image_dims[0])
        throw detail::idx_error(label_path, std::to_string(label_dims[0]) + " labels for " +
                                                std::to_string(image_dims[0]) + " images");
    for (const auto label : labels)
        if (label > 9) throw detail::idx_error(label_path, "label above 9");

    MnistSet<T> set{image_dims[0], std::vector<T>(pixels.size()), std::move(labels)};
    for (std::size_t i = 0; i < pixels.size(); ++i)
        set.images[i] = (static_cast<T>(pixels[i]) - T(128)) / T(255);
    return set;
}

/// Random MNIST-shaped data (pixels uniform in [-0.5, 0.5), labels uniform in 0..9), so the
/// programs can run without the files. Nothing can be learnt from it: only timings mean anything.
template <class T>
MnistSet<T> synthetic_mnist(std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<T> pixel(T(-0.5), T(0.5));
    std::uniform_int_distribution<int> label(0, 9);
    MnistSet<T> set{count, std::vector<T>(count * kMnistPixels), std::vector<std::uint8_t>(count)};
    for (auto& x : set.images) x = pixel(rng);
    for (auto& y : set.labels) y = static_cast<std::uint8_t>(label(rng));
    return set;
}

}  // namespace xtgrad_bench
