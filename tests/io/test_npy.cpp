// .npy and .npz: arrays round trip bit for bit, files numpy wrote (stored and deflated, C and
// Fortran order) are read, and every malformed kind is refused with its message.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>

#include <zlib.h>

#include <xtgrad/io/npy.hpp>

#include "../support/temp_dir.hpp"
#include "npz_reference.hpp"

using namespace xtgrad;
using io::NpyError;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) {
    return {text.begin(), text.end()};
}

/// A version 1.0 .npy from its header text and data bytes, as the format describes it.
std::vector<std::uint8_t> npy_of(const std::string& header, std::size_t data_bytes) {
    std::string text = "\x93NUMPY";
    text += '\x01';
    text += '\x00';
    text += static_cast<char>(header.size() & 0xff);
    text += static_cast<char>(header.size() >> 8);
    text += header;
    text.append(data_bytes, '\0');
    return bytes_of(text);
}

template <class Parse>
void expect_refused(Parse parse, const std::string& fragment) {
    try {
        parse();
        BOOST_FAIL("accepted; expected an error with '" << fragment << "'");
    } catch (const NpyError& e) {
        BOOST_TEST(std::string(e.what()).find("w.np") == 0u, e.what());
        BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    }
}

void expect_npy_refused(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
    expect_refused([&] { io::parse_npy(bytes, "w.npy"); }, fragment);
}

std::uint32_t read_le(const std::vector<std::uint8_t>& bytes, std::size_t at, int size) {
    std::uint32_t value = 0;
    for (int i = 0; i < size; ++i) value |= static_cast<std::uint32_t>(bytes[at + i]) << (8 * i);
    return value;
}

/// Stamps the CRC-32 of a one-member stored archive's data into its local and central headers,
/// so that a defect planted in the member gets past the zip layer.
void restamp_crc(std::vector<std::uint8_t>& zip) {
    const std::size_t data = 30 + read_le(zip, 26, 2) + read_le(zip, 28, 2);
    const std::uint32_t crc = static_cast<std::uint32_t>(
        crc32(0, zip.data() + data, static_cast<uInt>(read_le(zip, 18, 4))));
    const std::string central = "PK\x01\x02";
    const auto entry = std::search(zip.begin(), zip.end(), central.begin(), central.end());
    BOOST_TEST_REQUIRE((entry != zip.end()));
    for (std::size_t at : {std::size_t{14}, static_cast<std::size_t>(entry - zip.begin()) + 16})
        for (int i = 0; i < 4; ++i) zip[at + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

template <class T>
bool same_bits(const io::StoredArray& stored, const Array<T>& expected) {
    const Array<T>* a = std::get_if<Array<T>>(&stored);
    return a && a->shape() == expected.shape() &&
           (expected.size() == 0 ||  // an empty array may have no storage at all
            std::memcmp(a->data(), expected.data(), expected.size() * sizeof(T)) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(npy)

BOOST_AUTO_TEST_CASE(arrays_round_trip_bit_for_bit) {
    const Array<float> matrix{{1.5f, -0.0f, 3e-38f}, {1e38f, -2.25f, 7.0f}};
    const Array<double> vector{0.1, -1e-300, 1e300};
    const Array<double> scalar = 2.5;
    const Array<float> empty = empty_array<float>({0, 3});
    for (int pass = 0; pass < 2; ++pass) {
        const auto again = [&](const auto& a) {
            const std::string bytes = io::npy_bytes(a);
            return io::parse_npy(
                std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
                "round trip");
        };
        BOOST_TEST(same_bits(again(matrix), matrix));
        BOOST_TEST(same_bits(again(vector), vector));
        BOOST_TEST(same_bits(again(scalar), scalar));
        BOOST_TEST(same_bits(again(empty), empty));
    }
    testing::TempDir dir;
    io::save_npy(dir / "m.npy", matrix);
    BOOST_TEST(same_bits(io::load_npy(dir / "m.npy"), matrix));
}

BOOST_AUTO_TEST_CASE(a_file_written_by_the_format_description_is_read) {
    auto bytes = npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }  \n", 16);
    const float values[] = {1.5f, -2.0f, 0.25f, 4.0f};
    std::memcpy(bytes.data() + bytes.size() - 16, values, 16);
    BOOST_TEST(same_bits(io::parse_npy(bytes, "hand"), Array<float>{{1.5f, -2.0f}, {0.25f, 4.0f}}));
    // Keys in another order, double quotes, a 1-tuple, Fortran order.
    auto fortran = npy_of(R"({"shape": (2, 3,), "fortran_order": True, "descr": "<f8"})", 48);
    const double column_major[] = {0, 3, 1, 4, 2, 5};
    std::memcpy(fortran.data() + fortran.size() - 48, column_major, 48);
    BOOST_TEST(same_bits(io::parse_npy(fortran, "hand"), Array<double>{{0, 1, 2}, {3, 4, 5}}));
}

BOOST_AUTO_TEST_CASE(malformed_npy_files_are_refused_with_their_defect) {
    const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n";
    BOOST_TEST(std::get<Array<float>>(io::parse_npy(npy_of(ok, 16), "ok")).size() == 4u);
    expect_npy_refused(bytes_of("PK\x03\x04 not numpy"), "no \\x93NUMPY magic string");
    {
        auto v3 = npy_of(ok, 16);
        v3[6] = 3;
        expect_npy_refused(v3, "format version 3.0 is not supported");
    }
    {
        auto cut = npy_of(ok, 16);
        cut.resize(20);
        expect_npy_refused(cut, "header length 58 is past the file's 20 bytes");
    }
    expect_npy_refused(npy_of(ok, 15), "shape (4) of '<f4' needs 16 data bytes, the file has 15");
    expect_npy_refused(npy_of(ok, 17), "needs 16 data bytes, the file has 17");
    expect_npy_refused(npy_of("", 0), "expected '{'");
    expect_npy_refused(npy_of("\n", 0), "expected '{'");
    expect_npy_refused(npy_of("{'descr': '<f4', 'shape': (4,)}", 16),
                       "lacks one of 'descr', 'fortran_order' and 'shape'");
    expect_npy_refused(
        npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", 16),
        "unknown or repeated key 'x'");
    expect_npy_refused(npy_of("{'descr': '<f4', 'descr': '<f4'}", 16),
                       "unknown or repeated key 'descr'");
    expect_npy_refused(npy_of("{'descr': '<i4', 'fortran_order': False, 'shape': (4,)}", 16),
                       "dtype '<i4' is not supported");
    expect_npy_refused(npy_of("{'descr': '>f8', 'fortran_order': False, 'shape': (2,)}", 16),
                       "dtype '>f8' is not supported");
    expect_npy_refused(npy_of("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,)}", 16),
                       "fortran_order is neither True nor False");
    expect_npy_refused(npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", 16),
                       "the shape holds something other than a size");
    expect_npy_refused(npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': ()", 16),
                       "expected ',' or '}'");
    expect_npy_refused(npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': (4 4)}", 16),
                       "expected ',' or ')'");
    expect_npy_refused(npy_of("{'descr': '<f4' 'fortran_order': False, 'shape': (4,)}", 16),
                       "expected ',' or '}'");
    expect_npy_refused(npy_of("{'descr' '<f4', 'fortran_order': False, 'shape': (4,)}", 16),
                       "expected ':'");
    expect_npy_refused(npy_of("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)} x", 16),
                       "text after its dict");
    expect_npy_refused(
        npy_of("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", 16),
        "shape sizes overflow");
    expect_npy_refused(
        npy_of("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", 16),
        "a shape size is too large");
    expect_npy_refused(npy_of("{'descr': '<f4", 16), "unterminated string");
    // A zero size does not hide the others: xtensor computes strides from them.
    expect_npy_refused(
        npy_of("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296)}", 0),
        "shape sizes overflow");
    expect_npy_refused(
        npy_of("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1152921504606846976)}", 0),
        "shape sizes overflow");
}

BOOST_AUTO_TEST_CASE(version_two_headers_and_empty_arrays_are_read) {
    // Format 2.0: a 4-byte header length.
    const std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (0, 3), }\n";
    std::string text = "\x93NUMPY";
    text += '\x02';
    text += '\x00';
    for (int i = 0; i < 4; ++i) text += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    text += header;
    const auto empty = io::parse_npy(bytes_of(text), "v2");
    BOOST_TEST(to_string(std::get<Array<double>>(empty).shape()) == "(0, 3)");
}

BOOST_AUTO_TEST_CASE(files_numpy_wrote_are_read) {
    for (const auto* file : {&npz_reference::stored, &npz_reference::deflated}) {
        const io::TensorFile content = io::parse_npz(*file, "numpy.npz");
        BOOST_TEST(content.tensors.size() == 3u);
        BOOST_TEST(content.metadata.empty());
        BOOST_TEST(same_bits(content.tensors.at("w"),
                             Array<float>{{1.5f, -2.0f, 0.25f}, {4.0f, 8.0f, -1.0f}}));
        BOOST_TEST(same_bits(content.tensors.at("b"), Array<double>{0.125, -3.5}));
        BOOST_TEST(same_bits(content.tensors.at("f"), Array<double>{{0, 1, 2}, {3, 4, 5}}));
    }
}

BOOST_AUTO_TEST_CASE(npz_files_round_trip_with_their_metadata) {
    io::TensorFile content;
    content.tensors.emplace("fc1.weight", Array<float>{{1.0f, 2.0f}, {-3.0f, 0.5f}});
    content.tensors.emplace("fc1.bias", Array<double>{1e-310, -0.0});
    content.metadata = {{"format", "xtgrad weights"}, {"layout", "pytorch"}};
    const auto bytes = io::npz_bytes(content);
    BOOST_TEST(io::npz_bytes(content) == bytes);  // same tensors, same bytes
    const io::TensorFile again = io::parse_npz(bytes, "again");
    BOOST_TEST(again.metadata == content.metadata);
    BOOST_TEST(again.tensors.size() == 2u);
    BOOST_TEST(same_bits(again.tensors.at("fc1.weight"),
                         std::get<Array<float>>(content.tensors.at("fc1.weight"))));
    BOOST_TEST(same_bits(again.tensors.at("fc1.bias"),
                         std::get<Array<double>>(content.tensors.at("fc1.bias"))));
    testing::TempDir dir;
    io::save_npz(dir / "w.npz", content);
    BOOST_TEST(io::load_npz(dir / "w.npz").tensors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(malformed_npz_files_are_refused_with_their_defect) {
    const auto npz_refused = [](const std::vector<std::uint8_t>& bytes, const std::string& what) {
        expect_refused([&] { io::parse_npz(bytes, "w.npz"); }, what);
    };
    npz_refused(bytes_of("not a zip archive at all"), "not a valid zip archive (.npz)");
    npz_refused({}, "not a valid zip archive (.npz)");
    {
        auto cut = npz_reference::stored;
        cut.resize(cut.size() / 2);
        npz_refused(cut, "not a valid zip archive (.npz)");
    }
    {
        // A data byte of the stored member "w.npy" changed: its CRC no longer matches.
        auto damaged = npz_reference::stored;
        const std::string header = "'shape': (2, 3), }";
        const auto at = std::search(damaged.begin(), damaged.end(), header.begin(), header.end());
        BOOST_TEST_REQUIRE((at != damaged.end()));
        const auto data = std::find(at, damaged.end(), '\n') + 1;
        *data ^= 0x40;
        npz_refused(damaged, "member 'w.npy' is damaged");
    }
    io::TensorFile content;
    content.tensors.emplace("w", Array<float>{1.0f});
    {
        auto renamed = io::npz_bytes(content);  // "w.npy" -> "w.npx", in both directories
        for (std::size_t i = 0; i + 5 <= renamed.size(); ++i)
            if (std::memcmp(renamed.data() + i, "w.npy", 5) == 0) renamed[i + 4] = 'x';
        npz_refused(renamed, "member 'w.npx' is not a '<name>.npy' array");
    }
    {
        // A stored member claiming more bytes than it stores: refused before reading it.
        auto bloated = io::npz_bytes(content);
        const std::string central = "PK\x01\x02";
        const auto entry =
            std::search(bloated.begin(), bloated.end(), central.begin(), central.end());
        BOOST_TEST_REQUIRE((entry != bloated.end()));
        // The uncompressed size, in the local and the central header alike.
        bloated[22 + 3] = 0x40;
        bloated[static_cast<std::size_t>(entry - bloated.begin()) + 24 + 3] = 0x40;
        npz_refused(bloated, "member 'w.npy' claims 1073741956 bytes from 132 stored ones");
    }
    {
        io::TensorFile two;  // "a.npy" renamed "b.npy": the same member twice
        two.tensors.emplace("a", Array<float>{1.0f});
        two.tensors.emplace("b", Array<float>{2.0f});
        auto repeated = io::npz_bytes(two);
        for (std::size_t i = 0; i + 5 <= repeated.size(); ++i)
            if (std::memcmp(repeated.data() + i, "a.npy", 5) == 0) repeated[i] = 'b';
        npz_refused(repeated, "not a valid zip archive (.npz): File already exists");
    }
    BOOST_CHECK_THROW(io::npz_bytes(io::TensorFile{}), std::invalid_argument);
    {
        auto bad_dtype = io::npz_bytes(content);  // '<f4' -> '<i4' inside the member
        for (std::size_t i = 0; i + 4 <= bad_dtype.size(); ++i)
            if (std::memcmp(bad_dtype.data() + i, "'<f4", 4) == 0) bad_dtype[i + 2] = 'i';
        npz_refused(bad_dtype, "is damaged");  // the member's CRC catches it first
        restamp_crc(bad_dtype);
        npz_refused(bad_dtype, "w.npz: w.npy: dtype '<i4' is not supported");
    }
}

BOOST_AUTO_TEST_SUITE_END()
