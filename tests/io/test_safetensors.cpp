// safetensors: bit-for-bit round trips of module weights in both layouts, a file built byte by
// byte from the format's description, and every malformed kind refused with its message.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include <xtgrad/io/safetensors.hpp>
#include <xtgrad/nn/nn.hpp>

#include "../support/temp_dir.hpp"

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

template <class T>
void round_trip(nn::WeightLayout layout) {
    testing::TempDir dir;
    StdRandom rng(3);
    auto model = nn::make_mlp<T>({{5, 4, 3}, nn::Activation::relu, nn::Init::normal(0.5)}, rng);
    for (auto& [name, p] : model->named_parameters())
        for (auto& v : p.mutable_value()) v = static_cast<T>(rng.normal());
    nn::save_weights(dir / "m.safetensors", *model, layout);
    const auto file = io::load_safetensors(dir / "m.safetensors");
    const auto& w = std::get<Array<T>>(file.tensors.at("fc1.weight"));
    BOOST_TEST(to_string(w.shape()) ==
               (layout == nn::WeightLayout::pytorch ? "(4, 5)" : "(5, 4)"));  // (out, in)
    BOOST_TEST(file.metadata.at("layout") ==
               (layout == nn::WeightLayout::pytorch ? "pytorch" : "xtgrad"));
    auto copy = nn::make_mlp<T>({{5, 4, 3}, nn::Activation::relu}, rng);
    nn::load_weights(dir / "m.safetensors", *copy);
    for (const auto& [name, p] : model->named_parameters()) {
        const Array<T>& other = copy->parameter(name).value();
        BOOST_TEST(std::memcmp(p.value().data(), other.data(), p.size() * sizeof(T)) == 0, name);
    }
}

BOOST_AUTO_TEST_CASE(module_weights_round_trip_bit_for_bit) {
    round_trip<float>(nn::WeightLayout::xtgrad);
    round_trip<float>(nn::WeightLayout::pytorch);
    round_trip<double>(nn::WeightLayout::xtgrad);
    round_trip<double>(nn::WeightLayout::pytorch);
}

BOOST_AUTO_TEST_CASE(weights_that_do_not_fit_are_named) {
    testing::TempDir dir;
    StdRandom rng(4);
    auto model = nn::make_mlp<double>({{5, 4, 3}, nn::Activation::relu}, rng);
    nn::save_weights(dir / "m.safetensors", *model, nn::WeightLayout::pytorch);
    const auto refused = [&](auto& target, std::optional<nn::WeightLayout> layout,
                             const std::string& fragment) {
        try {
            nn::load_weights(dir / "m.safetensors", target, layout);
            BOOST_FAIL("accepted; expected '" << fragment << "'");
        } catch (const SafetensorsError& e) {
            BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
        }
    };
    auto wider = nn::make_mlp<double>({{5, 6, 3}, nn::Activation::relu}, rng);
    const double before = wider->parameter("fc1.bias").value()(0);
    refused(*wider, std::nullopt, "tensor 'fc1.weight' has shape (4, 5) (pytorch layout)");
    BOOST_TEST(wider->parameter("fc1.bias").value()(0) == before);  // nothing was changed
    auto deeper = nn::make_mlp<double>({{5, 4, 3, 2}, nn::Activation::relu}, rng);
    refused(*deeper, std::nullopt, "has no tensor 'fc3.weight'");
    auto shallow = nn::make_mlp<double>({{5, 4}, nn::Activation::relu}, rng);
    refused(*shallow, std::nullopt, "holds tensor 'fc2.bias', which the model does not have");
    auto single = nn::make_mlp<float>({{5, 4, 3}, nn::Activation::relu}, rng);
    refused(*single, std::nullopt, "tensor 'fc1.weight' is F64, the model's parameter is F32");
    refused(*model, nn::WeightLayout::xtgrad, "is in the pytorch layout, not xtgrad");
    BOOST_CHECK_THROW(nn::load_weights(dir / "none.safetensors", *model), SafetensorsError);
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
