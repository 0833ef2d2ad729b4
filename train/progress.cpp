#include "xtgrad/train/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iomanip>

namespace xtgrad::train {

namespace {

std::string clock_text(double seconds) {
    const auto total = static_cast<long>(seconds + 0.5);
    char text[32];
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

}  // namespace

Progress::Progress(std::ostream& out, bool interactive, std::size_t disp_freq)
    : out_(out), interactive_(interactive), disp_freq_(disp_freq == 0 ? 1 : disp_freq) {}

bool Progress::stdout_is_terminal() {
    return ::isatty(STDOUT_FILENO) == 1;
}

void Progress::on_run_start(const RunStart& run) {
    epochs_ = run.epochs;
    iterations_ = run.batches_per_epoch;
    batch_size_ = run.batch_size;
    run_start_ = Clock::now();
    steps_done_ = 0;
}

void Progress::on_epoch_start(std::size_t epoch) {
    epoch_ = epoch;
    iteration_ = 0;
    loss_sum_ = acc_sum_ = 0;
    since_print_ = 0;
    epoch_start_ = last_print_ = Clock::now();
}

void Progress::on_step(const StepReport& step) {
    ++iteration_;
    ++steps_done_;
    loss_sum_ += step.loss;
    acc_sum_ += step.accuracy;
    ++since_print_;
    const auto now = Clock::now();
    if (interactive_) {
        if (now - last_print_ > std::chrono::milliseconds(100) || iteration_ == iterations_) {
            print_live_line();
            last_print_ = now;
        }
        return;
    }
    if (iteration_ % disp_freq_ == 0) {
        const double seconds = std::chrono::duration<double>(now - last_print_).count();
        out_ << "epoch " << epoch_ << " iter " << iteration_ << "/" << iterations_ << std::fixed
             << std::setprecision(4) << "  loss " << loss_sum_ / static_cast<double>(since_print_)
             << "  acc " << acc_sum_ / static_cast<double>(since_print_) << std::setprecision(0)
             << "  " << static_cast<double>(since_print_ * batch_size_) / std::max(seconds, 1e-9)
             << " samples/s" << std::defaultfloat << std::endl;
        loss_sum_ = acc_sum_ = 0;
        since_print_ = 0;
        last_print_ = now;
    }
}

void Progress::print_live_line() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - run_start_).count();
    const double epoch_elapsed = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
    const double rate = static_cast<double>(steps_done_) / std::max(elapsed, 1e-9);
    const double remaining =
        static_cast<double>(epochs_ * iterations_ - steps_done_) / std::max(rate, 1e-9);
    out_ << "\r\033[K"
         << "epoch " << epoch_ << "/" << epochs_ << "  iter " << iteration_ << "/" << iterations_
         << std::fixed << std::setprecision(4) << "  loss "
         << loss_sum_ / static_cast<double>(since_print_) << "  acc "
         << acc_sum_ / static_cast<double>(since_print_) << std::setprecision(0) << "  "
         << static_cast<double>(iteration_ * batch_size_) / std::max(epoch_elapsed, 1e-9)
         << " samples/s  ETA " << clock_text(remaining) << std::defaultfloat << std::flush;
}

void Progress::on_epoch_end(const EpochMetrics& m) {
    if (interactive_) out_ << "\r\033[K";
    out_ << "epoch " << m.epoch << "/" << epochs_ << std::fixed << std::setprecision(4)
         << "  train loss " << m.train_loss << " acc " << m.train_acc << "  |  test loss "
         << m.test_loss << " acc " << m.test_acc << std::setprecision(2) << "  |  " << m.seconds
         << " s" << std::defaultfloat << std::endl;
}

}  // namespace xtgrad::train
