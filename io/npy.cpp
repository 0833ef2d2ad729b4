// Reading is validated here rather than left to xtensor's npy reader, which trusts its input:
// it allocates what the header claims before reading, does not check that the data was all
// there, and indexes empty strings on some malformed headers. Writing is xtensor's.
#include "xtgrad/io/npy.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xnpy.hpp>

#include "xtgrad/io/atomic_file.hpp"
#include "xtgrad/io/read_file.hpp"

static_assert(std::endian::native == std::endian::little, "xtgrad reads little-endian .npy");

namespace xtgrad::io {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    Shape shape;
};

/// numpy's header: the repr of a dict {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}
/// in any key order, with spaces and a trailing comma allowed, then padding and a newline.
class HeaderParser {
  public:
    HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

    NpyHeader parse() {
        NpyHeader header;
        bool descr = false, fortran = false, shape = false;
        expect('{');
        while (!peek('}')) {
            const std::string key = quoted();
            expect(':');
            if (key == "descr" && !descr) {
                header.descr = quoted();
                descr = true;
            } else if (key == "fortran_order" && !fortran) {
                header.fortran_order = boolean();
                fortran = true;
            } else if (key == "shape" && !shape) {
                header.shape = tuple();
                shape = true;
            } else {
                fail("the header has an unknown or repeated key '" + key + "'");
            }
            next_or_end('}');
        }
        expect('}');
        skip_space();
        if (pos_ != text_.size()) fail("the header has text after its dict");
        if (!descr || !fortran || !shape)
            fail("the header lacks one of 'descr', 'fortran_order' and 'shape'");
        return header;
    }

  private:
    [[noreturn]] void fail(const std::string& defect) const { throw NpyError(name_, defect); }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
    }
    bool peek(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }
    void expect(char c) {
        if (!peek(c)) fail(std::string("the header is not numpy's dict: expected '") + c + "'");
        ++pos_;
    }
    /// After an element: a comma, or the closing bracket (not consumed).
    void next_or_end(char close) {
        if (peek(close)) return;
        if (!peek(','))
            fail(std::string("the header is not numpy's dict: expected ',' or '") + close + "'");
        ++pos_;
    }
    std::string quoted() {
        skip_space();
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
            fail("the header is not numpy's dict: expected a quoted string");
        const char quote = text_[pos_++];
        const std::size_t end = text_.find(quote, pos_);
        if (end == std::string_view::npos) fail("the header has an unterminated string");
        std::string value(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return value;
    }
    bool boolean() {
        skip_space();
        for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
            if (text_.substr(pos_, std::strlen(word)) == word) {
                pos_ += std::strlen(word);
                return value;
            }
        fail("fortran_order is neither True nor False");
    }
    Shape tuple() {
        expect('(');
        Shape shape;
        while (!peek(')')) {
            if (shape.size() == 32) fail("the shape has more than 32 dimensions");
            std::uint64_t size = 0;
            const std::size_t start = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                if (size > (std::numeric_limits<std::uint64_t>::max() >> 4))
                    fail("a shape size is too large");
                size = size * 10 + static_cast<std::uint64_t>(text_[pos_++] - '0');
            }
            if (pos_ == start) fail("the shape holds something other than a size");
            shape.push_back(static_cast<std::size_t>(size));
            next_or_end(')');
        }
        expect(')');
        return shape;
    }

    std::string_view text_;
    const std::string& name_;
    std::size_t pos_ = 0;
};

template <class T>
Array<T> read_data(const NpyHeader& header, const std::uint8_t* data) {
    // Fortran order is the transpose's C order.
    const Shape shape =
        header.fortran_order ? Shape(header.shape.rbegin(), header.shape.rend()) : header.shape;
    Array<T> array = empty_array<T>(shape);
    if (array.size()) std::memcpy(array.data(), data, array.size() * sizeof(T));
    if (!header.fortran_order) return array;
    return Array<T>(xt::transpose(array));
}

}  // namespace

std::string npy_bytes(const StoredArray& array) {
    return std::visit([](const auto& a) { return xt::dump_npy(a); }, array);
}

void save_npy(const std::filesystem::path& file, const StoredArray& array) {
    write_file_atomically(file, npy_bytes(array));
}

StoredArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name) {
    const auto fail = [&](const std::string& defect) { throw NpyError(name, defect); };
    if (bytes.size() < kMagic.size() + 4 ||
        std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
        fail("not a .npy file (no \\x93NUMPY magic string)");
    const unsigned major = bytes[6], minor = bytes[7];
    if ((major != 1 && major != 2) || minor != 0)
        fail("format version " + std::to_string(major) + "." + std::to_string(minor) +
             " is not supported (1.0, 2.0)");
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    if (bytes.size() < 8 + length_bytes) fail("too short for its header length");
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i)
        length |= static_cast<std::uint64_t>(bytes[8 + i]) << (8 * i);
    const std::size_t header_start = 8 + length_bytes;
    if (length > bytes.size() - header_start)
        fail("header length " + std::to_string(length) + " is past the file's " +
             std::to_string(bytes.size()) + " bytes");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + header_start,
                                static_cast<std::size_t>(length));
    const NpyHeader header = HeaderParser(text, name).parse();
    std::size_t item = 0;
    if (header.descr == "<f4") item = 4;
    if (header.descr == "<f8") item = 8;
    if (!item) fail("dtype '" + header.descr + "' is not supported ('<f4', '<f8')");
    const auto counted = checked_element_count(header.shape, item);
    if (const auto* defect = std::get_if<std::string>(&counted)) fail(*defect);
    const std::uint64_t count = std::get<std::uint64_t>(counted);
    const std::size_t data_bytes = bytes.size() - header_start - static_cast<std::size_t>(length);
    if (data_bytes != count * item)
        fail("shape " + to_string(header.shape) + " of '" + header.descr + "' needs " +
             std::to_string(count * item) + " data bytes, the file has " +
             std::to_string(data_bytes));
    const std::uint8_t* data = bytes.data() + header_start + length;
    if (item == 4) return read_data<float>(header, data);
    return read_data<double>(header, data);
}

StoredArray load_npy(const std::filesystem::path& file) {
    return parse_npy(read_whole_file<NpyError>(file), file.string());
}

}  // namespace xtgrad::io
