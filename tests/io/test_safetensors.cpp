// safetensors: a file built byte by byte from the format's description, and every malformed kind
// refused with its message (module weights in this format: tests/nn/test_weights.cpp).
#include <boost/test/unit_test.hpp>

#include <cstring>

#include <xtgrad/io/safetensors.hpp>

using namespace xtgrad;
using io::SafetensorsError;

namespace {

/// A file from its header text and data bytes, as the format describes it.
std::vector<std::uint8_t> file_of(const std::string& header,
                                  const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> bytes(8 + header.size() + data.size());
    const std::uint64_t length = header.size();
    std::memcpy(bytes.data(), &length, 8);
    std::memcpy(bytes.data() + 8, header.data(), header.size());
    if (!data.empty()) std::memcpy(bytes.data() + 8 + header.size(), data.data(), data.size());
    return bytes;
}

std::vector<std::uint8_t> bytes_of(const std::vector<float>& values) {
    std::vector<std::uint8_t> out(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

void expect_refused(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
    try {
        io::parse_safetensors(bytes, "w.safetensors");
        BOOST_FAIL("accepted; expected an error with '" << fragment << "'");
    } catch (const SafetensorsError& e) {
        BOOST_TEST(std::string(e.what()).find("w.safetensors: ") == 0u, e.what());
        BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safetensors)

BOOST_AUTO_TEST_CASE(a_file_written_by_the_format_description_is_read) {
    const auto data = bytes_of({1.5f, -2.0f, 0.25f, 4.0f, 8.0f, -1.0f});
    const auto content = io::parse_safetensors(
        file_of(
            R"({"__metadata__":{"by":"hand"},"b":{"dtype":"F32","shape":[2],)"
            R"("data_offsets":[16,24]},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})",
            data),
        "hand");
    BOOST_TEST(content.metadata.at("by") == "hand");
    const auto& w = std::get<Array<float>>(content.tensors.at("w"));
    BOOST_TEST(to_string(w.shape()) == "(2, 2)");
    BOOST_TEST(w(1, 0) == 0.25f);
    BOOST_TEST(std::get<Array<float>>(content.tensors.at("b"))(1) == -1.0f);
}

BOOST_AUTO_TEST_CASE(malformed_files_are_refused_with_their_defect) {
    const auto four = bytes_of({1, 2, 3, 4});
    const std::string w = R"("w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})";
    BOOST_TEST(io::parse_safetensors(file_of("{" + w + "}", four), "ok").tensors.size() == 1u);
    {
        auto cut = file_of("{" + w + "}", four);
        cut.pop_back();  // one data byte short
        expect_refused(cut, "are outside the 15 data bytes");
    }
    expect_refused({1, 2, 3}, "too short");
    {
        auto bytes = file_of("{" + w + "}", four);
        const std::uint64_t huge = 1ULL << 40;
        std::memcpy(bytes.data(), &huge, 8);
        expect_refused(bytes, "header length 1099511627776 is past the file");
    }
    expect_refused(file_of("{\"w\":", four), "invalid JSON header");
    expect_refused(file_of("[1, 2]", {}), "the header is not a JSON object");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[4]}})", four),
                   "tensor 'w': needs dtype, shape and data_offsets");
    expect_refused(file_of(R"({"w":{"dtype":"BF16","shape":[8],"data_offsets":[0,16]}})", four),
                   "tensor 'w': dtype BF16 is not supported");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", four),
                   "shape holds something other than a size");
    expect_refused(
        file_of(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})",
                four),
        "shape sizes overflow");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", four),
                   "shape (5) of F32 needs 20 bytes, data_offsets give 16");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", four),
                   "shape (2) of F32 needs 8 bytes, data_offsets give 16");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", four),
                   "are outside the 16 data bytes");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", four),
                   "are outside");
    expect_refused(file_of(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                           four),
                   "tensor 'b' overlaps the one before it");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", four),
                   "a hole of 8 bytes before tensor 'w'");
    expect_refused(file_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four),
                   "8 bytes after the last tensor");
    expect_refused(file_of(R"({"__metadata__":{"n":1}})", {}),
                   "__metadata__ entry 'n' is not a string");
}

BOOST_AUTO_TEST_SUITE_END()
