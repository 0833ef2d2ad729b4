// Reading a whole file of one of the formats in io/, with the format's own error type.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace xtgrad::io {

/// The file's bytes; throws Error(file, "no such file" | "read failed").
template <class Error>
std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) throw Error(file.string(), "no such file");
    std::ifstream in(file, std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
    if (!in.eof() && in.fail()) throw Error(file.string(), "read failed");
    return bytes;
}

}  // namespace xtgrad::io
