// Runs the selected runs of a grid: independent runs in parallel (one BLAS thread each),
// skipping runs whose metrics are already complete, with an overall progress display.
#pragma once

#include <filesystem>
#include <vector>

#include <xtgrad/train/mlp_run.hpp>
#include "grid.hpp"

namespace xtgrad::lab {

struct RunnerOptions {
    std::filesystem::path out;  // metrics go to out/runs/<stem>.json
    std::size_t workers = 2;
};

/// Where a run's metrics live.
std::filesystem::path metrics_path(const std::filesystem::path& out, const RunSpec& run);
/// True if the file holds every epoch the run's config asks for.
bool metrics_complete(const std::filesystem::path& file, const RunSpec& run);

/// Trains every selected run that lacks complete metrics. Returns the wall-clock seconds.
double run_grid(const GridSpec& grid, const std::vector<const RunSpec*>& selected,
                const train::RawData& raw, const RunnerOptions& options);

}  // namespace xtgrad::lab
