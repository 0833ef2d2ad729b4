#include "xtgrad/data/idx.hpp"

#include <fstream>
#include <limits>

#include <zlib.h>

namespace xtgrad::data {

IdxError::IdxError(std::string_view file, std::string_view defect)
    : std::runtime_error(std::string(file) + ": " + std::string(defect)) {}

namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;

std::uint32_t big_endian_u32(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
           (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

std::string hex_byte(std::uint8_t value) {
    static const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[value >> 4] + digits[value & 15];
}

bool is_gzip(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> compressed, const std::string& name,
                                 std::size_t max_bytes) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        throw IdxError(name, "cannot initialise zlib");
    std::vector<std::uint8_t> out;
    stream.next_in = const_cast<Bytef*>(compressed.data());
    stream.avail_in = static_cast<uInt>(compressed.size());
    int status = Z_OK;
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    while (status != Z_STREAM_END) {
        if (out.size() >= max_bytes) {
            inflateEnd(&stream);
            throw IdxError(name,
                           "decompresses to more than " + std::to_string(max_bytes) + " bytes");
        }
        const std::size_t used = out.size();
        out.resize(std::min(used + kChunk, max_bytes));
        stream.next_out = out.data() + used;
        stream.avail_out = static_cast<uInt>(out.size() - used);
        status = inflate(&stream, Z_NO_FLUSH);
        out.resize(out.size() - stream.avail_out);
        if (status == Z_STREAM_END) break;
        if (status != Z_OK) {
            const std::string reason = stream.msg ? stream.msg : "unexpected end of data";
            inflateEnd(&stream);
            throw IdxError(
                name, (status == Z_BUF_ERROR ? "truncated gzip data (" : "corrupt gzip data (") +
                          reason + ")");
        }
    }
    inflateEnd(&stream);
    return out;
}

}  // namespace

IdxContent parse_idx(std::span<const std::uint8_t> bytes, std::string_view name,
                     std::size_t expected_rank) {
    const std::string file(name);
    if (bytes.empty()) throw IdxError(file, "empty file");
    if (bytes.size() < 4)
        throw IdxError(file, "truncated header: " + std::to_string(bytes.size()) +
                                 " bytes, the magic number alone needs 4");
    if (bytes[0] != 0 || bytes[1] != 0)
        throw IdxError(file,
                       "not an IDX file: the magic number must start with two zero bytes, found " +
                           hex_byte(bytes[0]) + " " + hex_byte(bytes[1]));
    if (bytes[2] != kUnsignedByte)
        throw IdxError(file, "element type " + hex_byte(bytes[2]) +
                                 " is not supported (only 0x08, unsigned byte)");
    const std::size_t rank = bytes[3];
    if (rank == 0) throw IdxError(file, "rank 0 in the magic number");
    if (expected_rank != 0 && rank != expected_rank)
        throw IdxError(file, "has " + std::to_string(rank) + " dimensions, expected " +
                                 std::to_string(expected_rank) +
                                 (expected_rank == 3 ? " (an image file: count, rows, cols)"
                                                     : " (a label file)"));
    const std::size_t header = 4 + 4 * rank;
    if (bytes.size() < header)
        throw IdxError(file, "truncated header: " + std::to_string(bytes.size()) + " bytes, " +
                                 std::to_string(rank) + " dimensions need " +
                                 std::to_string(header));
    IdxContent content;
    std::size_t count = 1;
    for (std::size_t d = 0; d < rank; ++d) {
        const std::size_t size = big_endian_u32(bytes, 4 + 4 * d);
        content.dims.push_back(size);
        if (size != 0 && count > std::numeric_limits<std::size_t>::max() / size)
            throw IdxError(file, "dimension sizes overflow when multiplied");
        count *= size;
    }
    const std::size_t payload = bytes.size() - header;
    if (count > payload)
        throw IdxError(file, "truncated: the header promises " + std::to_string(count) +
                                 " bytes of data, the file has " + std::to_string(payload));
    if (count < payload)
        throw IdxError(
            file, "has " + std::to_string(payload - count) + " unexpected bytes after the data");
    content.elements.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return content;
}

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file,
                                          std::size_t max_bytes) {
    const std::string name = file.string();
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    if (error || !std::filesystem::exists(status)) throw IdxError(name, "no such file");
    if (std::filesystem::is_directory(status)) throw IdxError(name, "is a directory, not a file");
    if (!std::filesystem::is_regular_file(status)) throw IdxError(name, "is not a regular file");
    const auto size = std::filesystem::file_size(file, error);
    if (error) throw IdxError(name, "cannot read its size: " + error.message());
    if (size > max_bytes)
        throw IdxError(name, "is larger than " + std::to_string(max_bytes) + " bytes");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IdxError(name, "cannot be opened for reading");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
        throw IdxError(name, "read failed");
    return decompress_if_gzip(std::move(bytes), name, max_bytes);
}

std::vector<std::uint8_t> decompress_if_gzip(std::vector<std::uint8_t> bytes, std::string_view name,
                                             std::size_t max_bytes) {
    if (!is_gzip(bytes)) return bytes;
    return gunzip(bytes, std::string(name), max_bytes);
}

IdxImages read_idx_images(const std::filesystem::path& file) {
    IdxContent content = parse_idx(read_file_bytes(file), file.string(), 3);
    IdxImages images{content.dims[0], content.dims[1], content.dims[2],
                     std::move(content.elements)};
    if (images.rows == 0 || images.cols == 0)
        throw IdxError(file.string(), "images of size " + std::to_string(images.rows) + "x" +
                                          std::to_string(images.cols));
    return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file, std::size_t classes) {
    IdxContent content = parse_idx(read_file_bytes(file), file.string(), 1);
    for (std::size_t i = 0; i < content.elements.size(); ++i)
        if (content.elements[i] >= classes)
            throw IdxError(file.string(), "label " + std::to_string(content.elements[i]) +
                                              " at index " + std::to_string(i) + " is outside 0.." +
                                              std::to_string(classes - 1));
    return std::move(content.elements);
}

}  // namespace xtgrad::data
