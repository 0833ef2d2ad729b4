// BatchNorm1d/2d against PyTorch 1.13 (tests/nn/make_batch_norm_reference.py prints the
// constants): training outputs and gradients, running statistics, evaluation mode; the fused and
// composed paths alike. Buffers: named, kept out of the parameters, saved and restored.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>

#include <xtgrad/io/archive.hpp>
#include <xtgrad/nn/nn.hpp>

#include "../support/temp_dir.hpp"

using namespace xtgrad;

namespace {

// torch 1.13.0a0 (make_batch_norm_reference.py)
const std::vector<double> kOutput = {
    3.60748337709161,    0.7845273264710146,   -0.8409023478543777,  -1.0208021951297992,
    -1.6099209600288495, -0.7617817750556785,  -0.20948214074532667, -0.037290369238958135,
    -1.1498428024692309, 0.3580739787112903,   1.4515624234457192,   1.9637811654552166,
    0.7248460091495234,  -1.0111704541557425,  -1.000164975620091,   0.756183260047867,
    -0.7427963841513527, -0.14066806191267403, -0.04049603672277181, -0.45756427214438944,
    0.393667745376813,   1.6047091101949407,   1.9633053920937622,   1.4147429871914896};
const std::vector<double> kGradInput = {
    0.4247317748868684,   1.4907795348139161,   1.4529057015145916,   0.302834064881103,
    -0.09799259915915609, -0.32302588223145895, -0.5256248693466136,  -0.6783906802525715,
    0.1690179331663446,   0.31283083667186484,  0.31914967805176025,  0.1853106417520265,
    -3.5352226923830408,  -1.162593936613618,   0.3185969834344159,   0.7079685694657613,
    0.42713173762148776,  0.4689315170824258,   0.42569647746026973,  0.3032742988256172,
    -0.7280529429324698,  -0.3511416962718098,  -0.04770623110384106, 0.14059178066612463};
const std::vector<double> kGradWeight = {1.3647369039874602, -0.014880625779584078,
                                         -1.0447372712646037};
const std::vector<double> kGradBias = {4.137681903405924, 1.9572826813454762, -3.7827419028990166};
const std::vector<double> kRunningMean = {-0.09223659790346192, 0.6081113089662362,
                                          0.8959819098100908};
const std::vector<double> kRunningVar = {0.6529127036464701, 1.090715819273078, 1.8461577765504171};
const std::vector<double> kEvalOutput = {
    -0.9836683567368135, -1.4349861153407149, -1.1237578759502826,  -0.09746996083485303,
    0.31668781130459767, 0.633796724505083,   0.5514545228657801,   0.08222474602907234,
    1.388629309456788,   2.299652707951109,   2.2938772739794078,   1.372184206880674,
    -1.4351103962383804, -0.9932862819086189, -0.06742730126909996, 1.2012016077146483,
    0.6361322020398165,  0.49742715734622417, 0.06750027921336854,  -0.5880514083635843,
    2.310167929707606,   2.2023876417409474,  1.3406895414251883,   -0.14345091846387345};
const std::vector<double> kEvalGradInput = {
    1.856352186525126,    1.730727906572929,    1.3708577236777288,   0.8254483788670466,
    0.04340938210276073,  -0.13193986982011555, -0.28943167932074865, -0.4077502688107058,
    0.7238758512086402,   0.7229532766614832,   0.6241823676453312,   0.4409313033402399,
    -0.49942018921962505, 0.18091282314142187,  0.8367601335906965,   1.379355885377708,
    0.44752465071708675,  0.4787426540159286,   0.44516508497703094,  0.3513365100503113,
    -0.3227608760936641,  -0.06173594635710629, 0.20764465410247046,  0.44892152473438396};
const std::vector<double> kBn1dOutput = {
    0.5857449294673616, -0.30164533901186025, 0.9734909085766013,  -1.0596980938900111,
    0.0844813676043358, -0.28351833271421767, -1.6437172056482985, 1.6448617656160893};
const std::vector<double> kBn1dGradInput = {
    0.9338418242957409, 1.1118961837404309,  -0.3379591840124792, -0.2611261890864512,
    -0.69265178984658,  -0.7560770021334378, 0.09676914956331702, -0.09469299252054142};
const std::vector<double> kBn1dRunningVar = {0.919394375976997, 0.9548873885349421};

/// x_k[n, c, h, w] = sin(1 + 7n + 3c + 1.3h + 0.7w + k) (c + 1) + c, as the script draws it.
Array<double> inputs(const Shape& shape, int k) {
    Array<double> x = empty_array<double>(shape);
    std::size_t i = 0;
    for (std::size_t n = 0; n < shape[0]; ++n)
        for (std::size_t c = 0; c < shape[1]; ++c)
            for (std::size_t h = 0; h < shape[2]; ++h)
                for (std::size_t w = 0; w < shape[3]; ++w)
                    x.data()[i++] = std::sin(1 + 7.0 * n + 3.0 * c + 1.3 * h + 0.7 * w + k) *
                                        static_cast<double>(c + 1) +
                                    static_cast<double>(c);
    return x;
}

/// g[i] = cos(0.37 i): the output gradient.
Tensord seed(const Shape& shape) {
    Array<double> g = empty_array<double>(shape);
    for (std::size_t i = 0; i < g.size(); ++i)
        g.data()[i] = std::cos(0.37 * static_cast<double>(i));
    return Tensord(std::move(g));
}

void check_close(const Array<double>& actual, const std::vector<double>& expected,
                 const char* what) {
    BOOST_TEST_REQUIRE(actual.size() == expected.size(), what);
    double worst = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
        worst = std::max(worst, std::abs(actual.data()[i] - expected[i]));
    BOOST_TEST(worst <= 1e-12, what << ": differs from PyTorch by " << worst);
}

void check_against_pytorch() {
    nn::BatchNorm2d<double> bn({.num_features = 3, .momentum = 0.2});
    bn.weight().mutable_value() = Array<double>({1.5, 0.5, -1.0});
    bn.bias().mutable_value() = Array<double>({0.25, -0.5, 1.0});
    const Shape shape{2, 3, 2, 2};
    for (int k = 0; k < 3; ++k) {
        Tensord x = Tensord::parameter(inputs(shape, k));
        bn.zero_grad();
        const Tensord y = bn(x);
        sum(y * seed(shape)).backward();
        if (k < 2) continue;
        check_close(y.value(), kOutput, "output");
        check_close(x.grad(), kGradInput, "input gradient");
        check_close(bn.weight().grad(), kGradWeight, "weight gradient");
        check_close(bn.bias().grad(), kGradBias, "bias gradient");
    }
    check_close(bn.running_mean().value(), kRunningMean, "running mean");
    check_close(bn.running_var().value(), kRunningVar, "running variance");
    bn.eval();
    Tensord x = Tensord::parameter(inputs(shape, 3));
    const Tensord y = bn(x);
    sum(y * seed(shape)).backward();
    check_close(y.value(), kEvalOutput, "evaluation output");
    check_close(x.grad(), kEvalGradInput, "evaluation input gradient");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_norm)

BOOST_AUTO_TEST_CASE(batch_norm2d_matches_pytorch_in_training_and_evaluation) {
    check_against_pytorch();
}

BOOST_AUTO_TEST_CASE(the_composed_path_matches_pytorch_too) {
    nn::ComposedGuard composed;
    check_against_pytorch();
}

BOOST_AUTO_TEST_CASE(batch_norm1d_without_affine_matches_pytorch) {
    nn::BatchNorm1d<double> bn({.num_features = 2, .affine = false});
    BOOST_TEST(bn.parameters().empty());
    Array<double> rows = inputs({4, 2, 1, 1}, 0);
    rows.reshape({4, 2});
    Tensord x = Tensord::parameter(rows);
    const Tensord y = bn(x);
    sum(y * seed({4, 2})).backward();
    check_close(y.value(), kBn1dOutput, "output");
    check_close(x.grad(), kBn1dGradInput, "input gradient");
    check_close(bn.running_var().value(), kBn1dRunningVar, "running variance");
}

BOOST_AUTO_TEST_CASE(buffers_are_named_apart_from_parameters_and_saved_with_them) {
    using testing::TempDir;
    StdRandom rng(1);
    nn::Sequential<double> net;
    net.add("fc", std::make_shared<nn::Linear<double>>(3, 2, rng));
    net.add("bn",
            std::make_shared<nn::BatchNorm1d<double>>(nn::BatchNormOptions{.num_features = 2}));
    BOOST_TEST(net.named_parameters().size() == 4u);
    const auto buffers = net.named_buffers();
    BOOST_TEST_REQUIRE(buffers.size() == 2u);
    BOOST_TEST(buffers[0].first == "bn.running_mean");
    BOOST_TEST(buffers[1].first == "bn.running_var");
    BOOST_TEST(!buffers[0].second.requires_grad());
    Array<double> batch = inputs({5, 3, 1, 1}, 2);
    batch.reshape({5, 3});
    net(Tensord(batch));
    const Array<double> moved = net.buffer("bn.running_mean").value();
    BOOST_TEST(xt::any(xt::not_equal(moved, 0.0)));

    io::Archive archive;
    nn::store_module_state(archive, net);
    BOOST_TEST(archive.contains("buffer/bn.running_var"));
    net.buffer("bn.running_mean").mutable_value().fill(7);
    nn::restore_module_state(archive, net);
    BOOST_TEST(net.buffer("bn.running_mean").value() == moved, boost::test_tools::per_element());

    TempDir dir;
    nn::save_weights(dir / "bn.safetensors", net, nn::WeightLayout::pytorch);
    net.buffer("bn.running_var").mutable_value().fill(3);
    nn::load_weights(dir / "bn.safetensors", net);
    BOOST_TEST(net.buffer("bn.running_var").value()(0) != 3.0);

    BOOST_CHECK_THROW(net.buffer("bn.weight"), std::out_of_range);
    io::Archive other;  // the same state without one buffer
    for (const auto& [name, entry] : archive.entries())
        if (name != "buffer/bn.running_mean") other.put(name, entry);
    try {
        nn::restore_module_state(other, net);
        BOOST_FAIL("expected ArchiveError");
    } catch (const io::ArchiveError& e) {
        BOOST_TEST(std::string(e.what()).find("buffer 'bn.running_mean'") != std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(bad_inputs_name_the_layer_and_the_shape) {
    nn::BatchNorm2d<double> bn({.num_features = 3});
    const auto message = [&](const Shape& shape) {
        try {
            bn(Tensord(Array<double>(xt::ones<double>(shape))));
        } catch (const ShapeError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(message({2, 4, 3, 3}).find("BatchNorm2d") != std::string::npos);
    BOOST_TEST(message({2, 4, 3, 3}).find("3 channels") != std::string::npos);
    BOOST_TEST(message({2, 3}).find("rank 4") != std::string::npos);
    BOOST_TEST(message({1, 3, 1, 1}).find("more than one value per channel") != std::string::npos);
    BOOST_CHECK_THROW(nn::BatchNorm2d<double>({.num_features = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(nn::BatchNorm1d<float>({.num_features = 2, .momentum = 1.5}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
