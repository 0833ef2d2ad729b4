#include "report.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "figures.hpp"
#include "runner.hpp"

namespace xtgrad::lab {

namespace {

using train::RunMetrics;

/// One epoch of the reference curves (re-run of the original code).
struct ReferenceEpoch {
    double train_loss, train_acc, test_loss, test_acc;
};

struct Reference {
    nlohmann::json published;
    std::map<std::string, std::vector<ReferenceEpoch>> curves;  // by "act/loss"
};

Reference load_reference(const std::filesystem::path& dir) {
    Reference reference;
    std::ifstream published(dir / "published.json");
    if (!published) throw std::runtime_error((dir / "published.json").string() + ": missing");
    reference.published = nlohmann::json::parse(published);
    std::ifstream csv(dir / "lab2022-one-hidden-curves.csv");
    if (!csv)
        throw std::runtime_error((dir / "lab2022-one-hidden-curves.csv").string() + ": missing");
    const std::map<std::string, std::string> loss_names = {
        {"euc", "euclidean"}, {"ce", "softmax-ce"}, {"hinge", "hinge"}};
    std::string line;
    std::getline(csv, line);  // header: act,loss,epoch,train_loss,train_acc,test_loss,test_acc
    while (std::getline(csv, line)) {
        std::istringstream fields(line);
        std::string act, loss, epoch, value;
        std::getline(fields, act, ',');
        std::getline(fields, loss, ',');
        std::getline(fields, epoch, ',');
        double v[4];
        for (double& x : v) {
            std::getline(fields, value, ',');
            x = std::stod(value);
        }
        reference.curves[act + "/" + loss_names.at(loss)].push_back({v[0], v[1], v[2], v[3]});
    }
    return reference;
}

std::string fixed(double value, int digits) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

std::string signed_fixed(double value, int digits) {
    return (value >= 0 ? "+" : "") + fixed(value, digits);
}

const std::map<std::string, std::string>& display_names() {
    static const std::map<std::string, std::string> names = {{"sigmoid", "Sigmoid"},
                                                             {"relu", "ReLU"},
                                                             {"gelu", "GeLU"},
                                                             {"euclidean", "Euclidean"},
                                                             {"softmax-ce", "SoftmaxCE"},
                                                             {"hinge", "Hinge"}};
    return names;
}

std::string display(const std::string& name) {
    const auto found = display_names().find(name);
    return found == display_names().end() ? name : found->second;
}

class ReportWriter {
  public:
    ReportWriter(const GridSpec& grid, const ReportOptions& options)
        : grid_(grid), options_(options), figures_(options.out) {
        for (const auto& run : grid.runs) {
            const auto file = metrics_path(options.out, run);
            if (metrics_complete(file, run))
                metrics_.emplace(run.name(), train::read_metrics(file));
        }
    }

    ReportSummary write() {
        header();
        if (has_mode("faithful")) published_comparison();
        for (const auto& part : grid_.parts) part_section(part);
        if (grid_.parts.size() == 2) deltas();
        for (const auto& sweep : grid_.sweeps) sweep_section(sweep);
        timing();
        run_figures();
        figures_.draw();
        std::ofstream(options_.out / "README.md") << text_.str();
        return summary_;
    }

  private:
    bool has_mode(const std::string& mode) const {
        return std::find(grid_.modes.begin(), grid_.modes.end(), mode) != grid_.modes.end();
    }

    /// "act/loss" for every cell of a part, in table order.
    static std::vector<std::string> cell_keys(const PartSpec& part) {
        std::vector<std::string> keys;
        for (const auto& act : part.activations)
            for (const auto& loss : part.losses) keys.push_back(act + "/" + loss);
        return keys;
    }

    const RunMetrics* metrics(const std::string& mode, const std::string& part,
                              const std::string& key) const {
        const auto found = metrics_.find(mode + "/" + part + "/" + key);
        return found == metrics_.end() ? nullptr : &found->second;
    }

    /// "acc / loss" of the last epoch, or a dash (and a missing cell) without metrics.
    std::string cell(const RunMetrics* m, bool test) {
        if (!m) {
            ++summary_.missing;
            return "—";
        }
        ++summary_.cells;
        const auto& last = m->epochs.back();
        return test ? fixed(last.test_acc, 5) + " / " + fixed(last.test_loss, 5)
                    : fixed(last.train_acc, 5) + " / " + fixed(last.train_loss, 5);
    }

    /// Numbers are right-aligned; the first column, and the last if text_last, left-aligned.
    void table_header(const std::vector<std::string>& columns, bool text_last = false) {
        ++summary_.tables;
        text_ << "|";
        for (const auto& c : columns) text_ << " " << c << " |";
        text_ << "\n|";
        for (std::size_t i = 0; i < columns.size(); ++i)
            text_ << (i == 0 || (text_last && i + 1 == columns.size()) ? "---|" : "---:|");
        text_ << "\n";
    }

    /// Sum over the runs of their epochs' seconds.
    double training_seconds() const {
        double total = 0;
        for (const auto& [name, m] : metrics_) {
            const RunSpec* run = grid_.find(name);
            if (run && !run->same_as.empty()) continue;  // a copy: trained once, counted once
            for (const auto& e : m.epochs) total += e.seconds;
        }
        return total;
    }

    void header() {
        const std::time_t now =
            std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
        text_ << "# The 2022 MLP lab, reproduced with xtgrad\n\n"
              << "Generated by `scripts/lab-report" << (grid_.quick ? " --quick" : "") << "` on "
              << date
              << ". Every number below comes from the metrics files in [runs/](runs/). The runs' "
                 "epochs add up to "
              << fixed(training_seconds() / 3600, 2)
              << " hours; two runs train at a time, one BLAS thread each, on this 2-core machine"
              << (options_.wall_seconds > 0 ? " (this invocation trained for " +
                                                  fixed(options_.wall_seconds / 60, 1) + " min)"
                                            : "")
              << ".\n\n";
        if (grid_.quick)
            text_ << "> **Quick mode**: 2 epochs on 6 000 training images. The numbers only show "
                     "that every code "
                     "path works; they are not the lab's results.\n\n";
        text_ << "Two modes run side by side, from the same data, seed (numpy's generator seeded "
                 "42, weights "
                 "drawn layer by layer, one shuffle per epoch) and configuration (float64):\n\n"
              << "- **faithful** computes what the original code computed (reference section 7): "
                 "the bias gradient "
                 "is the batch mean of the incoming gradient; the hinge loss moves the true-class "
                 "logit by -5 in "
                 "place, so its backward has an effective margin of 10, is not divided by the "
                 "batch size, and "
                 "accuracy is read from the moved logits; the GeLU backward is a forward "
                 "difference; softmax is "
                 "not max-shifted; ReLU is (|u|+u)/2. These are custom ops in "
                 "`examples/lab_report/`, not the "
                 "library's layers.\n"
              << "- **corrected** uses the library's own layers and losses (true gradients). "
                 "Everything is the same "
                 "except the hinge learning rate: the original's hinge gradient is about N = 100 "
                 "times the true "
                 "one, so its lr of 1e-4 took steps of about 1e-2 on the weights; the corrected "
                 "hinge runs use lr "
                 "1e-2.\n\n"
              << "Cells show last-epoch accuracy / loss (test, unless the table says train); "
                 "losses are the "
                 "section-3 definitions in both modes.\n\n";
    }

    void published_comparison() {
        const Reference reference = load_reference(options_.reference_dir);
        text_ << "## Faithful mode against the published one-hidden-layer table\n\n";
        table_header({"cell", "published acc / loss", "faithful acc / loss", "result"}, true);
        const PartSpec& one = grid_.parts.front();
        for (const std::string& key : cell_keys(one)) {
            if (!reference.published.at("one-hidden").contains(key)) continue;
            const auto& values = reference.published["one-hidden"][key];
            const RunMetrics* m = metrics("faithful", "one-hidden", key);
            const double acc = values[0], loss = values[1];
            std::string result = "not run";
            if (m) {
                const auto& last = m->epochs.back();
                if (reference.published.at("unstable").contains(key)) {
                    const auto band = reference.published["unstable"][key]["band"];
                    double low = 1, high = 0;
                    for (std::size_t i = m->epochs.size() >= 10 ? m->epochs.size() - 10 : 0;
                         i < m->epochs.size(); ++i) {
                        low = std::min(low, m->epochs[i].test_acc);
                        high = std::max(high, m->epochs[i].test_acc);
                    }
                    const bool inside = last.test_acc >= band[0].get<double>() &&
                                        last.test_acc <= band[1].get<double>();
                    // The band is approximate, so say how far outside: in 10 000 test images.
                    const double miss = std::max(band[0].get<double>() - last.test_acc,
                                                 last.test_acc - band[1].get<double>());
                    result = std::string(inside ? "within" : "**outside**") + " the band " +
                             fixed(band[0], 3) + "–" + fixed(band[1], 3) +
                             (inside ? ""
                                     : " by " + fixed(miss, 5) + ", " +
                                           std::to_string(std::lround(miss * 10000)) +
                                           " of 10 000 test images") +
                             " (last ten epochs " + fixed(low, 4) + "–" + fixed(high, 4) + ")";
                } else {
                    const bool same_acc = fixed(last.test_acc, 5) == fixed(acc, 5);
                    const bool same_loss = fixed(last.test_loss, 5) == fixed(loss, 5);
                    result = same_acc && same_loss
                                 ? "every printed digit"
                                 : "**differs**: acc " + signed_fixed(last.test_acc - acc, 5) +
                                       ", loss " + signed_fixed(last.test_loss - loss, 5);
                }
            }
            text_ << "| " << display(key.substr(0, key.find('/'))) << " / "
                  << display(key.substr(key.find('/') + 1)) << " | " << fixed(acc, 5) << " / "
                  << fixed(loss, 5) << " | " << cell(m, true) << " | " << result << " |\n";
        }
        text_
            << "\nEpoch by epoch against the curves of the original code re-run on the same files "
               "(`reference/lab2022-one-hidden-curves.csv`):\n\n";
        table_header({"cell", "epochs", "max abs diff test acc", "max abs diff test loss",
                      "max abs diff train loss", "test acc equal to 4 decimals"});
        for (const std::string& key : cell_keys(one)) {
            if (!reference.curves.contains(key)) continue;
            const auto& curve = reference.curves.at(key);
            const RunMetrics* m = metrics("faithful", "one-hidden", key);
            if (!m) {
                text_ << "| " << key << " | — | — | — | — | — |\n";
                ++summary_.missing;
                continue;
            }
            const std::size_t n = std::min(curve.size(), m->epochs.size());
            double acc = 0, loss = 0, train = 0;
            std::size_t equal = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const auto& e = m->epochs[i];
                acc = std::max(acc, std::abs(e.test_acc - curve[i].test_acc));
                loss = std::max(loss, std::abs(e.test_loss - curve[i].test_loss));
                train = std::max(train, std::abs(e.train_loss - curve[i].train_loss));
                equal += fixed(e.test_acc, 4) == fixed(curve[i].test_acc, 4);
            }
            ++summary_.cells;
            text_ << "| " << key << " | " << n << " | " << fixed(acc, 5) << " | " << fixed(loss, 5)
                  << " | " << fixed(train, 5) << " | " << equal << "/" << n << " |\n";
        }
        text_ << "\n";
    }

    /// An empty corner, then one column per loss and mode.
    std::vector<std::string> loss_mode_columns(const PartSpec& part) const {
        std::vector<std::string> columns = {""};
        for (const auto& loss : part.losses)
            for (const auto& mode : grid_.modes)
                columns.push_back(display(loss) + " (" + mode + ")");
        return columns;
    }

    /// Rows: activations; columns: each loss in each mode.
    void cell_table(const PartSpec& part, bool test) {
        table_header(loss_mode_columns(part));
        for (const auto& act : part.activations) {
            text_ << "| " << display(act) << " |";
            for (const auto& loss : part.losses)
                for (const auto& mode : grid_.modes)
                    text_ << " " << cell(metrics(mode, part.name, act + "/" + loss), test) << " |";
            text_ << "\n";
        }
        text_ << "\n";
    }

    void part_section(const PartSpec& part) {
        text_ << "## " << part.title << "\n\n### Test accuracy / loss (last epoch)\n\n";
        cell_table(part, true);
        text_ << "### Train accuracy / loss (last epoch, mean over its batches)\n\n";
        cell_table(part, false);
        for (const auto& mode : grid_.modes) {
            std::vector<Curve> curves;
            for (const auto& act : part.activations)
                for (const auto& loss : part.losses)
                    if (const RunMetrics* m = metrics(mode, part.name, act + "/" + loss))
                        curves.push_back({act + "/" + loss,
                                          RunSpec{mode, part.name, act + "/" + loss, {}, ""}.stem(),
                                          m});
            if (curves.empty()) continue;
            const auto png =
                figures_.overlay_figure(mode + "--" + part.name, part.title + ", " + mode, curves);
            summary_.figures.push_back(png);
            text_ << "![" << part.title << ", " << mode << "](figures/" << png.filename().string()
                  << ")\n\n";
        }
    }

    void deltas() {
        const PartSpec& one = grid_.parts[0];
        const PartSpec& two = grid_.parts[1];
        text_ << "## " << two.title << " minus " << one.title << ": test accuracy\n\n";
        table_header(loss_mode_columns(one));
        for (const auto& act : one.activations) {
            text_ << "| " << display(act) << " |";
            for (const auto& loss : one.losses)
                for (const auto& mode : grid_.modes) {
                    const RunMetrics* a = metrics(mode, one.name, act + "/" + loss);
                    const RunMetrics* b = metrics(mode, two.name, act + "/" + loss);
                    if (a && b) {
                        ++summary_.cells;
                        text_ << " "
                              << signed_fixed(b->epochs.back().test_acc - a->epochs.back().test_acc,
                                              5)
                              << " |";
                    } else {
                        ++summary_.missing;
                        text_ << " — |";
                    }
                }
            text_ << "\n";
        }
        text_ << "\n";
    }

    void sweep_section(const SweepSpec& sweep) {
        text_ << "## Sweep of " << sweep.knob
              << " (784-128-10, GeLU + SoftmaxCE, base lr 0.01, one knob varied)\n\n";
        std::vector<std::string> columns = {sweep.knob};
        for (const auto& mode : grid_.modes) {
            columns.push_back("test acc / loss (" + mode + ")");
            columns.push_back("train acc / loss (" + mode + ")");
        }
        table_header(columns);
        for (const auto& value : sweep.values) {
            const std::string key = sweep.knob + "=" + value.dump();
            text_ << "| " << value.dump() << " |";
            for (const auto& mode : grid_.modes) {
                const RunMetrics* m = metrics(mode, sweep.part(), key);
                text_ << " " << cell(m, true) << " | " << cell(m, false) << " |";
            }
            text_ << "\n";
        }
        text_ << "\n";
        for (const auto& mode : grid_.modes) {
            std::vector<Curve> curves;
            for (const auto& value : sweep.values) {
                const std::string key = sweep.knob + "=" + value.dump();
                if (const RunMetrics* m = metrics(mode, sweep.part(), key))
                    curves.push_back({key, RunSpec{mode, sweep.part(), key, {}, ""}.stem(), m});
            }
            if (curves.empty()) continue;
            const auto png = figures_.overlay_figure(
                mode + "--" + sweep.part(), "sweep of " + sweep.knob + ", " + mode, curves);
            summary_.figures.push_back(png);
            text_ << "![sweep of " << sweep.knob << ", " << mode << "](figures/"
                  << png.filename().string() << ")\n\n";
        }
    }

    void timing() {
        text_ << "## Seconds per epoch (training, without the test evaluation; mean over epochs, "
                 "one BLAS thread, two runs at a time)\n\n";
        std::vector<std::string> columns = {"run"};
        for (const auto& mode : grid_.modes) columns.push_back(mode);
        table_header(columns);
        std::vector<std::string> seen;
        for (const auto& run : grid_.runs) {
            const std::string id = run.part + "/" + run.key;
            if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
            seen.push_back(id);
            text_ << "| " << id << " |";
            for (const auto& mode : grid_.modes) {
                const RunMetrics* m = metrics(mode, run.part, run.key);
                if (!m) {
                    ++summary_.missing;
                    text_ << " — |";
                    continue;
                }
                double total = 0;
                for (const auto& e : m->epochs) total += e.seconds;
                ++summary_.cells;
                text_ << " " << fixed(total / static_cast<double>(m->epochs.size()), 3) << " |";
            }
            text_ << "\n";
        }
        text_ << "\n";
    }

    void run_figures() {
        text_ << "## Every run\n\nTrain and test accuracy and loss over the epochs:\n\n";
        for (const auto& run : grid_.runs) {
            const auto found = metrics_.find(run.name());
            if (found == metrics_.end()) continue;
            const auto png = figures_.run_figure(run.stem(), run.name(), found->second);
            summary_.figures.push_back(png);
            text_ << "- [" << run.name() << "](figures/" << png.filename().string() << ")\n";
        }
        text_ << "\n";
    }

    const GridSpec& grid_;
    const ReportOptions& options_;
    FigureWriter figures_;
    std::map<std::string, RunMetrics> metrics_;
    std::ostringstream text_;
    ReportSummary summary_;
};

}  // namespace

ReportSummary write_report(const GridSpec& grid, const ReportOptions& options) {
    return ReportWriter(grid, options).write();
}

}  // namespace xtgrad::lab
