// cnn-table: turns the JSON lines of bench/run's CNN section into the Markdown tables of
// bench/README.md: seconds per CNN training epoch of xtgrad and libtorch with their ratio, and
// the fused convolution against the gemms of its im2col products, per layer.
//
//     cnn-table cnn.jsonl
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

std::string fixed(double value, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

void epoch_table(const std::vector<nlohmann::json>& runs) {
    const nlohmann::json* libtorch = nullptr;
    for (const auto& r : runs)
        if (r.at("impl") == "libtorch") libtorch = &r;
    std::cout
        << "| impl | optimizer | train images | threads | epoch s | / libtorch | eval 10k s | "
           "test accuracy | peak RSS MiB (epoch 1 -> end) |\n"
        << "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& r : runs) {
        const double epoch = r.at("median_epoch_seconds_after_first");
        std::cout
            << "| " << r.at("impl").get<std::string>() << " | "
            << r.at("optimizer").get<std::string>() << " lr " << r.at("lr").get<double>() << " | "
            << r.at("train_samples") << " | " << r.at("threads") << " | " << fixed(epoch, 3)
            << " | "
            << (libtorch
                    ? fixed(epoch / libtorch->at("median_epoch_seconds_after_first").get<double>(),
                            2)
                    : "—")
            << " | " << fixed(r.at("eval_seconds"), 3) << " | "
            << fixed(r.at("final_test_accuracy"), 4) << " | "
            << fixed(r.at("peak_rss_mib_after_epoch_1"), 1) << " -> "
            << fixed(r.at("peak_rss_mib_at_end"), 1) << " |\n";
    }
    for (const auto& r : runs)  // how libtorch ran
        if (r.contains("mkldnn_enabled"))
            std::cout << "\n- " << r.at("impl").get<std::string>() << ": oneDNN convolutions "
                      << (r.at("mkldnn_enabled").get<bool>() ? "on" : "off") << ", "
                      << r.at("torch_threads") << " torch thread(s), OMP_WAIT_POLICY="
                      << r.at("omp_wait_policy").get<std::string>() << ", OpenBLAS "
                      << r.at("openblas_core").get<std::string>();
    std::cout << "\n";
}

/// The fused op's parts, as it runs them image by image: its gemms, and its two im2col passes
/// (forward, and recomputed in the backward) with the col2im.
std::pair<double, double> gemms_and_unfolding(const nlohmann::json& parts) {
    double gemms = 0;
    for (const auto& [name, ms] : parts.items())
        if (name.find("gemms") != std::string::npos) gemms += ms.get<double>();
    return {gemms, 2 * parts.at("im2col_ms").get<double>() + parts.value("col2im_ms", 0.0)};
}

void conv_table(const nlohmann::json& bound) {
    std::cout << "\n| layer | input -> out | gemm bound ms | bound GFLOP/s | fused forward ms | "
                 "forward / its product | fused forward+backward ms | fused / bound | "
                 "im2col path forward+backward ms | its per-image gemms ms | its im2col x2 + "
                 "col2im ms |\n"
              << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& l : bound.at("layers")) {
        const auto [gemms, unfolding] = gemms_and_unfolding(l.at("per_image_parts"));
        std::cout << "| " << l.at("layer").get<std::string>() << " | "
                  << l.at("shape").get<std::string>() << " | " << fixed(l.at("bound_ms"), 3)
                  << " | " << fixed(l.at("bound_gflops"), 0) << " | "
                  << fixed(l.at("forward_ms"), 3) << " | "
                  << fixed(l.at("forward_over_its_product"), 2) << " | "
                  << fixed(l.at("forward_backward_ms"), 3) << " | "
                  << fixed(l.at("fused_over_bound"), 2) << " | "
                  << fixed(l.at("im2col_path_forward_backward_ms"), 3) << " | " << fixed(gemms, 3)
                  << " | " << fixed(unfolding, 3) << " |\n";
    }
    std::cout << "\nconv-bound: batch " << bound.at("batch_size") << ", " << bound.at("threads")
              << " thread(s); xtgrad's float32 gemm " << bound.at("gemm_float32").get<std::string>()
              << " (oneDNN " << bound.at("onednn_isa").get<std::string>() << ", OpenBLAS "
              << bound.at("openblas_core").get<std::string>() << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: cnn-table cnn.jsonl\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "cnn-table: cannot open " << argv[1] << "\n";
        return 1;
    }
    std::vector<nlohmann::json> runs;
    nlohmann::json bound;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.front() != '{') continue;
        auto r = nlohmann::json::parse(line);
        if (r.at("impl") == "conv-bound")
            bound = std::move(r);
        else
            runs.push_back(std::move(r));
    }
    if (!runs.empty()) epoch_table(runs);
    if (!bound.is_null()) conv_table(bound);
    return 0;
}
