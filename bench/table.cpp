// bench-table: turns the JSON lines of one bench/run into the Markdown table of bench/README.md:
// seconds per training epoch of each implementation, and the ratios the targets are about.
//
//     bench-table results.jsonl
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Key = std::tuple<std::string, std::string, int>;  // hidden, dtype, threads
using PeakKey = std::pair<std::string, int>;            // dtype, threads

std::string hidden_text(const nlohmann::json& hidden) {
    std::string text = "784";
    for (const auto& h : hidden) text += "-" + std::to_string(h.get<int>());
    return text + "-10";
}

std::string number(const nlohmann::json* row, const char* field, int digits) {
    if (!row || !row->contains(field)) return "—";
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << row->at(field).get<double>();
    return out.str();
}

std::string ratio(const nlohmann::json* a, const nlohmann::json* b, const char* field_a,
                  const char* field_b) {
    if (!a || !b || !a->contains(field_a) || !b->contains(field_b)) return "—";
    std::ostringstream out;
    out << std::fixed << std::setprecision(2)
        << a->at(field_a).get<double>() / b->at(field_b).get<double>();
    return out.str();
}

/// The cores' round trip (core_round_trip.hpp) over the readings before and after the bound
/// and the fused run, lowest to highest in ns; "—" for 1-thread rows, which do not measure it.
std::string round_trip(const nlohmann::json* bound, const nlohmann::json* fused) {
    std::vector<double> ns;
    for (const nlohmann::json* row : {bound, fused})
        if (row && row->contains("core_round_trip_ns"))
            for (const auto& v : row->at("core_round_trip_ns")) ns.push_back(v.get<double>());
    if (ns.empty()) return "—";
    const auto [low, high] = std::minmax_element(ns.begin(), ns.end());
    std::ostringstream out;
    out << std::fixed << std::setprecision(0) << *low << "-" << *high;
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: bench-table results.jsonl\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "bench-table: cannot open " << argv[1] << "\n";
        return 1;
    }
    std::map<Key, std::map<std::string, nlohmann::json>>
        rows;  // by configuration, then implementation
    const nlohmann::json* memory = nullptr;
    std::map<PeakKey, const nlohmann::json*> peaks;
    std::vector<nlohmann::json> all;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line.front() == '{') all.push_back(nlohmann::json::parse(line));
    for (const auto& r : all) {
        std::string impl = r.at("impl");
        if (impl == "xtgrad") impl += "-" + r.at("path").get<std::string>();
        if (r.value("role", "") == "memory") {
            memory = &r;
            continue;
        }
        if (impl == "peak-flops") {
            peaks[{r.at("dtype"), r.at("threads")}] = &r;
            continue;
        }
        rows[{hidden_text(r.at("hidden")), r.at("dtype"), r.at("threads")}][impl] = r;
    }

    std::cout << "| model | dtype | threads | peak GFLOP/s | gemm bound | bound GFLOP/s | "
                 "bound / peak | xtgrad fused | xtgrad composed | libtorch | libtorch best | "
                 "numpy | fused / bound | fused / libtorch best | fused / numpy | "
                 "composed / fused | eval 10k | eval / bound | core round trip ns |\n"
              << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
                 "---:|---:|---:|\n";
    for (const auto& [key, impls] : rows) {
        const auto find = [&](const std::string& name) -> const nlohmann::json* {
            const auto found = impls.find(name);
            return found == impls.end() ? nullptr : &found->second;
        };
        const auto* bound = find("gemm-bound");
        const auto* fused = find("xtgrad-fused");
        const auto* composed = find("xtgrad-composed");
        const auto* torch = find("libtorch");
        const auto* torch_best = find("libtorch-best");
        const auto* numpy = find("numpy");
        const auto peak_row = peaks.find({std::get<1>(key), std::get<2>(key)});
        const nlohmann::json* peak = peak_row == peaks.end() ? nullptr : peak_row->second;
        const char* median = "median_epoch_seconds_after_first";
        std::cout << "| " << std::get<0>(key) << " | " << std::get<1>(key) << " | "
                  << std::get<2>(key) << " | " << number(peak, "gflops", 0) << " | "
                  << number(bound, "epoch_seconds", 3) << " | " << number(bound, "step_gflops", 0)
                  << " | " << ratio(bound, peak, "step_gflops", "gflops") << " | "
                  << number(fused, median, 3) << " | " << number(composed, median, 3) << " | "
                  << number(torch, median, 3) << " | " << number(torch_best, median, 3) << " | "
                  << number(numpy, median, 3) << " | "
                  << ratio(fused, bound, median, "epoch_seconds") << " | "
                  << ratio(fused, torch_best, median, median) << " | "
                  << ratio(fused, numpy, median, median) << " | "
                  << ratio(composed, fused, median, median) << " | "
                  << number(fused, "eval_seconds", 3) << " | "
                  << ratio(fused, bound, "eval_seconds", "eval_seconds") << " | "
                  << round_trip(bound, fused) << " |\n";
    }
    // What the libraries chose, once per implementation (the same in every row).
    std::map<std::string, std::string> chosen;
    for (const auto& [key, impls] : rows)
        for (const auto& [impl, row] : impls) {
            const nlohmann::json& r = row.contains("machine") ? row.at("machine") : row;
            if (!r.contains("openblas_core")) continue;
            std::string text = "OpenBLAS " + r.at("openblas_core").get<std::string>();
            if (r.contains("openblas_core_source"))
                text += " (" + r.at("openblas_core_source").get<std::string>() + ")";
            if (r.contains("onednn_isa"))
                text += ", oneDNN " + r.at("onednn_isa").get<std::string>();
            if (r.contains("gemm_float32"))
                text += "; gemm float32 " + r.at("gemm_float32").get<std::string>() + ", float64 " +
                        r.at("gemm_float64").get<std::string>();
            chosen[impl] = text;
        }
    if (!chosen.empty()) std::cout << "\n";
    for (const auto& [impl, text] : chosen) std::cout << "- " << impl << ": " << text << "\n";
    if (memory)
        std::cout << "\nMemory (" << hidden_text(memory->at("hidden")) << ", "
                  << memory->at("dtype").get<std::string>() << ", "
                  << memory->at("epoch_seconds").size() << " epochs): peak RSS "
                  << number(memory, "peak_rss_mib_after_epoch_1", 1) << " MiB after epoch 1, "
                  << number(memory, "peak_rss_mib_at_end", 1)
                  << " MiB at the end; tape nodes alive after an epoch: "
                  << memory->at("tape_nodes_alive_after_epochs")
                  << "; recorded by evaluation: " << memory->at("tape_nodes_recorded_by_eval")
                  << ".\n";
    return 0;
}
