// PNG figures through gnuplot: per-run curves and overlays of several runs.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <xtgrad/train/metrics.hpp>

namespace xtgrad::lab {

struct Curve {
    std::string title;
    std::string stem;  // of the run, which names its data file
    const train::RunMetrics* metrics;
};

/// Collects figures and draws them all with one gnuplot process.
class FigureWriter {
  public:
    explicit FigureWriter(std::filesystem::path out);

    /// Train and test accuracy (left) and loss (right) of one run.
    std::filesystem::path run_figure(const std::string& stem, const std::string& title,
                                     const train::RunMetrics& metrics);
    /// Test accuracy (left) and test loss (right) of several runs overlaid.
    std::filesystem::path overlay_figure(const std::string& stem, const std::string& title,
                                         const std::vector<Curve>& curves);
    /// Runs gnuplot; throws std::runtime_error if it is missing or fails.
    void draw();

  private:
    /// The run's data file for gnuplot, written on first use.
    std::filesystem::path data_file(const std::string& stem, const train::RunMetrics& metrics);

    std::filesystem::path out_;
    std::string script_;
    std::map<std::string, std::filesystem::path> data_files_;
};

}  // namespace xtgrad::lab
