// numpy's own formats: .npy (one array: numpy.save / numpy.load) and .npz (a zip archive of
// "<name>.npy" members, as numpy.savez writes it). Arrays are written by xtensor's npy writer
// (format 1.0, little-endian, C order) and zipped by libzip; a .npz keeps its metadata as JSON in
// the archive comment, which numpy ignores. Reading takes float32/float64 arrays ('<f4', '<f8')
// in C or Fortran order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "xtgrad/io/tensor_file.hpp"

namespace xtgrad::io {

class NpyError : public FormatError {
  public:
    using FormatError::FormatError;
};

/// The .npy bytes of an array.
std::string npy_bytes(const StoredArray& array);
/// Parses untrusted .npy bytes. Throws NpyError naming `name` and the defect: a wrong magic
/// string, a version other than 1.0/2.0, a header length past the bytes, a header that is not
/// numpy's dict of 'descr', 'fortran_order' and 'shape', a dtype other than '<f4'/'<f8' (named),
/// a shape whose size overflows, or data bytes that differ from what the shape needs. Nothing is
/// allocated for the array before these checks.
StoredArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name);
void save_npy(const std::filesystem::path& file, const StoredArray& array);
StoredArray load_npy(const std::filesystem::path& file);

/// The .npz bytes: one stored (uncompressed) member per tensor, in name order, with fixed
/// timestamps, so the same tensors give the same bytes.
std::vector<std::uint8_t> npz_bytes(const TensorFile& content);
/// Written atomically (io::write_file_atomically).
void save_npz(const std::filesystem::path& file, const TensorFile& content);
/// Parses an untrusted .npz (stored or deflated members, as numpy.savez and savez_compressed
/// write them). Throws NpyError naming `name` and the defect: not a zip archive, a member that is
/// not "<name>.npy", encrypted, repeated (refused by libzip), or larger than its compressed
/// bytes could hold, a checksum mismatch, or any defect of a member's .npy (named).
TensorFile parse_npz(std::span<const std::uint8_t> bytes, const std::string& name);
TensorFile load_npz(const std::filesystem::path& file);

}  // namespace xtgrad::io
