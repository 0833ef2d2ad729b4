// What a training run tells the outside while it works: a progress display, a dashboard, the
// lab report's status line. Every callback has an empty default; override what you need.
#pragma once

#include <cstddef>

#include "xtgrad/train/metrics.hpp"

namespace xtgrad::train {

struct RunStart {
    std::size_t epochs = 0;
    std::size_t batches_per_epoch = 0;
    std::size_t batch_size = 0;
};

struct StepReport {
    std::size_t epoch = 0;
    std::size_t batch = 0;  // 1-based, within the epoch
    double loss = 0;        // of this batch, before its update
    double accuracy = 0;
};

class Observer {
  public:
    virtual ~Observer() = default;
    virtual void on_run_start(const RunStart&) {}
    /// Also called when a run resumes inside an epoch.
    virtual void on_epoch_start(std::size_t /*epoch*/) {}
    virtual void on_step(const StepReport&) {}
    virtual void on_epoch_end(const EpochMetrics&) {}
};

}  // namespace xtgrad::train
