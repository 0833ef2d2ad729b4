#include "xtgrad/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <xtensor/xadapt.hpp>

namespace xtgrad::optim {

namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("learning-rate schedule: " + what);
}

Array<double> to_array(const std::vector<double>& values) {
    return Array<double>(xt::adapt(values, {values.size()}));
}

std::vector<double> to_vector(const Array<double>& values) {
    return {values.begin(), values.end()};
}

}  // namespace

LrScheduler::LrScheduler(LearningRates& optimizer) : optimizer_(optimizer) {
    for (std::size_t g = 0; g < optimizer.group_count(); ++g) bases_.push_back(optimizer.lr(g));
}

void LrScheduler::step(double metric) {
    observe(metric);
    ++epoch_;
    apply();
}

void LrScheduler::batch_done() {
    ++batches_;
    if (moves_per_batch()) apply();
}

void LrScheduler::apply() {
    for (std::size_t g = 0; g < bases_.size(); ++g) optimizer_.set_lr(g, lr_at(bases_[g], epoch_));
}

void LrScheduler::store_state(io::Archive& archive) const {
    archive.put("schedule/kind", kind());
    archive.put("schedule/settings", to_array(settings()));
    archive.put("schedule/epochs", std::vector<std::uint64_t>{epoch_, batches_});
    archive.put("schedule/base-lr", to_array(bases_));
    archive.put("schedule/memory", to_array(memory()));
}

void LrScheduler::restore_state(const io::Archive& archive) {
    const auto fail = [&](const std::string& defect) {
        throw io::ArchiveError(archive.source(), defect);
    };
    const std::string saved =
        archive.contains("schedule/kind") ? archive.text("schedule/kind") : std::string("none");
    if (saved != kind()) fail("holds learning-rate schedule '" + saved + "', not '" + kind() + "'");
    if (to_vector(archive.array<double>("schedule/settings")) != settings())
        fail("its '" + kind() + "' schedule has other settings");
    const auto& epochs = archive.integers("schedule/epochs");
    const auto bases = to_vector(archive.array<double>("schedule/base-lr"));
    if (epochs.size() != 2 || bases.size() != bases_.size())
        fail("its schedule is for " + std::to_string(bases.size()) + " parameter groups, not " +
             std::to_string(bases_.size()));
    const auto memory = to_vector(archive.array<double>("schedule/memory"));
    if (memory.size() != this->memory().size()) fail("its schedule state is malformed");
    this->restore_memory(memory);
    bases_ = bases;
    epoch_ = epochs[0];
    batches_ = epochs[1];
    apply();
}

StepDecay::StepDecay(LearningRates& optimizer, const Options& options)
    : LrScheduler(optimizer), options_(options) {
    require(options.step_size > 0, "step size must be > 0");
    require(std::isfinite(options.gamma) && options.gamma > 0, "gamma must be > 0");
    apply();
}

double StepDecay::lr_at(double base, std::size_t epoch) const {
    return base * std::pow(options_.gamma, static_cast<double>(epoch / options_.step_size));
}

std::vector<double> StepDecay::settings() const {
    return {static_cast<double>(options_.step_size), options_.gamma};
}

MultiStepDecay::MultiStepDecay(LearningRates& optimizer, const Options& options)
    : LrScheduler(optimizer), options_(options) {
    require(std::is_sorted(options.milestones.begin(), options.milestones.end()),
            "milestones must be in increasing order");
    require(std::isfinite(options.gamma) && options.gamma > 0, "gamma must be > 0");
    apply();
}

double MultiStepDecay::lr_at(double base, std::size_t epoch) const {
    const auto passed =
        std::upper_bound(options_.milestones.begin(), options_.milestones.end(), epoch) -
        options_.milestones.begin();
    return base * std::pow(options_.gamma, static_cast<double>(passed));
}

std::vector<double> MultiStepDecay::settings() const {
    std::vector<double> s{options_.gamma};
    for (std::size_t m : options_.milestones) s.push_back(static_cast<double>(m));
    return s;
}

ExponentialDecay::ExponentialDecay(LearningRates& optimizer, const Options& options)
    : LrScheduler(optimizer), options_(options) {
    require(std::isfinite(options.gamma) && options.gamma > 0, "gamma must be > 0");
    apply();
}

double ExponentialDecay::lr_at(double base, std::size_t epoch) const {
    return base * std::pow(options_.gamma, static_cast<double>(epoch));
}

CosineAnnealing::CosineAnnealing(LearningRates& optimizer, const Options& options)
    : LrScheduler(optimizer), options_(options) {
    require(options.t_max > 0, "t_max must be > 0");
    require(std::isfinite(options.eta_min) && options.eta_min >= 0, "eta_min must be >= 0");
    apply();
}

double CosineAnnealing::lr_at(double base, std::size_t epoch) const {
    const double phase =
        std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(options_.t_max);
    return options_.eta_min + (base - options_.eta_min) * (1 + std::cos(phase)) / 2;
}

std::vector<double> CosineAnnealing::settings() const {
    return {static_cast<double>(options_.t_max), options_.eta_min};
}

ReduceOnPlateau::ReduceOnPlateau(LearningRates& optimizer, const Options& options)
    : LrScheduler(optimizer),
      options_(options),
      best_(options.maximize ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity()) {
    require(options.factor > 0 && options.factor < 1, "the plateau factor must be in (0, 1)");
    require(std::isfinite(options.threshold) && options.threshold >= 0,
            "the plateau threshold must be >= 0");
    require(std::isfinite(options.min_lr) && options.min_lr >= 0, "min_lr must be >= 0");
    apply();
}

bool ReduceOnPlateau::better(double metric) const {
    const double t = options_.threshold;
    if (options_.maximize) return options_.relative ? metric > best_ * (1 + t) : metric > best_ + t;
    return options_.relative ? metric < best_ * (1 - t) : metric < best_ - t;
}

double ReduceOnPlateau::scaled(double base, std::size_t reductions) const {
    // PyTorch multiplies the current rate once per reduction and skips a change under eps.
    double lr = base;
    for (std::size_t k = 0; k < reductions; ++k) {
        const double next = std::max(lr * options_.factor, options_.min_lr);
        if (lr - next > options_.eps) lr = next;
    }
    return lr;
}

double ReduceOnPlateau::lr_at(double base, std::size_t) const {
    return scaled(base, reductions_);
}

void ReduceOnPlateau::observe(double metric) {
    if (std::isnan(metric))
        throw std::invalid_argument("ReduceOnPlateau: step() needs the metric it watches");
    if (better(metric)) {
        best_ = metric;
        bad_epochs_ = 0;
    } else {
        ++bad_epochs_;
    }
    if (cooldown_left_ > 0) {
        --cooldown_left_;
        bad_epochs_ = 0;
    }
    if (bad_epochs_ > options_.patience) {
        ++reductions_;
        cooldown_left_ = options_.cooldown;
        bad_epochs_ = 0;
    }
}

std::vector<double> ReduceOnPlateau::settings() const {
    return {options_.maximize ? 1.0 : 0.0,
            options_.factor,
            static_cast<double>(options_.patience),
            options_.threshold,
            options_.relative ? 1.0 : 0.0,
            static_cast<double>(options_.cooldown),
            options_.min_lr,
            options_.eps};
}

std::vector<double> ReduceOnPlateau::memory() const {
    return {best_, static_cast<double>(bad_epochs_), static_cast<double>(cooldown_left_),
            static_cast<double>(reductions_)};
}

void ReduceOnPlateau::restore_memory(const std::vector<double>& memory) {
    best_ = memory[0];
    bad_epochs_ = static_cast<std::size_t>(memory[1]);
    cooldown_left_ = static_cast<std::size_t>(memory[2]);
    reductions_ = static_cast<std::size_t>(memory[3]);
}

Warmup::Warmup(LearningRates& optimizer, const Options& options, std::unique_ptr<LrScheduler> then)
    : LrScheduler(optimizer), options_(options), then_(std::move(then)) {
    require(options.epochs > 0 || options.steps > 0, "warmup epochs or steps must be > 0");
    require(options.start_factor > 0 && options.start_factor <= 1,
            "the warmup start factor must be in (0, 1]");
    if (then_) bases_ = then_->bases_;  // it may have moved the rates already
    apply();
}

double Warmup::lr_at(double base, std::size_t epoch) const {
    const std::size_t length = options_.steps > 0 ? options_.steps : options_.epochs;
    const std::size_t progress = options_.steps > 0 ? batches_done() : epoch;
    const double done =
        static_cast<double>(std::min(progress, length)) / static_cast<double>(length);
    const double factor = options_.start_factor + (1 - options_.start_factor) * done;
    return (then_ ? then_->lr_at(base, epoch) : base) * factor;
}

std::string Warmup::kind() const {
    return then_ ? "warmup+" + then_->kind() : std::string("warmup");
}

std::vector<double> Warmup::settings() const {
    std::vector<double> s{static_cast<double>(options_.epochs), options_.start_factor,
                          static_cast<double>(options_.steps)};
    if (then_)
        for (double v : then_->settings()) s.push_back(v);
    return s;
}

void Warmup::observe(double metric) {
    if (then_) then_->observe(metric);
}

std::vector<double> Warmup::memory() const {
    return then_ ? then_->memory() : std::vector<double>{};
}

void Warmup::restore_memory(const std::vector<double>& memory) {
    if (then_) then_->restore_memory(memory);
}

}  // namespace xtgrad::optim
