// Module weights as safetensors and .npz: bit-for-bit round trips in both formats and layouts,
// PyTorch's names and (out, in) Linear weights in the pytorch layout, and every file that does
// not fit the model refused by the tensor's name, leaving the model as it was.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include <xtgrad/io/npy.hpp>
#include <xtgrad/io/safetensors.hpp>
#include <xtgrad/nn/nn.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;

namespace {

io::TensorFile read_back(const std::filesystem::path& file) {
    return file.extension() == ".npz" ? io::load_npz(file) : io::load_safetensors(file);
}

template <class T>
nn::ModuleHolder<nn::Sequential<T>> random_mlp(RandomEngine& rng) {
    auto model = nn::make_mlp<T>({{5, 4, 3}, nn::Activation::relu}, rng);
    for (auto& [name, p] : model->named_parameters())
        for (auto& v : p.mutable_value()) v = static_cast<T>(rng.normal());
    return model;
}

template <class T>
void round_trip(const std::string& extension, nn::WeightLayout layout) {
    testing::TempDir dir;
    StdRandom rng(3);
    auto model = random_mlp<T>(rng);
    const auto file = dir / ("m" + extension);
    nn::save_weights(file, *model, layout);
    const auto content = read_back(file);
    const bool pytorch = layout == nn::WeightLayout::pytorch;
    // torch.nn.Sequential(Linear(5, 4), ReLU(), Linear(4, 3)) names: 0.*, 2.*; (out, in).
    const std::string fc2 = pytorch ? "2.weight" : "fc2.weight";
    BOOST_TEST(content.tensors.size() == 4u);
    BOOST_TEST(to_string(std::get<Array<T>>(content.tensors.at(fc2)).shape()) ==
               (pytorch ? "(3, 4)" : "(4, 3)"));
    BOOST_TEST(content.tensors.count(pytorch ? "0.bias" : "fc1.bias") == 1u);
    BOOST_TEST(content.metadata.at("layout") == nn::weight_layout_name(layout));
    BOOST_TEST(content.metadata.at("format") == "xtgrad weights");
    auto copy = nn::make_mlp<T>({{5, 4, 3}, nn::Activation::relu}, rng);
    nn::load_weights(file, *copy);
    for (const auto& [name, p] : model->named_parameters()) {
        const Array<T>& other = copy->parameter(name).value();
        BOOST_TEST(std::memcmp(p.value().data(), other.data(), p.size() * sizeof(T)) == 0,
                   extension << " " << nn::weight_layout_name(layout) << " " << name);
    }
}

struct Net : nn::Module<double> {
    explicit Net(RandomEngine& rng)
        : fc1(register_module<nn::Lineard>("fc1", 3, 2, rng)),
          head(register_module<nn::Sequential<double>>("head")) {
        head->add("out", std::make_shared<nn::Lineard>(2, 1, rng));
    }
    Tensord forward(const Tensord& x) override { return head(relu(fc1(x))); }
    nn::ModuleHolder<nn::Lineard> fc1;
    nn::ModuleHolder<nn::Sequential<double>> head;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(weights)

BOOST_AUTO_TEST_CASE(module_weights_round_trip_bit_for_bit) {
    for (const std::string extension : {".safetensors", ".npz"})
        for (const auto layout : {nn::WeightLayout::xtgrad, nn::WeightLayout::pytorch}) {
            round_trip<float>(extension, layout);
            round_trip<double>(extension, layout);
        }
}

BOOST_AUTO_TEST_CASE(a_named_module_tree_keeps_its_names_and_a_sequential_is_numbered) {
    testing::TempDir dir;
    StdRandom rng(5);
    Net net(rng);
    nn::save_weights(dir / "net.npz", net, nn::WeightLayout::pytorch);
    const auto content = io::load_npz(dir / "net.npz");
    std::vector<std::string> names;
    for (const auto& [name, tensor] : content.tensors) names.push_back(name);
    const std::vector<std::string> expected = {"fc1.bias", "fc1.weight", "head.0.bias",
                                               "head.0.weight"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    BOOST_TEST(to_string(std::get<Array<double>>(content.tensors.at("fc1.weight")).shape()) ==
               "(2, 3)");
}

BOOST_AUTO_TEST_CASE(a_file_without_metadata_is_read_in_the_layout_given) {
    // As numpy.savez or PyTorch would write it: torch.nn.Linear's (out, in), no metadata.
    testing::TempDir dir;
    StdRandom rng(6);
    auto model = random_mlp<double>(rng);
    io::TensorFile foreign;
    foreign.tensors.emplace(
        "0.weight",
        Array<double>{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, {0, 0, 0, 0, 1}, {0, 0, 0, 1, 0}});
    foreign.tensors.emplace("0.bias", Array<double>{0.5, 0, 0, 0});
    foreign.tensors.emplace("2.weight", Array<double>{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}});
    foreign.tensors.emplace("2.bias", Array<double>{0, 0, -1});
    io::save_npz(dir / "numpy.npz", foreign);
    try {
        nn::load_weights(dir / "numpy.npz", *model);
        BOOST_FAIL("a file without a layout was accepted without one");
    } catch (const io::FormatError& e) {
        BOOST_TEST(std::string(e.what()).find("has no layout in its metadata") !=
                   std::string::npos);
    }
    nn::load_weights(dir / "numpy.npz", *model, nn::WeightLayout::pytorch);
    BOOST_TEST(model->parameter("fc1.weight").value()(0, 1) == 6.0);  // (in, out) here
    BOOST_TEST(model->parameter("fc1.bias").value()(0) == 0.5);
    BOOST_TEST(model->parameter("fc2.bias").value()(2) == -1.0);
}

BOOST_AUTO_TEST_CASE(weights_that_do_not_fit_are_named) {
    testing::TempDir dir;
    StdRandom rng(4);
    auto model = nn::make_mlp<double>({{5, 4, 3}, nn::Activation::relu}, rng);
    for (const std::string extension : {".safetensors", ".npz"}) {
        const auto file = dir / ("m" + extension);
        nn::save_weights(file, *model, nn::WeightLayout::pytorch);
        const auto refused = [&](auto& target, std::optional<nn::WeightLayout> layout,
                                 const std::string& fragment) {
            try {
                nn::load_weights(file, target, layout);
                BOOST_FAIL("accepted; expected '" << fragment << "'");
            } catch (const io::FormatError& e) {
                BOOST_TEST(std::string(e.what()).find(file.string() + ": ") == 0u, e.what());
                BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
            }
        };
        auto wider = nn::make_mlp<double>({{5, 6, 3}, nn::Activation::relu}, rng);
        const double before = wider->parameter("fc1.bias").value()(0);
        refused(*wider, std::nullopt,
                "tensor '0.weight' has shape (4, 5) (pytorch layout); the model's 'fc1.weight' "
                "is (5, 6)");
        BOOST_TEST(wider->parameter("fc1.bias").value()(0) == before);  // nothing was changed
        auto deeper = nn::make_mlp<double>({{5, 4, 3, 2}, nn::Activation::relu}, rng);
        refused(*deeper, std::nullopt, "has no tensor '4.weight' (the model's 'fc3.weight')");
        auto shallow = nn::make_mlp<double>({{5, 4}, nn::Activation::relu}, rng);
        refused(*shallow, std::nullopt, "holds tensor '2.bias', which the model does not have");
        auto single = nn::make_mlp<float>({{5, 4, 3}, nn::Activation::relu}, rng);
        refused(*single, std::nullopt, "tensor '0.weight' is F64, the model's parameter is F32");
        nn::load_weights(file, *model, nn::WeightLayout::xtgrad);  // the file's layout rules
        BOOST_CHECK_THROW(nn::load_weights(dir / ("none" + extension), *model), io::FormatError);
    }
    BOOST_CHECK_THROW(nn::save_weights(dir / "m.pt", *model), std::invalid_argument);
    BOOST_CHECK_THROW(nn::load_weights(dir / "m.bin", *model), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
