#include "figures.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace xtgrad::lab {

namespace {

/// A gnuplot string literal (paths and titles never contain single quotes here).
std::string quoted(const std::string& text) {
    if (text.find('\'') != std::string::npos)
        throw std::runtime_error("figure text contains a quote: " + text);
    return "'" + text + "'";
}

constexpr const char* kTerminal = "set terminal pngcairo size 760,260 font ',8' noenhanced\n";
// Overlays hold up to nine curves and their key: wider, with distinct colours (Tableau 10).
constexpr const char* kOverlayTerminal =
    "set terminal pngcairo size 960,320 font ',8' noenhanced\n";
constexpr const char* kOverlayColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                           "#8c564b", "#e377c2", "#7f7f7f", "#17becf"};

}  // namespace

FigureWriter::FigureWriter(std::filesystem::path out) : out_(std::move(out)) {
    std::filesystem::create_directories(out_ / "figures");
    std::filesystem::create_directories(out_ / "data");
    script_ = kTerminal;
    script_ += "set grid lc rgb '#dddddd'\nset xlabel 'epoch'\nset style data lines\n";
}

std::filesystem::path FigureWriter::data_file(const std::string& stem,
                                              const train::RunMetrics& metrics) {
    if (const auto found = data_files_.find(stem); found != data_files_.end()) return found->second;
    const auto file = std::filesystem::absolute(out_ / "data" / (stem + ".dat"));
    std::ofstream out(file);
    out << "# epoch train_loss train_acc test_loss test_acc seconds\n";
    out.precision(10);
    for (const auto& e : metrics.epochs)
        out << e.epoch << ' ' << e.train_loss << ' ' << e.train_acc << ' ' << e.test_loss << ' '
            << e.test_acc << ' ' << e.seconds << '\n';
    return data_files_[stem] = file;
}

std::filesystem::path FigureWriter::run_figure(const std::string& stem, const std::string& title,
                                               const train::RunMetrics& metrics) {
    const std::string data = quoted(data_file(stem, metrics).string());
    const auto png = out_ / "figures" / (stem + ".png");
    script_ += "set output " + quoted(std::filesystem::absolute(png).string()) + "\n";
    script_ += "set multiplot layout 1,2 title " + quoted(title) + "\n";
    script_ += "set ylabel 'accuracy'\nset key inside bottom right\n";
    script_ += "plot " + data + " using 1:3 title 'train', " + data + " using 1:5 title 'test'\n";
    script_ += "set ylabel 'loss'\nset key inside top right\n";
    script_ += "plot " + data + " using 1:2 title 'train', " + data + " using 1:4 title 'test'\n";
    script_ += "unset multiplot\n";
    return png;
}

std::filesystem::path FigureWriter::overlay_figure(const std::string& stem,
                                                   const std::string& title,
                                                   const std::vector<Curve>& curves) {
    const auto png = out_ / "figures" / (stem + ".png");
    std::string accuracy;
    std::string loss;
    for (std::size_t i = 0; i < curves.size(); ++i) {
        const std::string data = quoted(data_file(curves[i].stem, *curves[i].metrics).string());
        const std::string style =
            " lw 1.2 lc rgb " + quoted(kOverlayColours[i % std::size(kOverlayColours)]);
        accuracy += (i ? ", " : "") + data + " using 1:5 notitle" + style;
        loss += (i ? ", " : "") + data + " using 1:4 title " + quoted(curves[i].title) + style;
    }
    script_ += kOverlayTerminal;
    script_ += "set output " + quoted(std::filesystem::absolute(png).string()) + "\n";
    script_ += "set multiplot title " + quoted(title) + "\n";
    // One key, right of the loss plot; losses of different scales share a log axis.
    script_ +=
        "set origin 0,0\nset size 0.42,0.94\nset ylabel 'test accuracy'\nplot " + accuracy + "\n";
    script_ += "set origin 0.42,0\nset size 0.58,0.94\nset key outside right top\n";
    script_ += "set ylabel 'test loss'\nset logscale y\nplot " + loss + "\n";
    script_ += "unset logscale y\nunset multiplot\nset origin 0,0\nset size 1,1\n";
    script_ += kTerminal;
    return png;
}

void FigureWriter::draw() {
    const auto script = std::filesystem::absolute(out_ / "data" / "figures.gp");
    std::ofstream(script) << script_;
    const std::string command = "gnuplot " + quoted(script.string()) + " 2>" +
                                quoted((out_ / "data" / "gnuplot.log").string());
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("gnuplot failed (is gnuplot-nox installed?); see " +
                                 (out_ / "data" / "gnuplot.log").string());
}

}  // namespace xtgrad::lab
