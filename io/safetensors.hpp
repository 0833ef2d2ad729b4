// The safetensors format (https://github.com/huggingface/safetensors), which PyTorch, numpy and
// most model hubs read: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range (plus an optional "__metadata__" of strings), then the raw
// little-endian data. xtgrad reads and writes F32 and F64 tensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "xtgrad/io/tensor_file.hpp"

namespace xtgrad::io {

class SafetensorsError : public FormatError {
  public:
    using FormatError::FormatError;
};

using Safetensors = TensorFile;

/// The file's bytes: the header padded with spaces to a multiple of 8, tensors in name order.
std::vector<std::uint8_t> safetensors_bytes(const Safetensors& content);
/// Written atomically (io::write_file_atomically).
void save_safetensors(const std::filesystem::path& file, const Safetensors& content);

/// Parses untrusted bytes. Throws SafetensorsError naming `name` and the defect: a header length
/// past the file or above 100 MB, invalid JSON, an entry that is not {dtype, shape,
/// data_offsets}, a dtype other than F32/F64 (named), a shape whose size overflows or does not
/// match its byte range, ranges outside the data, overlapping or leaving holes. Nothing is
/// allocated for a tensor before its range is checked.
Safetensors parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& name);
Safetensors load_safetensors(const std::filesystem::path& file);

}  // namespace xtgrad::io
