// lab-report: runs the 2022 lab's experiment grid (examples/lab_report/grid.json) in faithful and
// corrected mode and writes the report (Markdown, tables, gnuplot figures).
//
//     lab-report [--mode faithful|corrected|both] [--only PATTERN]... [--out DIR] [--quick]
//
// Finished runs are skipped (their metrics files are complete), so an interrupted report resumes.
#include <iostream>

#include <CLI/CLI.hpp>

#include "grid.hpp"
#include "report.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
    using namespace xtgrad;
    std::string mode = "both";
    std::vector<std::string> only;
    std::string out = "docs/lab-report";
    std::string spec = XTGRAD_LAB_SPEC;
    std::string data_dir;
    std::size_t workers = 2;
    std::size_t epochs = 0;
    bool quick = false;
    bool report_only = false;
    bool require_complete = false;

    CLI::App app{"Run the lab's experiment grid and write its report.", "lab-report"};
    app.add_option("--mode", mode, "faithful, corrected or both")
        ->check(CLI::IsMember({"faithful", "corrected", "both"}))
        ->capture_default_str();
    app.add_option("--only", only,
                   "run only runs whose name contains PATTERN (or matches it as a glob), e.g. "
                   "one-hidden/relu/softmax-ce");
    app.add_option("--out", out, "output folder: runs/ (metrics), figures/, README.md")
        ->capture_default_str();
    app.add_option("--spec", spec, "the grid spec")->capture_default_str();
    app.add_option("--data-dir", data_dir,
                   "MNIST folder (default: $XTGRAD_MNIST_DIR or data/mnist)");
    app.add_option("--workers", workers, "runs trained at the same time, one BLAS thread each")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    app.add_option(
        "--epochs", epochs,
        "train every run for this many epochs instead (a look at the start of the curves)");
    app.add_flag("--quick", quick,
                 "2 epochs on 6 000 images: exercises every code path in about a minute");
    app.add_flag("--report-only", report_only, "only rewrite the report from existing metrics");
    app.add_flag("--require-complete", require_complete,
                 "exit 1 unless every table cell and figure was produced");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    try {
        const std::vector<std::string> modes =
            mode == "both" ? std::vector<std::string>{"faithful", "corrected"}
                           : std::vector<std::string>{mode};
        lab::GridSpec grid = lab::load_grid(spec, modes, quick);
        if (epochs > 0)
            for (auto& run : grid.runs) run.config.epochs = epochs;
        std::vector<const lab::RunSpec*> selected;
        for (const auto& run : grid.runs) {
            bool chosen = only.empty();
            for (const auto& pattern : only)
                chosen = chosen || lab::run_matches(run.name(), pattern);
            if (!chosen) continue;
            selected.push_back(&run);
            if (!run.same_as.empty())
                selected.push_back(grid.find(run.same_as));  // trained once, under its name
        }
        std::sort(selected.begin(), selected.end());
        selected.erase(std::unique(selected.begin(), selected.end()), selected.end());

        double seconds = 0;
        if (!report_only && !selected.empty()) {
            train::RunConfig data_config = grid.runs.front().config;
            data_config.data_dir = data_dir;
            const train::RawData raw = train::load_raw_data(data_config);
            seconds = lab::run_grid(grid, selected, raw, {out, workers});
        }
        const auto reference = std::filesystem::path(spec).parent_path() / "reference";
        const lab::ReportSummary summary = lab::write_report(grid, {out, reference, seconds});
        std::cout << "lab-report: " << out << "/README.md: " << summary.tables << " tables, "
                  << summary.cells << " cells filled, " << summary.missing << " missing, "
                  << summary.figures.size() << " figures" << std::endl;
        std::size_t missing_figures = 0;
        for (const auto& figure : summary.figures)
            if (!std::filesystem::exists(figure) || std::filesystem::file_size(figure) == 0)
                ++missing_figures;
        if (require_complete && (summary.missing > 0 || missing_figures > 0)) {
            std::cerr << "lab-report: incomplete: " << summary.missing << " table cells and "
                      << missing_figures << " figures missing\n";
            return 1;
        }
    } catch (const std::exception& e) {
        std::cerr << "lab-report: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
