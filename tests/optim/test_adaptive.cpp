// Adam, AdamW, RMSprop and Adagrad against PyTorch 1.13 (values printed by
// make_optim_reference.py): six steps from the SGD tests' parameters, to 1e-12 in float64.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <memory>

#include <xtgrad/optim/optim.hpp>

#include "../support/close.hpp"

using namespace xtgrad;
using xtgrad::testing::check_close;
using namespace xtgrad::optim;

namespace {

struct TorchCase {
    const char* name;
    std::vector<double> weight, bias;
};

// clang-format off
const std::vector<TorchCase> kTorchReference = {
{"adam", {0.4205144262072003, -1.5422504693602004, 1.7161194028920304, 0.635804303420324, -0.23520607504731034, 1.2436677957267386}, {0.11894956516511555, -0.6155792164309428, -0.05180946138505873}},
{"adam_wd_amsgrad", {0.40781534592514307, -1.5392678276597294, 1.7176368328510851, 0.61433350287003, -0.21450980273275827, 1.2398913080107778}, {0.12228095832364728, -0.590543986080681, -0.039503485781007666}},
{"adamw", {0.4078474550125669, -1.500970451243212, 1.6619106262656436, 0.616974739619604, -0.2295728889534244, 1.2049209338497282}, {0.11475400877813124, -0.5995748493715067, -0.05126258853928009}},
{"adamw_amsgrad", {0.419132487704782, -1.5011416985996984, 1.662012702888101, 0.6274032653708397, -0.21939521670133824, 1.2113326080959739}, {0.12630810080592453, -0.5921029480171768, -0.04005512534596447}},
{"rmsprop", {0.42556541694123906, -1.6136059446858475, 1.690752977739804, 0.6386635063418982, -0.24361635761460618, 1.2338689106454048}, {0.12303502100869765, -0.6505171669639284, -0.05205856732864987}},
{"rmsprop_centered_momentum", {0.4172913924096835, -1.6038458232862864, 1.671041885620832, 0.6282214994410354, -0.21584453616206195, 1.2177622733587228}, {0.12549719846657306, -0.5993544051702873, -0.038901880591064884}},
{"adagrad", {0.4258754082963824, -1.611522557710033, 1.692669406440129, 0.639158227613303, -0.24306228264605145, 1.2355822489039447}, {0.12330724277669672, -0.6490954165709206, -0.051707280102725725}},
{"adagrad_decay", {0.43905866991536596, -1.5733635846853988, 1.7192873029803522, 0.6535464915684475, -0.21305296774096766, 1.2608530906014963}, {0.14099028022760932, -0.6057585605919432, -0.028876814192509537}},
{"adam_groups", {0.3967121560847899, -1.5404585866766585, 1.7133462482666593, 0.6035988467588419, -0.22574853865871133, 1.2333481710410947}, {0.18458189555286603, -0.4392467556516524, 0.03139015454535222}},
};
// clang-format on

using Params = std::vector<Tensor<double>>;

/// The optimizer of each reference case, built as PyTorch's script builds it.
std::unique_ptr<Optimizer<double>> make(const std::string& name, Tensor<double> w,
                                        Tensor<double> b) {
    const Params both{w, b};
    if (name == "adam") return std::make_unique<Adam<double>>(both, AdamOptions{.lr = 0.05});
    if (name == "adam_wd_amsgrad")
        return std::make_unique<Adam<double>>(both, AdamOptions{.lr = 0.05,
                                                                .beta1 = 0.8,
                                                                .beta2 = 0.99,
                                                                .eps = 1e-6,
                                                                .weight_decay = 0.1,
                                                                .amsgrad = true});
    if (name == "adamw")
        return std::make_unique<AdamW<double>>(both, AdamWOptions{.lr = 0.05, .weight_decay = 0.1});
    if (name == "adamw_amsgrad")
        return std::make_unique<AdamW<double>>(
            both,
            AdamWOptions{
                .lr = 0.05, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.1, .amsgrad = true});
    if (name == "rmsprop")
        return std::make_unique<RMSprop<double>>(both, RMSpropOptions{.lr = 0.01});
    if (name == "rmsprop_centered_momentum")
        return std::make_unique<RMSprop<double>>(both, RMSpropOptions{.lr = 0.01,
                                                                      .alpha = 0.9,
                                                                      .eps = 1e-6,
                                                                      .weight_decay = 0.05,
                                                                      .momentum = 0.8,
                                                                      .centered = true});
    if (name == "adagrad")
        return std::make_unique<Adagrad<double>>(both, AdagradOptions{.lr = 0.1});
    if (name == "adagrad_decay")
        return std::make_unique<Adagrad<double>>(both,
                                                 AdagradOptions{.lr = 0.1,
                                                                .lr_decay = 0.05,
                                                                .weight_decay = 0.01,
                                                                .initial_accumulator_value = 0.1,
                                                                .eps = 1e-8});
    if (name == "adam_groups")
        return std::make_unique<Adam<double>>(
            std::vector<ParamGroup<double>>{{.parameters = {w}},
                                            {.parameters = {b}, .lr = 0.01, .weight_decay = 0.0}},
            AdamOptions{.lr = 0.05, .weight_decay = 0.1});
    throw std::logic_error("no optimizer for case " + name);
}

/// The gradient the reference script sets at step k: 0.5 p^2 - 0.3 p + 0.5 cos(1.3 k).
void set_gradient(Tensor<double>& p, int k) {
    Array<double>& g = p.mutable_grad();
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double v = p.value().data()[i];
        g.data()[i] = 0.5 * v * v - 0.3 * v + 0.5 * std::cos(1.3 * k);
    }
}

Tensor<double> weight() {
    return Tensor<double>::parameter(Array<double>{{0.5, -1.25, 2.0}, {0.75, -0.1, 1.5}});
}
Tensor<double> bias() {
    return Tensor<double>::parameter(Array<double>{0.2, -0.4, 0.05});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adaptive_optimizers)

BOOST_AUTO_TEST_CASE(match_pytorch_1_13) {
    for (const auto& c : kTorchReference) {
        BOOST_TEST_CONTEXT(c.name) {
            auto w = weight();
            auto b = bias();
            const auto opt = make(c.name, w, b);
            for (int k = 0; k < 6; ++k) {
                opt->zero_grad();
                set_gradient(w, k);
                set_gradient(b, k);
                opt->step();
            }
            const double worst = std::max(check_close(w.value(), c.weight, "weight"),
                                          check_close(b.value(), c.bias, "bias"));
            BOOST_TEST_MESSAGE(c.name << ": largest difference from torch " << worst);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_resumes_every_optimizer_bit_for_bit) {
    for (const auto& c : kTorchReference) {
        BOOST_TEST_CONTEXT(c.name) {
            auto w = weight(), b = bias();
            auto w2 = weight(), b2 = bias();
            const auto straight = make(c.name, w, b);
            const auto resumed = make(c.name, w2, b2);
            const std::vector<std::string> names{"w", "b"};
            io::Archive saved;
            for (int k = 0; k < 6; ++k) {
                if (k == 3) {
                    straight->store_state(saved, names);
                    resumed->restore_state(saved, names);  // w2, b2 followed the same path
                }
                for (auto* o : {straight.get(), resumed.get()}) o->zero_grad();
                set_gradient(w, k);
                set_gradient(b, k);
                straight->step();
                if (k >= 3) {
                    set_gradient(w2, k);
                    set_gradient(b2, k);
                    resumed->step();
                } else {
                    w2.mutable_value() = w.value();
                    b2.mutable_value() = b.value();
                }
            }
            BOOST_TEST(w2.value() == w.value(), boost::test_tools::per_element());
            BOOST_TEST(b2.value() == b.value(), boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_options_are_named) {
    const Params p{weight()};
    const auto fails = [](const std::function<void()>& f, const std::string& fragment) {
        try {
            f();
            BOOST_FAIL("accepted; expected an error with '" << fragment << "'");
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
        }
    };
    fails([&] { Adam<double>(p, {.beta1 = 1.0}); }, "Adam: beta1 must be in [0, 1)");
    fails([&] { Adam<double>(p, {.beta2 = -0.1}); }, "beta2 must be in [0, 1)");
    fails([&] { AdamW<double>(p, {.eps = -1}); }, "AdamW: eps must be finite and >= 0");
    fails([&] { RMSprop<double>(p, {.alpha = 1.5}); }, "RMSprop: alpha must be in [0, 1]");
    fails([&] { Adagrad<double>(p, {.lr_decay = -1}); }, "Adagrad: lr_decay must be >= 0");
    fails([&] { Adam<double>(std::vector<ParamGroup<double>>{{.parameters = p, .lr = -1.0}}); },
          "the learning rate of group 0");
    fails(
        [&] {
            Adam<double>(std::vector<ParamGroup<double>>{{.parameters = p}, {.parameters = p}});
        },
        "listed twice");
    fails(
        [&] {
            Adam<double>(std::vector<ParamGroup<double>>{{.parameters = p}, {}});
        },
        "group 1 has no parameters");
}

BOOST_AUTO_TEST_CASE(defaults_are_pytorchs) {
    const AdamOptions adam;
    BOOST_TEST((adam.lr == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.eps == 1e-8 &&
                adam.weight_decay == 0 && !adam.amsgrad));
    BOOST_TEST(AdamWOptions{}.weight_decay == 1e-2);
    const RMSpropOptions rms;
    BOOST_TEST((rms.lr == 1e-2 && rms.alpha == 0.99 && rms.eps == 1e-8 && rms.momentum == 0));
    const AdagradOptions ada;
    BOOST_TEST((ada.lr == 1e-2 && ada.eps == 1e-10 && ada.initial_accumulator_value == 0));
}

BOOST_AUTO_TEST_SUITE_END()
