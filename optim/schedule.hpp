// Learning-rate schedules, matched to torch.optim.lr_scheduler (1.13). A schedule reads each
// parameter group's learning rate when it is made (its base) and, after every epoch, step()
// sets each group's rate from its base and the epochs done:
//
//     optim::CosineAnnealing schedule(optimizer, {.t_max = 10});
//     optim::Warmup warm(optimizer, {.epochs = 2, .start_factor = 0.1},
//                        std::make_unique<optim::CosineAnnealing>(optimizer, {.t_max = 10}));
//     for (epoch ...) { train...; warm.step(test_loss); }
//
// Warmup multiplies the schedule it wraps by PyTorch's LinearLR factor (ChainedScheduler of
// LinearLR and the other). ReduceOnPlateau is driven by the metric given to step().
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "xtgrad/io/archive.hpp"
#include "xtgrad/optim/optimizer.hpp"

namespace xtgrad::optim {

class LrScheduler {
  public:
    explicit LrScheduler(LearningRates& optimizer);
    virtual ~LrScheduler() = default;
    LrScheduler(const LrScheduler&) = delete;
    LrScheduler& operator=(const LrScheduler&) = delete;

    /// One epoch is done: `metric` is what ReduceOnPlateau watches (the epoch's test loss);
    /// the others ignore it.
    void step(double metric = std::numeric_limits<double>::quiet_NaN());
    /// One optimizer step is done (the Trainer calls it after every step): a warmup counted in
    /// steps moves the rates here; the other schedules only count.
    void batch_done();
    std::size_t epochs_done() const { return epoch_; }
    std::size_t batches_done() const { return batches_; }
    const std::vector<double>& base_lrs() const { return bases_; }

    /// The learning rate of a group whose base is `base`, after `epoch` epochs.
    virtual double lr_at(double base, std::size_t epoch) const = 0;
    /// Names the schedule and its settings (checkpoints refuse another).
    virtual std::string kind() const = 0;
    virtual std::vector<double> settings() const = 0;

    /// "schedule/..." entries: kind, settings, epochs done, bases and what the schedule learned.
    void store_state(io::Archive& archive) const;
    /// Throws io::ArchiveError naming the defect for another schedule or other settings.
    void restore_state(const io::Archive& archive);

  protected:
    /// Sets every group's rate for the epochs done; derived constructors end with it.
    void apply();
    /// Whether the rate changes with every optimizer step, not only with epochs.
    virtual bool moves_per_batch() const { return false; }
    virtual void observe(double /*metric*/) {}
    /// What observe() learned (ReduceOnPlateau's counters), for checkpoints.
    virtual std::vector<double> memory() const { return {}; }
    virtual void restore_memory(const std::vector<double>& /*memory*/) {}

  private:
    friend class Warmup;  // drives the schedule it wraps
    LearningRates& optimizer_;
    std::vector<double> bases_;
    std::size_t epoch_ = 0;
    std::size_t batches_ = 0;
};

/// base * gamma^(epoch / step_size): StepLR.
class StepDecay : public LrScheduler {
  public:
    struct Options {
        std::size_t step_size = 1;
        double gamma = 0.1;
    };
    StepDecay(LearningRates& optimizer, const Options& options);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override { return "step"; }
    std::vector<double> settings() const override;

  private:
    Options options_;
};

/// base * gamma^(milestones passed): MultiStepLR.
class MultiStepDecay : public LrScheduler {
  public:
    struct Options {
        std::vector<std::size_t> milestones;
        double gamma = 0.1;
    };
    MultiStepDecay(LearningRates& optimizer, const Options& options);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override { return "multistep"; }
    std::vector<double> settings() const override;

  private:
    Options options_;
};

/// base * gamma^epoch: ExponentialLR.
class ExponentialDecay : public LrScheduler {
  public:
    struct Options {
        double gamma = 0.9;
    };
    ExponentialDecay(LearningRates& optimizer, const Options& options);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override { return "exponential"; }
    std::vector<double> settings() const override { return {options_.gamma}; }

  private:
    Options options_;
};

/// eta_min + (base - eta_min) (1 + cos(pi epoch / t_max)) / 2: CosineAnnealingLR.
class CosineAnnealing : public LrScheduler {
  public:
    struct Options {
        std::size_t t_max = 1;
        double eta_min = 0;
    };
    CosineAnnealing(LearningRates& optimizer, const Options& options);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override { return "cosine"; }
    std::vector<double> settings() const override;

  private:
    Options options_;
};

/// ReduceLROnPlateau: after more than `patience` epochs without improvement of the metric (by
/// `threshold`, relative or absolute), every rate is multiplied by `factor` (not below
/// `min_lr`), then `cooldown` epochs pass before counting again. A NaN metric is an error.
class ReduceOnPlateau : public LrScheduler {
  public:
    struct Options {
        bool maximize = false;  // mode "max": higher is better
        double factor = 0.1;
        std::size_t patience = 10;
        double threshold = 1e-4;
        bool relative = true;  // threshold_mode "rel" (else "abs")
        std::size_t cooldown = 0;
        double min_lr = 0;
        double eps = 1e-8;  // a reduction smaller than this is not made
    };
    ReduceOnPlateau(LearningRates& optimizer, const Options& options);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override { return "plateau"; }
    std::vector<double> settings() const override;
    std::size_t reductions() const { return reductions_; }

  protected:
    void observe(double metric) override;
    std::vector<double> memory() const override;
    void restore_memory(const std::vector<double>& memory) override;

  private:
    bool better(double metric) const;
    double scaled(double base, std::size_t reductions) const;
    Options options_;
    double best_;
    std::size_t bad_epochs_ = 0, cooldown_left_ = 0, reductions_ = 0;
};

/// Linear warmup from start_factor to 1 over `epochs` (or, if `steps` is set, over that many
/// optimizer steps), times the wrapped schedule (or 1).
class Warmup : public LrScheduler {
  public:
    struct Options {
        std::size_t epochs = 1;
        double start_factor = 1.0 / 3;  // LinearLR's default
        std::size_t steps = 0;          // > 0: warm up per optimizer step instead of per epoch
    };
    Warmup(LearningRates& optimizer, const Options& options,
           std::unique_ptr<LrScheduler> then = nullptr);
    double lr_at(double base, std::size_t epoch) const override;
    std::string kind() const override;
    std::vector<double> settings() const override;

  protected:
    void observe(double metric) override;
    std::vector<double> memory() const override;
    void restore_memory(const std::vector<double>& memory) override;
    bool moves_per_batch() const override { return options_.steps > 0; }

  private:
    Options options_;
    std::unique_ptr<LrScheduler> then_;
};

}  // namespace xtgrad::optim
