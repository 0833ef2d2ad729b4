// Learning-rate schedules and gradient clipping against PyTorch 1.13 (values printed by
// make_optim_reference.py): the rate after each of 12 epochs from a base of 1.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>

#include <xtgrad/optim/optim.hpp>

using namespace xtgrad;
using namespace xtgrad::optim;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct ScheduleCase {
    const char* name;
    std::vector<double> lrs;
};

// clang-format off
const std::vector<ScheduleCase> kTorchSchedules = {
{"step", {1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.0625}},
{"multistep", {1.0, 0.3, 0.3, 0.3, 0.09, 0.027, 0.027, 0.027, 0.027, 0.027, 0.027, 0.027}},
{"exponential", {0.8, 0.6400000000000001, 0.5120000000000001, 0.40960000000000013, 0.32768000000000014, 0.2621440000000001, 0.2097152000000001, 0.1677721600000001, 0.13421772800000006, 0.10737418240000006, 0.08589934592000005, 0.06871947673600004}},
{"cosine", {0.9336825748732972, 0.7525000000000001, 0.505, 0.2575000000000001, 0.07631742512670284, 0.01, 0.07631742512670284, 0.2575, 0.5050000000000003, 0.7525000000000007, 0.9336825748732979, 1.0000000000000009}},
{"warmup_cosine", {0.4809698831278217, 0.6401650429449552, 0.6913417161825449, 0.5, 0.30865828381745514, 0.14644660940672627, 0.03806023374435664, 0.0, 0.03806023374435663, 0.14644660940672638, 0.3086582838174553, 0.5000000000000006}},
{"warmup_step", {0.625, 0.75, 0.875, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002}},
{"plateau", {1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25}},
{"plateau_max_abs", {1.0, 1.0, 0.2, 0.2, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05}},
};

struct ClipCase {
    const char* name;
    double norm_type, max_norm, total;
    std::vector<double> weight_grad, bias_grad;
};

const std::vector<ClipCase> kTorchClipping = {
{"l2", 2.0, 1.0, 3.279958079000401, {0.09146455573812459, -0.36585822295249837, 0.7622046311510383, 0.0, 0.2134172967222907, -0.12195274098416614}, {0.457322778690623, -0.07622046311510383, 0.038110231557551916}},
{"l1", 1.0, 2.0, 6.9750000000000005, {0.08602149304351354, -0.3440859721740542, 0.7168457753626128, 0.0, 0.20071681710153158, -0.11469532405801806}, {0.4301074652175677, -0.07168457753626128, 0.03584228876813064}},
{"inf", kInf, 0.5, 2.5, {0.0599999760000096, -0.2399999040000384, 0.49999980000008, 0.0, 0.13999994400002239, -0.0799999680000128}, {0.299999880000048, -0.049999980000008, 0.024999990000004}},
{"unclipped", 2.0, 100.0, 3.279958079000401, {0.3, -1.2, 2.5, 0.0, 0.7, -0.4}, {1.5, -0.25, 0.125}},
};
// clang-format on

// Worse every epoch after the second: ReduceOnPlateau's cooldown then decides when it acts.
const std::vector<double> kMetric = {1.0,  0.9,  0.95, 0.91, 0.92, 0.93,
                                     0.94, 0.95, 0.96, 0.97, 0.98, 0.99};

std::unique_ptr<LrScheduler> make(const std::string& name, LearningRates& o) {
    if (name == "step") return std::make_unique<StepDecay>(o, StepDecay::Options{3, 0.5});
    if (name == "multistep")
        return std::make_unique<MultiStepDecay>(o, MultiStepDecay::Options{{2, 5, 6}, 0.3});
    if (name == "exponential")
        return std::make_unique<ExponentialDecay>(o, ExponentialDecay::Options{0.8});
    if (name == "cosine")
        return std::make_unique<CosineAnnealing>(o, CosineAnnealing::Options{6, 0.01});
    if (name == "warmup_cosine")
        return std::make_unique<Warmup>(
            o, Warmup::Options{3, 0.25},
            std::make_unique<CosineAnnealing>(o, CosineAnnealing::Options{8, 0}));
    if (name == "warmup_step")
        return std::make_unique<Warmup>(o, Warmup::Options{4, 0.5},
                                        std::make_unique<StepDecay>(o, StepDecay::Options{5, 0.1}));
    if (name == "plateau")
        return std::make_unique<ReduceOnPlateau>(
            o, ReduceOnPlateau::Options{
                   .factor = 0.5, .patience = 2, .threshold = 0.01, .cooldown = 1});
    if (name == "plateau_max_abs")
        return std::make_unique<ReduceOnPlateau>(o, ReduceOnPlateau::Options{.maximize = true,
                                                                             .factor = 0.2,
                                                                             .patience = 1,
                                                                             .threshold = 0.05,
                                                                             .relative = false,
                                                                             .min_lr = 0.05});
    throw std::logic_error("no schedule for case " + name);
}

Tensor<double> parameter() {
    return Tensor<double>::parameter(Array<double>{0.0});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(schedules)

BOOST_AUTO_TEST_CASE(match_pytorch_1_13) {
    for (const auto& c : kTorchSchedules) {
        BOOST_TEST_CONTEXT(c.name) {
            SGD<double> sgd({parameter()}, {.lr = 1.0});
            const auto schedule = make(c.name, sgd);
            double worst = 0;
            for (std::size_t epoch = 0; epoch < c.lrs.size(); ++epoch) {
                schedule->step(kMetric[epoch]);
                worst = std::max(worst, std::abs(sgd.lr() - c.lrs[epoch]));
                BOOST_TEST(std::abs(sgd.lr() - c.lrs[epoch]) <= 1e-12,
                           "after epoch " << epoch + 1 << ": " << sgd.lr() << " vs torch "
                                          << c.lrs[epoch]);
            }
            BOOST_TEST_MESSAGE(c.name << ": largest difference from torch " << worst);
        }
    }
}

BOOST_AUTO_TEST_CASE(each_group_scales_from_its_own_base) {
    auto a = parameter(), b = parameter();
    SGD<double> sgd(
        std::vector<ParamGroup<double>>{{.parameters = {a}}, {.parameters = {b}, .lr = 0.5}},
        {.lr = 0.1});
    StepDecay schedule(sgd, {.step_size = 1, .gamma = 0.5});
    schedule.step();
    BOOST_TEST(sgd.lr(0) == 0.05);
    BOOST_TEST(sgd.lr(1) == 0.25);
}

BOOST_AUTO_TEST_CASE(a_restored_schedule_continues_where_it_stopped) {
    for (const auto& c : kTorchSchedules) {
        BOOST_TEST_CONTEXT(c.name) {
            SGD<double> first({parameter()}, {.lr = 1.0});
            const auto before = make(c.name, first);
            for (std::size_t epoch = 0; epoch < 7; ++epoch) before->step(kMetric[epoch]);
            io::Archive archive;
            before->store_state(archive);
            SGD<double> second({parameter()}, {.lr = 1.0});
            const auto after = make(c.name, second);
            after->restore_state(archive);
            BOOST_TEST(second.lr() == first.lr());
            for (std::size_t epoch = 7; epoch < 12; ++epoch) {
                before->step(kMetric[epoch]);
                after->step(kMetric[epoch]);
                BOOST_TEST(second.lr() == first.lr(), "epoch " << epoch + 1);
            }
        }
    }
    SGD<double> sgd({parameter()}, {.lr = 1.0});
    StepDecay step(sgd, {3, 0.5});
    io::Archive archive;
    step.store_state(archive);
    CosineAnnealing cosine(sgd, {.t_max = 3});
    BOOST_CHECK_THROW(cosine.restore_state(archive), io::ArchiveError);
    StepDecay other(sgd, {3, 0.25});
    BOOST_CHECK_THROW(other.restore_state(archive), io::ArchiveError);
}

BOOST_AUTO_TEST_CASE(a_warmup_in_steps_moves_the_rate_after_every_step) {
    // LinearLR(start_factor 0.2, total_iters 4) stepped per batch: 0.2, 0.4, 0.6, 0.8, 1, then 1;
    // times the epoch schedule it wraps (cosine over 4 epochs, stepped per epoch).
    SGD<double> sgd({parameter()}, {.lr = 1.0});
    Warmup warmup(sgd, {.epochs = 0, .start_factor = 0.2, .steps = 4},
                  std::make_unique<CosineAnnealing>(sgd, CosineAnnealing::Options{4, 0}));
    BOOST_TEST(sgd.lr() == 0.2, boost::test_tools::tolerance(1e-15));
    for (std::size_t step = 1; step <= 6; ++step) {
        warmup.batch_done();
        const double factor = 0.2 + 0.8 * static_cast<double>(std::min<std::size_t>(step, 4)) / 4;
        BOOST_TEST(sgd.lr() == factor, boost::test_tools::tolerance(1e-15));
    }
    warmup.step();  // an epoch: cosine at 1 of 4
    BOOST_TEST(sgd.lr() == (1 + std::cos(std::numbers::pi / 4)) / 2,
               boost::test_tools::tolerance(1e-15));
    // Restored mid-warmup, the step count continues.
    SGD<double> a({parameter()}, {.lr = 1.0}), b({parameter()}, {.lr = 1.0});
    Warmup wa(a, {.epochs = 0, .start_factor = 0.2, .steps = 4});
    Warmup wb(b, {.epochs = 0, .start_factor = 0.2, .steps = 4});
    wa.batch_done();
    wa.batch_done();
    io::Archive archive;
    wa.store_state(archive);
    wb.restore_state(archive);
    BOOST_TEST(b.lr() == a.lr());
    wa.batch_done();
    wb.batch_done();
    BOOST_TEST(b.lr() == a.lr());
    BOOST_TEST(wb.batches_done() == 3u);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused) {
    SGD<double> sgd({parameter()}, {.lr = 1.0});
    BOOST_CHECK_THROW(StepDecay(sgd, {.step_size = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(MultiStepDecay(sgd, {.milestones = {5, 2}}), std::invalid_argument);
    BOOST_CHECK_THROW(CosineAnnealing(sgd, {.t_max = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(ReduceOnPlateau(sgd, {.factor = 1.0}), std::invalid_argument);
    BOOST_CHECK_THROW(Warmup(sgd, {.epochs = 0}), std::invalid_argument);  // nor steps
    ReduceOnPlateau plateau(sgd, {});
    BOOST_CHECK_THROW(plateau.step(), std::invalid_argument);  // it needs its metric
}

BOOST_AUTO_TEST_CASE(clip_grad_norm_matches_pytorch_1_13) {
    for (const auto& c : kTorchClipping) {
        BOOST_TEST_CONTEXT(c.name) {
            auto w = Tensor<double>::parameter(Array<double>{{0.5, -1.25, 2.0}, {0.75, -0.1, 1.5}});
            auto b = Tensor<double>::parameter(Array<double>{0.2, -0.4, 0.05});
            w.mutable_grad() = Array<double>{{0.3, -1.2, 2.5}, {0.0, 0.7, -0.4}};
            b.mutable_grad() = Array<double>{1.5, -0.25, 0.125};
            const double total =
                clip_grad_norm<double>({w, b}, c.max_norm, {.norm_type = c.norm_type});
            BOOST_TEST(std::abs(total - c.total) <= 1e-12 * c.total);
            for (std::size_t i = 0; i < 6; ++i)
                BOOST_TEST(std::abs(w.grad().data()[i] - c.weight_grad[i]) <= 1e-12);
            for (std::size_t i = 0; i < 3; ++i)
                BOOST_TEST(std::abs(b.grad().data()[i] - c.bias_grad[i]) <= 1e-12);
        }
    }
}

BOOST_AUTO_TEST_CASE(clipping_by_value_and_non_finite_norms) {
    auto w = Tensor<double>::parameter(Array<double>{0.0, 0.0, 0.0});
    w.mutable_grad() = Array<double>{-3.0, 0.5, 2.0};
    clip_grad_value<double>({w}, 1.0);
    BOOST_TEST(w.grad() == (Array<double>{-1.0, 0.5, 1.0}), boost::test_tools::per_element());
    w.mutable_grad()(1) = std::nan("");
    BOOST_TEST(std::isnan(clip_grad_norm<double>({w}, 1.0)));
    BOOST_CHECK_THROW(clip_grad_norm<double>({w}, 1.0, {.error_if_nonfinite = true}),
                      std::domain_error);
    auto untouched = Tensor<double>::parameter(Array<double>{1.0});
    BOOST_TEST(clip_grad_norm<double>({untouched}, 1.0) == 0.0);  // no gradient: nothing to clip
}

BOOST_AUTO_TEST_SUITE_END()
