// What a training run shows while it works: on a terminal one live line (epoch, iteration,
// running loss and accuracy, samples/s, ETA); otherwise a plain line every disp_freq
// iterations, like the lab's output. Plus a summary line per epoch.
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>

#include "xtgrad/train/observer.hpp"

namespace xtgrad::train {

class Progress : public Observer {
  public:
    /// interactive: rewrite one line in place (a terminal); otherwise periodic plain lines.
    Progress(std::ostream& out, bool interactive, std::size_t disp_freq);
    /// True if stdout is a terminal.
    static bool stdout_is_terminal();

    void on_run_start(const RunStart& run) override;
    void on_epoch_start(std::size_t epoch) override;
    void on_step(const StepReport& step) override;
    void on_epoch_end(const EpochMetrics& metrics) override;

  private:
    using Clock = std::chrono::steady_clock;
    void print_live_line();

    std::ostream& out_;
    bool interactive_;
    std::size_t disp_freq_;
    std::size_t epochs_ = 0;
    std::size_t iterations_ = 0;
    std::size_t batch_size_ = 0;
    std::size_t epoch_ = 0;
    std::size_t iteration_ = 0;
    double loss_sum_ = 0;  // since the last printed line
    double acc_sum_ = 0;
    std::size_t since_print_ = 0;
    Clock::time_point run_start_;
    Clock::time_point epoch_start_;
    Clock::time_point last_print_;
    std::size_t steps_done_ = 0;  // over the whole run, for the ETA
};

}  // namespace xtgrad::train
