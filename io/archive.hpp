// Archive: named arrays and texts in one self-describing binary file, for checkpoints.
//
// Format (version 1, little-endian):
//   "XTGRADCK"  u32 version  u64 entry count
//   per entry:  u32 name length, name, u8 kind (0 float32, 1 float64, 2 uint64, 3 text),
//               u32 rank, u64 dims[rank], u64 payload bytes, payload
//   u32 CRC-32 (zlib) of every byte before it
// Loading checks the checksum before trusting any size in the file, and every size against the
// bytes that remain, so a truncated or corrupted file is rejected with a message naming it and
// the defect, and never drives an allocation. Saving writes a temporary file, fsyncs it and
// renames it over the target: a crash leaves the previous archive intact.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad::io {

class ArchiveError : public std::runtime_error {
  public:
    ArchiveError(const std::string& file, const std::string& defect);
};

class Archive {
  public:
    using Entry =
        std::variant<Array<float>, Array<double>, std::vector<std::uint64_t>, std::string>;

    void put(const std::string& name, Entry entry) { entries_[name] = std::move(entry); }
    bool contains(const std::string& name) const { return entries_.count(name) != 0; }
    const std::map<std::string, Entry>& entries() const { return entries_; }

    /// Typed access; throws ArchiveError naming the entry if it is missing or of another kind.
    template <class T>
    const Array<T>& array(const std::string& name) const;
    const std::vector<std::uint64_t>& integers(const std::string& name) const;
    const std::string& text(const std::string& name) const;

    /// The file this archive was loaded from (for messages).
    const std::string& source() const { return source_; }

  private:
    friend Archive parse_archive(const std::vector<std::uint8_t>& bytes, const std::string& name);
    const Entry& entry(const std::string& name) const;

    std::map<std::string, Entry> entries_;
    std::string source_ = "archive";
};

/// Parses an archive image already in memory (used by load_archive and the fuzzer).
Archive parse_archive(const std::vector<std::uint8_t>& bytes, const std::string& name);
void save_archive(const std::filesystem::path& file, const Archive& archive);
Archive load_archive(const std::filesystem::path& file);

extern template const Array<float>& Archive::array<float>(const std::string&) const;
extern template const Array<double>& Archive::array<double>(const std::string&) const;

}  // namespace xtgrad::io
