// The lab report: Markdown tables in the original's layout (faithful and corrected side by
// side), the comparison with the published table and curves, and PNG figures drawn by gnuplot.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "grid.hpp"

namespace xtgrad::lab {

struct ReportOptions {
    std::filesystem::path out;  // runs/ is read from here; README.md, figures/, data/ written
    std::filesystem::path reference_dir;  // published.json and lab2022-one-hidden-curves.csv
    double wall_seconds = 0;              // of this invocation's training, for the header
};

struct ReportSummary {
    std::size_t tables = 0;
    std::size_t cells = 0;    // table cells filled from metrics
    std::size_t missing = 0;  // table cells without metrics
    std::vector<std::filesystem::path> figures;
};

/// Writes out/README.md and the figures for every run of the grid that has metrics.
/// Throws std::runtime_error if gnuplot fails.
ReportSummary write_report(const GridSpec& grid, const ReportOptions& options);

}  // namespace xtgrad::lab
