// IDX files (the MNIST format): a big-endian header (two zero bytes, an element type, the rank,
// then one 32-bit size per dimension) followed by the elements. Only unsigned bytes (type
// 0x08) are read: MNIST and Fashion-MNIST store pixels and labels that way.
//
// Every defect is reported as IdxError naming the file and what is wrong, before anything is
// allocated from the header's sizes: a truncated or padded file, a wrong magic or rank, sizes
// whose product overflows or disagrees with the file length, corrupt gzip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xtgrad::data {

class IdxError : public std::runtime_error {
  public:
    IdxError(std::string_view file, std::string_view defect);
};

/// The dimensions and the element bytes of an IDX file.
struct IdxContent {
    std::vector<std::size_t> dims;
    std::vector<std::uint8_t> elements;
};

/// Parses a complete (already decompressed) IDX file image. `name` is used in error messages.
/// `expected_rank` 0 accepts any rank.
IdxContent parse_idx(std::span<const std::uint8_t> bytes, std::string_view name,
                     std::size_t expected_rank = 0);

/// bytes gunzipped if they start with the gzip magic, else unchanged; output capped at max_bytes.
std::vector<std::uint8_t> decompress_if_gzip(std::vector<std::uint8_t> bytes, std::string_view name,
                                             std::size_t max_bytes = std::size_t{1} << 30);

/// The bytes of a file, gunzipped when it starts with the gzip magic (whatever its name).
/// Decompressed output is capped at max_bytes (an IdxError beyond it).
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file,
                                          std::size_t max_bytes = std::size_t{1} << 30);

/// Images: magic 0x00000803, dimensions (count, rows, cols).
struct IdxImages {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};
IdxImages read_idx_images(const std::filesystem::path& file);

/// Labels: magic 0x00000801, one dimension; every label must be below `classes`.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file,
                                          std::size_t classes = 10);

}  // namespace xtgrad::data
