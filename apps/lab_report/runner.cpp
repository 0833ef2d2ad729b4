#include "runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include <xtgrad/autograd/blas.hpp>

#include "faithful_ops.hpp"

namespace xtgrad::lab {

std::filesystem::path metrics_path(const std::filesystem::path& out, const RunSpec& run) {
    return out / "runs" / (run.stem() + ".json");
}

bool metrics_complete(const std::filesystem::path& file, const RunSpec& run) {
    if (!std::filesystem::exists(file)) return false;
    try {
        const auto metrics = train::read_metrics(file);
        return metrics.epochs.size() == run.config.epochs &&
               metrics.config.value("epochs", 0u) == run.config.epochs &&
               metrics.config.value("limit-train", 0u) == run.config.limit_train;
    } catch (const std::exception&) {
        return false;  // unreadable: train it again
    }
}

namespace {

using Clock = std::chrono::steady_clock;

/// Work of one epoch, for the ETA: proportional to the number of weights and to the samples.
double epoch_cost(const RunSpec& run, std::size_t features) {
    double weights = 0;
    std::size_t previous = features;
    for (std::size_t h : run.config.hidden) {
        weights += static_cast<double>(previous * h);
        previous = h;
    }
    weights += static_cast<double>(previous * train::kClasses);
    // Small batches pay a fixed per-step cost as well.
    const double steps = 60000.0 / static_cast<double>(run.config.batch_size);
    return weights * 60000.0 + 2e5 * steps;
}

struct Status {
    std::mutex mutex;
    std::vector<std::string> running;  // "name epoch e/E"
    double done_cost = 0;
    std::size_t finished = 0;
    std::vector<std::string> failures;
};

/// Tells the status line about each finished epoch.
class StatusObserver : public train::Observer {
  public:
    StatusObserver(const RunSpec& run, double cost, Status& status, std::size_t slot)
        : run_(run), cost_(cost), status_(status), slot_(slot) {}
    void on_epoch_end(const train::EpochMetrics& m) override {
        std::lock_guard lock(status_.mutex);
        status_.done_cost += cost_;
        status_.running[slot_] =
            run_.name() + " " + std::to_string(m.epoch) + "/" + std::to_string(run_.config.epochs);
    }

  private:
    const RunSpec& run_;
    double cost_;
    Status& status_;
    std::size_t slot_;
};

void train_run(const RunSpec& run, const train::TrainingData<double>& data,
               const std::filesystem::path& file, Status& status, std::size_t slot) {
    train::RunConfig config = run.config;
    config.metrics_out = file.string();  // rewritten after every epoch
    train::MlpRun<double> mlp(config, data,
                              run.mode == "faithful"
                                  ? train::ModelFactory<double>(make_faithful_model)
                                  : train::ModelFactory<double>());
    StatusObserver observer(run, epoch_cost(run, data.features()), status, slot);
    mlp.trainer().add_observer(observer);
    nlohmann::json settings = train::to_json(run.config);
    settings["lab"] = {{"mode", run.mode}, {"part", run.part}, {"run", run.key}};
    mlp.run({}, settings);
}

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char text[32];
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return text;
}

}  // namespace

double run_grid(const GridSpec& grid, const std::vector<const RunSpec*>& selected,
                const train::RawData& raw, const RunnerOptions& options) {
    const auto start = Clock::now();
    std::vector<const RunSpec*> todo;
    double total_cost = 0;
    for (const RunSpec* run : selected) {
        if (!run->same_as.empty() || metrics_complete(metrics_path(options.out, *run), *run))
            continue;
        todo.push_back(run);
        total_cost +=
            epoch_cost(*run, raw.train.features()) * static_cast<double>(run->config.epochs);
    }
    std::cout << "lab-report: " << selected.size() << " runs selected, " << todo.size()
              << " to train, " << options.workers << " at a time (one BLAS thread each)"
              << std::endl;

    if (!todo.empty()) {
        // Every run of a grid reads the same data (the spec shares dtype, normalisation, subset).
        const train::TrainingData<double> data =
            train::prepare_data<double>(raw, todo.front()->config);
        blas::set_num_threads(1);
        Status status;
        status.running.assign(options.workers, "");
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> workers;
        for (std::size_t w = 0; w < std::min(options.workers, todo.size()); ++w) {
            workers.emplace_back([&, w] {
                for (std::size_t i = next++; i < todo.size(); i = next++) {
                    try {
                        train_run(*todo[i], data, metrics_path(options.out, *todo[i]), status, w);
                    } catch (const std::exception& e) {
                        std::lock_guard lock(status.mutex);
                        status.failures.push_back(todo[i]->name() + ": " + e.what());
                    }
                    std::lock_guard lock(status.mutex);
                    ++status.finished;
                    status.running[w].clear();
                }
            });
        }
        std::atomic<bool> all_done{false};
        std::thread monitor([&] {
            while (!all_done) {
                for (int i = 0; i < 100 && !all_done; ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                std::lock_guard lock(status.mutex);
                const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
                const double fraction = status.done_cost / total_cost;
                std::cout << "[" << status.finished << "/" << todo.size() << " runs, "
                          << static_cast<int>(100 * fraction) << "%, " << clock_text(elapsed)
                          << " elapsed, ETA "
                          << (fraction > 0 ? clock_text(elapsed / fraction - elapsed)
                                           : std::string("?"))
                          << "]";
                for (const auto& r : status.running)
                    if (!r.empty()) std::cout << "  " << r;
                std::cout << std::endl;
            }
        });
        for (auto& worker : workers) worker.join();
        all_done = true;
        monitor.join();
        if (!status.failures.empty()) {
            for (const auto& failure : status.failures)
                std::cerr << "lab-report: run failed: " << failure << "\n";
            throw std::runtime_error(std::to_string(status.failures.size()) + " run(s) failed");
        }
    }
    // Runs identical to an earlier one get a copy of its metrics under their own name.
    for (const RunSpec* run : selected) {
        if (run->same_as.empty()) continue;
        const RunSpec* source = grid.find(run->same_as);
        const auto from = metrics_path(options.out, *source);
        if (!metrics_complete(from, *source)) {
            std::cerr << "lab-report: " << run->name() << " is identical to " << source->name()
                      << ", which was not run (add it to --only)\n";
            continue;
        }
        auto metrics = train::read_metrics(from).to_json();
        metrics["config"]["lab"] = {{"mode", run->mode},
                                    {"part", run->part},
                                    {"run", run->key},
                                    {"same_as", source->name()}};
        train::write_json_atomically(metrics_path(options.out, *run), metrics);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace xtgrad::lab
