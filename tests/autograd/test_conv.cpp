// conv2d, max_pool2d and avg_pool2d (compositions of unfold, max, matmul, reshape, transpose)
// against direct loops written from their definitions, and their first and second derivatives
// and tangents against finite differences; shape errors name the op and the sizes.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include <xtgrad/autograd/gradcheck.hpp>
#include <xtgrad/autograd/ops.hpp>

#include "../support/random_arrays.hpp"

using namespace xtgrad;
using xtgrad::testing::TestRandom;

namespace {

struct Grid {
    std::size_t oh, ow;
};

Grid grid_of(const Shape& x, std::array<std::size_t, 2> k, const Window2d& w) {
    const auto size = [&](std::size_t a) {
        return (x[2 + a] + 2 * w.padding[a] - w.dilation[a] * (k[a] - 1) - 1) / w.stride[a] + 1;
    };
    return {size(0), size(1)};
}

/// x(n, c, ih, iw) or fill outside the image.
double at(const Array<double>& x, std::size_t n, std::size_t c, std::ptrdiff_t ih,
          std::ptrdiff_t iw, double fill) {
    if (ih < 0 || iw < 0 || ih >= static_cast<std::ptrdiff_t>(x.shape(2)) ||
        iw >= static_cast<std::ptrdiff_t>(x.shape(3)))
        return fill;
    return x(n, c, static_cast<std::size_t>(ih), static_cast<std::size_t>(iw));
}

std::ptrdiff_t source(std::size_t o, std::size_t s, std::size_t k, std::size_t d, std::size_t p) {
    return static_cast<std::ptrdiff_t>(o * s + k * d) - static_cast<std::ptrdiff_t>(p);
}

Array<double> reference_conv(const Array<double>& x, const Array<double>& w, const Array<double>& b,
                             const Conv2dOptions& o) {
    const Window2d win{{w.shape(2), w.shape(3)}, o.stride, o.padding, o.dilation};
    const auto [oh, ow] = grid_of(x.shape(), win.kernel, win);
    Array<double> y = xt::zeros<double>({x.shape(0), w.shape(0), oh, ow});
    const std::size_t group_out = w.shape(0) / o.groups;  // output f sees group f / group_out
    for (std::size_t n = 0; n < x.shape(0); ++n)
        for (std::size_t f = 0; f < w.shape(0); ++f)
            for (std::size_t i = 0; i < oh; ++i)
                for (std::size_t j = 0; j < ow; ++j) {
                    double total = b.size() ? b(f) : 0.0;
                    for (std::size_t c = 0; c < w.shape(1); ++c)
                        for (std::size_t u = 0; u < w.shape(2); ++u)
                            for (std::size_t v = 0; v < w.shape(3); ++v)
                                total +=
                                    w(f, c, u, v) *
                                    at(x, n, f / group_out * w.shape(1) + c,
                                       source(i, o.stride[0], u, o.dilation[0], o.padding[0]),
                                       source(j, o.stride[1], v, o.dilation[1], o.padding[1]), 0.0);
                    y(n, f, i, j) = total;
                }
    return y;
}

Array<double> reference_pool(const Array<double>& x, const Window2d& win, bool maximum) {
    const auto [oh, ow] = grid_of(x.shape(), win.kernel, win);
    Array<double> y = xt::zeros<double>({x.shape(0), x.shape(1), oh, ow});
    for (std::size_t n = 0; n < x.shape(0); ++n)
        for (std::size_t c = 0; c < x.shape(1); ++c)
            for (std::size_t i = 0; i < oh; ++i)
                for (std::size_t j = 0; j < ow; ++j) {
                    double best = -std::numeric_limits<double>::infinity();
                    double total = 0;
                    for (std::size_t u = 0; u < win.kernel[0]; ++u)
                        for (std::size_t v = 0; v < win.kernel[1]; ++v) {
                            const double value =
                                at(x, n, c, source(i, win.stride[0], u, 1, win.padding[0]),
                                   source(j, win.stride[1], v, 1, win.padding[1]),
                                   maximum ? -std::numeric_limits<double>::infinity() : 0.0);
                            best = std::max(best, value);
                            total += value;
                        }
                    y(n, c, i, j) = maximum ? best : total / double(win.kernel[0] * win.kernel[1]);
                }
    return y;
}

double max_difference(const Array<double>& a, const Array<double>& b) {
    BOOST_TEST_REQUIRE((a.shape() == b.shape()));
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
    return worst;
}

GradcheckOptions tight() {
    GradcheckOptions o;
    o.rtol = 1e-6;
    o.atol = 1e-8;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(convolution)

BOOST_AUTO_TEST_CASE(conv2d_against_loops_and_finite_differences) {
    TestRandom rng(31);
    struct Case {
        Shape x, w;
        Conv2dOptions o;
    };
    for (const auto& c :
         std::vector<Case>{{{2, 3, 7, 6}, {4, 3, 3, 3}, {}},
                           {{1, 2, 6, 5},
                            {3, 2, 3, 2},
                            {.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}}},
                           {{3, 1, 5, 5}, {2, 1, 5, 5}, {.padding = {2, 2}}},
                           {{2, 4, 5, 5}, {6, 2, 3, 3}, {.stride = {2, 1}, .groups = 2}},
                           {{1, 3, 4, 4}, {3, 1, 3, 3}, {.padding = {1, 1}, .groups = 3}}}) {
        BOOST_TEST_CONTEXT(to_string(c.x) << " by " << to_string(c.w)) {
            const Array<double> x = rng.uniform_array<double>(c.x, -1, 1);
            const Array<double> w = rng.uniform_array<double>(c.w, -1, 1);
            const Array<double> b = rng.uniform_array<double>({c.w[0]}, -1, 1);
            const auto f = [o = c.o](const std::vector<Tensord>& v) {
                return conv2d(v[0], v[1], v[2], o);
            };
            const Array<double> y = f({Tensord(x), Tensord(w), Tensord(b)}).value();
            BOOST_TEST(max_difference(y, reference_conv(x, w, b, c.o)) < 1e-13);
            const std::vector<Array<double>> inputs{x, w, b};
            BOOST_TEST(gradcheck<double>(f, inputs, tight()).ok);
            BOOST_TEST(gradgradcheck<double>(f, inputs, tight()).ok);
            BOOST_TEST(tangentcheck<double>(f, inputs, tight()).ok);
        }
    }
}

BOOST_AUTO_TEST_CASE(pools_against_loops_and_finite_differences) {
    TestRandom rng(32);
    for (const Window2d& win : {Window2d{.kernel = {2, 2}, .stride = {2, 2}},
                                Window2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}},
                                Window2d{.kernel = {2, 3}, .stride = {1, 2}}}) {
        const Array<double> x = rng.uniform_array<double>({2, 3, 5, 6}, -1, 1);
        for (const bool maximum : {true, false}) {
            const auto f = [win, maximum](const std::vector<Tensord>& v) {
                return maximum ? max_pool2d(v[0], win) : avg_pool2d(v[0], win);
            };
            BOOST_TEST(max_difference(f({Tensord(x)}).value(), reference_pool(x, win, maximum)) <
                       1e-15);
            BOOST_TEST(gradcheck<double>(f, {x}, tight()).ok);
            BOOST_TEST(gradgradcheck<double>(f, {x}, tight()).ok);
            BOOST_TEST(tangentcheck<double>(f, {x}, tight()).ok);
        }
    }
}

// torch 1.13 (tests/autograd/make_pool_reference.py): F.max_pool2d / F.avg_pool2d with
// ceil_mode=True (count_include_pad=True) on x[0, c, h, w] = sin(0.9 + 2.3 c + 0.61 h + 0.37 w).
struct CeilCase {
    const char* label;
    bool maximum;
    std::size_t kernel, stride, padding;
    std::array<std::size_t, 2> grid;
    std::vector<double> expected;
};
const std::vector<CeilCase> kCeilCases = {
    {"max k2 s2",
     true,
     2,
     2,
     0,
     {3, 3},
     {0.9981524724975481, 0.9976063813191737, 0.6900749835569364, 0.8529404815528762,
      0.27788592581658633, -0.44252044329485246, -0.19710817293466984, -0.8066177485832405,
      -0.8880955719827547, -0.05837414342757964, -0.7162455691239702, -0.5836246614030073,
      -0.7727644875559877, -0.14269654351825947, 0.5620106659007423, -0.26979998470151617,
      0.4500440737806176, 0.934486781760646}},
    {"max k3 s2 p1",
     true,
     3,
     2,
     1,
     {3, 4},
     {0.9981524724975481,   0.9976063813191737,   0.905090563325201,   0.38166099205233167,
      0.9981524724975481,   0.9525761942715953,   0.49826164241183857, -0.21667508038738006,
      0.4000694775924195,   0.04158066243329049,  -0.6429987420539088, -0.8880955719827547,
      -0.05837414342757964, -0.4154226067712459,  -0.5836246614030073, -0.5836246614030073,
      -0.6197368435949628,  -0.14269654351825947, 0.5620106659007423,  0.5620106659007423,
      -0.26979998470151617, 0.4500440737806176,   0.934486781760646,   0.934486781760646}},
    {"avg k2 s2",
     false,
     2,
     2,
     0,
     {3, 3},
     {0.9222891079953298, 0.7947579459860337, 0.251518401827058, 0.47526103623922517,
      -0.19398523618560218, -0.761765031800826, -0.3676993406123438, -0.8861954046019396,
      -0.941155545766013, -0.4887826235261322, -0.9004359028309923, -0.841104583257824,
      -0.9193241183094474, -0.5547752190810294, 0.09995600540212947, -0.43477365674778,
      0.2733537977060174, 0.8385000267782237}},
    {"avg k3 s2 p1",
     false,
     3,
     2,
     1,
     {3, 4},
     {0.4099062702201466,   0.5651898704222691,   0.2677139792272524,  0.0274976519441586,
      0.4279747568584494,   0.23344491940450574,  -0.3717502025921131, -0.3241300073006717,
      -0.03263872679988639, -0.35940392193744375, -0.5954185539722936, -0.3132241571725036,
      -0.2172367215671699,  -0.5420847909339951,  -0.5847858351920066, -0.25452888833981896,
      -0.5731811352381659,  -0.7573135587674433,  -0.3140843050328763, -0.005799820105964508,
      -0.2880328892235899,  -0.12550090503625888, 0.30791479948789796, 0.24941624127689807}},
    {"avg k2 s3",
     false,
     2,
     3,
     0,
     {2, 2},
     {0.9222891079953298, 0.56110997534508, -0.07343713529974438, -0.869855510678905,
      -0.4887826235261322, -0.9339747966722861, -0.6480740007530772, 0.31868393693242325}},
};

BOOST_AUTO_TEST_CASE(ceil_mode_pools_match_pytorch) {
    Array<double> x = empty_array<double>({1, 2, 5, 6});
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 5; ++h)
            for (std::size_t w = 0; w < 6; ++w)
                x(0, c, h, w) =
                    std::sin(0.9 + 2.3 * double(c) + 0.61 * double(h) + 0.37 * double(w));
    for (const CeilCase& c : kCeilCases) {
        BOOST_TEST_CONTEXT(c.label) {
            const Window2d win{.kernel = {c.kernel, c.kernel},
                               .stride = {c.stride, c.stride},
                               .padding = {c.padding, c.padding}};
            const auto f = [win, maximum = c.maximum](const std::vector<Tensord>& v) {
                return maximum ? max_pool2d(v[0], win, true) : avg_pool2d(v[0], win, true);
            };
            const Tensord y = f({Tensord(x)});
            BOOST_TEST_REQUIRE((y.shape() == Shape{1, 2, c.grid[0], c.grid[1]}));
            double worst = 0;
            for (std::size_t i = 0; i < c.expected.size(); ++i)
                worst = std::max(worst, std::abs(y.value().data()[i] - c.expected[i]));
            BOOST_TEST(worst < 1e-15);
            BOOST_TEST(gradcheck<double>(f, {x}, tight()).ok);
            BOOST_TEST(gradgradcheck<double>(f, {x}, tight()).ok);
            BOOST_TEST(tangentcheck<double>(f, {x}, tight()).ok);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_gradient_of_a_tied_maximum_goes_to_the_first) {
    Tensord x = Tensord::parameter(Array<double>{{1.0, 3.0, 3.0}, {2.0, 2.0, 0.0}});
    sum(max(x, 1)).backward();
    BOOST_TEST(x.grad()(0, 1) == 1.0);
    BOOST_TEST(x.grad()(0, 2) == 0.0);
    BOOST_TEST(x.grad()(1, 0) == 1.0);
    BOOST_TEST(x.grad()(1, 1) == 0.0);
    Tensord y = Tensord::parameter(Array<double>{{1.0, -3.0, -3.0}});
    sum(min(y, 1)).backward();
    BOOST_TEST(y.grad()(0, 1) == 1.0);
    BOOST_TEST(y.grad()(0, 2) == 0.0);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_the_sizes) {
    const Tensord x(Array<double>(xt::zeros<double>({1, 3, 4, 4})));
    const Tensord w1(Array<double>(xt::zeros<double>({2, 1, 3, 3})));
    auto message = [](auto&& f) {
        try {
            f();
        } catch (const ShapeError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const auto channels = message([&] { conv2d(x, w1, Tensord()); });
    BOOST_TEST(channels.find("conv2d") != std::string::npos, channels);
    BOOST_TEST(channels.find("(1, 3, 4, 4)") != std::string::npos, channels);
    BOOST_TEST(channels.find("(2, 1, 3, 3)") != std::string::npos, channels);
    const auto large = message([&] { max_pool2d(x, {.kernel = {5, 5}}); });
    BOOST_TEST(large.find("max_pool2d") != std::string::npos, large);
    BOOST_TEST(large.find("more than the padded input") != std::string::npos, large);
    const auto stride = message([&] { avg_pool2d(x, {.kernel = {2, 2}, .stride = {0, 1}}); });
    BOOST_TEST(stride.find("must be positive") != std::string::npos, stride);
    const auto rank = message([&] { unfold(Tensord(Array<double>{1.0, 2.0}), {}); });
    BOOST_TEST(rank.find("(N, C, H, W)") != std::string::npos, rank);
}

BOOST_AUTO_TEST_SUITE_END()
