// Replacing a file so that a reader (or a crash) sees the old content or the new, never half.
#pragma once

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string_view>

namespace xtgrad::io {

/// Thrown when a file cannot be written; the message names the file and the reason.
class WriteError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Writes bytes to a temporary file beside `file`, fsyncs it, renames it over `file` and fsyncs
/// the folder (so the rename itself survives a crash). Creates missing parent folders. On any
/// failure the temporary file is removed, `file` keeps its old content, and WriteError is thrown.
void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> bytes);
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

}  // namespace xtgrad::io
