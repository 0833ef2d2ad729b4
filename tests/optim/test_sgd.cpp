// SGD against closed forms and against PyTorch 1.13 (values printed by make_sgd_reference.py).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <optional>

#include <xtgrad/autograd/ops.hpp>
#include <xtgrad/optim/sgd.hpp>

#include "../support/close.hpp"

using namespace xtgrad;
using optim::SGD;
using optim::SGDOptions;
using xtgrad::testing::check_close;

namespace {

struct TorchCase {
    const char* name;
    std::vector<double> weight, bias, weight_velocity, bias_velocity;
};

// clang-format off
const std::vector<TorchCase> kTorchReference = {
{"plain", {0.41151648225560433, -1.965209676597597, 1.4702951724248625, 0.6330066031627656, -0.21929013139318076, 1.1820378386245192}, {0.11509350118269829, -0.5971895165912211, -0.04702569538667801},
  {}, {}},
{"momentum", {0.33981996133242126, -2.835942040893374, 0.8340571555412354, 0.5245481587968047, -0.3281718687198218, 0.8171402885613807}, {0.04884710050611198, -0.8042133871562505, -0.1281459212156784},
  {0.799668142796832, 7.347466760444754, 3.944153249275147, 1.0241713067404663, 1.102820903806574, 2.50725995008927}, {0.78063153970926, 1.854062506050004, 0.8940005634956841}},
{"momentum_weight_decay", {0.33556666827615617, -2.8185699463792018, 0.8209488233474707, 0.5184172552342534, -0.3269480750439018, 0.8064300204272222}, {0.04714283943867558, -0.7996131693085234, -0.12843760804297058},
  {0.8150562470189175, 7.261808456695588, 3.982885714648172, 1.045740738008822, 1.0971582890303528, 2.5411978239306263}, {0.7867384357057694, 1.8335698864586052, 0.8945671170697385}},
{"dampening", {0.37634065921953047, -2.439131675492056, 1.003352801444517, 0.5699877392857375, -0.27142359002150457, 0.9261304100946565}, {0.08686631115641137, -0.7063952233745387, -0.08320978745610655},
  {0.5903866361325193, 5.045232914210175, 3.227795371077459, 0.7757415980099822, 0.786858356638079, 2.0036585226731756}, {0.5620423387632838, 1.3163538180157381, 0.6397848010990257}},
{"nesterov", {0.264578740534004, -3.9805950626947304, 0.6329459575374378, 0.43357979081235487, -0.43820623258566854, 0.6540529745256339}, {-0.026022601577609054, -1.0082598227824422, -0.21489962858634204},
  {0.8059690319331861, 9.444624442560773, 3.4186192515710223, 1.0104601801563537, 1.150082916670843, 2.2758965986957334}, {0.7972715007457142, 2.0154935728806844, 0.9202231061995596}},
{"lr_schedule", {0.4247186468677645, -1.95225204050191, 1.4178069719482718, 0.6425782545290806, -0.20558726529627522, 1.1639806622219762}, {0.12973489338149577, -0.585686977959022, -0.032618944681194306},
  {0.5550860353692693, 4.026122910771726, 2.214892343795486, 0.676797757882861, 0.7188418676610264, 1.4699027877558573}, {0.5446155608215087, 1.1233342363297785, 0.6059665965531994}},
};
// clang-format on

SGDOptions options_for(const std::string& name) {
    if (name == "plain") return SGDOptions{.lr = 0.1};
    if (name == "momentum") return SGDOptions{.lr = 0.1, .momentum = 0.9};
    if (name == "momentum_weight_decay")
        return SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01};
    if (name == "dampening")
        return SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.3, .weight_decay = 0.01};
    if (name == "nesterov")
        return SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true};
    return SGDOptions{.lr = 0.1, .momentum = 0.5, .weight_decay = 0.001};  // lr_schedule
}

/// The gradient the reference script sets at step k: 0.5 p^2 - 0.3 p + 0.1 (k + 1).
void set_gradient(Tensor<double>& p, int k) {
    Array<double>& g = p.mutable_grad();
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double v = p.value().data()[i];
        g.data()[i] = 0.5 * v * v - 0.3 * v + 0.1 * (k + 1);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sgd)

BOOST_AUTO_TEST_CASE(matches_pytorch_1_13) {
    for (const auto& c : kTorchReference) {
        BOOST_TEST_CONTEXT(c.name) {
            auto w = Tensor<double>::parameter(Array<double>{{0.5, -1.25, 2.0}, {0.75, -0.1, 1.5}});
            auto b = Tensor<double>::parameter(Array<double>{0.2, -0.4, 0.05});
            SGD<double> opt({w, b}, options_for(c.name));
            const std::vector<double> schedule = {0.1, 0.1, 0.05, 0.05};
            for (int k = 0; k < 4; ++k) {
                if (std::string(c.name) == "lr_schedule")
                    opt.set_lr(schedule[static_cast<std::size_t>(k)]);
                opt.zero_grad();
                set_gradient(w, k);
                set_gradient(b, k);
                opt.step();
            }
            check_close(w.value(), c.weight, "weight");
            check_close(b.value(), c.bias, "bias");
            if (c.weight_velocity.empty()) {
                BOOST_TEST(!opt.velocity(0).has_value());
            } else {
                check_close(*opt.velocity(0), c.weight_velocity, "weight velocity");
                check_close(*opt.velocity(1), c.bias_velocity, "bias velocity");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(closed_form_momentum_and_weight_decay_is_the_lab_update) {
    // v1 = g + wd p0; p1 = p0 - lr v1; v2 = m v1 + (g + wd p1); p2 = p1 - lr v2.
    auto p = Tensor<double>::parameter(Array<double>{1.0});
    SGD<double> opt({p}, SGDOptions{.lr = 0.5, .momentum = 0.9, .weight_decay = 0.1});
    const double g = 2.0;
    p.mutable_grad()(0) = g;
    opt.step();
    const double v1 = g + 0.1 * 1.0;
    const double p1 = 1.0 - 0.5 * v1;
    BOOST_TEST(p.value()(0) == p1);
    opt.zero_grad();
    p.mutable_grad()(0) = g;
    opt.step();
    const double v2 = 0.9 * v1 + (g + 0.1 * p1);
    BOOST_TEST(p.value()(0) == p1 - 0.5 * v2);
    BOOST_TEST((*opt.velocity(0))(0) == v2);
}

BOOST_AUTO_TEST_CASE(float32_step_follows_float64_closely) {
    auto p32 = Tensor<float>::parameter(Array<float>{0.3f, -0.7f});
    auto p64 = Tensor<double>::parameter(Array<double>{0.3f, -0.7f});
    SGD<float> o32({p32}, SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 2e-4});
    SGD<double> o64({p64}, SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 2e-4});
    for (int k = 0; k < 5; ++k) {
        o32.zero_grad();
        o64.zero_grad();
        sum(square(p32)).backward();
        sum(square(p64)).backward();
        o32.step();
        o64.step();
    }
    for (std::size_t i = 0; i < 2; ++i)
        BOOST_TEST(std::abs(p32.value()(i) - p64.value()(i)) < 1e-6);
}

BOOST_AUTO_TEST_CASE(parameters_without_gradients_are_left_alone) {
    auto used = Tensor<double>::parameter(Array<double>{1.0});
    auto unused = Tensor<double>::parameter(Array<double>{5.0});
    SGD<double> opt({used, unused}, SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.5});
    sum(used * 3.0).backward();
    opt.step();
    BOOST_TEST(unused.value()(0) == 5.0);
    BOOST_TEST(!opt.velocity(1).has_value());
    BOOST_TEST(used.value()(0) == 1.0 - 0.1 * (3.0 + 0.5));
}

BOOST_AUTO_TEST_CASE(velocity_is_readable_and_writable) {
    auto p = Tensor<double>::parameter(Array<double>{1.0, 2.0});
    SGD<double> opt({p}, SGDOptions{.lr = 1.0, .momentum = 0.5});
    opt.set_velocity(0, Array<double>{10.0, 20.0});
    p.mutable_grad() = Array<double>{1.0, 1.0};
    opt.step();  // v = 0.5 * v + g
    BOOST_TEST((*opt.velocity(0))(0) == 6.0);
    BOOST_TEST(p.value()(1) == 2.0 - 11.0);
    BOOST_CHECK_THROW(opt.set_velocity(0, Array<double>{1.0}), ShapeError);
}

BOOST_AUTO_TEST_CASE(bad_options_and_parameter_lists_are_rejected) {
    auto p = Tensor<double>::parameter(Array<double>{1.0});
    BOOST_CHECK_THROW(SGD<double>(std::vector<Tensor<double>>{}, SGDOptions{.lr = 0.1}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({Tensor<double>(Array<double>{1.0})}, SGDOptions{.lr = 0.1}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.lr = -0.1}), std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.lr = 0.1, .momentum = -1}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.lr = 0.1, .dampening = 2}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.lr = 0.1, .nesterov = true}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.lr = std::nan("")}), std::invalid_argument);
    SGD<double> opt({p}, SGDOptions{.lr = 0.1});
    BOOST_CHECK_THROW(opt.set_lr(-1), std::invalid_argument);
    BOOST_TEST(opt.options().lr == 0.1);
    BOOST_CHECK_THROW(SGD<double>({p}, SGDOptions{.momentum = 0.9}), std::invalid_argument);
    try {
        SGD<double>({p, p}, SGDOptions{.lr = 0.1});  // updated twice per step, PyTorch warns
        BOOST_FAIL("a parameter listed twice was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("listed twice") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(reading_a_fresh_gradient_does_not_make_it_stepped) {
    // grad() reads zeros without defining the gradient, so weight decay does not move a
    // parameter that received no gradient (as in PyTorch, where its .grad stays None).
    auto p = Tensor<double>::parameter(Array<double>{1.0, -2.0});
    const Tensor<double>& view = p;
    BOOST_TEST(view.grad()(0) == 0.0);
    BOOST_TEST(!p.has_grad());
    SGD<double> opt({p}, SGDOptions{.lr = 0.1, .weight_decay = 0.5});
    opt.step();
    BOOST_TEST(p.value()(0) == 1.0);
    BOOST_TEST(p.value()(1) == -2.0);
}

BOOST_AUTO_TEST_CASE(weight_decay_without_momentum_matches_pytorch) {
    // torch.optim.SGD([p], lr=0.1, weight_decay=0.5) with p = [1, -2], grad = [3, 4]:
    // p - 0.1 * (g + 0.5 p) = [0.65, -2.3].
    auto p = Tensor<double>::parameter(Array<double>{1.0, -2.0});
    SGD<double> opt({p}, SGDOptions{.lr = 0.1, .weight_decay = 0.5});
    p.mutable_grad() = Array<double>{3.0, 4.0};
    opt.step();
    BOOST_TEST(p.value()(0) == 0.65, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.value()(1) == -2.3, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(a_gradient_or_buffer_of_another_shape_is_refused_by_name) {
    for (const double momentum : {0.0, 0.9}) {
        auto p = Tensor<double>::parameter(Array<double>{1.0, 2.0});
        p.set_name("fc1.weight");
        SGD<double> opt({p}, SGDOptions{.lr = 0.1, .momentum = momentum});
        sum(p * 2.0).backward();
        opt.step();
        // A larger value after backward: the old gradient no longer fits.
        sum(p * 2.0).backward();
        p.mutable_value() = Array<double>{1.0, 2.0, 3.0};
        try {
            opt.step();
            BOOST_FAIL("a stale gradient was applied");
        } catch (const ShapeError& e) {
            BOOST_TEST(std::string(e.what()).find("fc1.weight") != std::string::npos, e.what());
        }
        // A resized gradient would update only part of the parameter.
        p.mutable_value() = Array<double>{1.0, 2.0};
        p.mutable_grad() = Array<double>{1.0};
        BOOST_CHECK_THROW(opt.step(), ShapeError);
    }
}

BOOST_AUTO_TEST_SUITE_END()
