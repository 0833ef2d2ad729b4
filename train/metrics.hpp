// Per-epoch metrics of a run and the metrics JSON file:
//   {"config": {...}, "epochs": [{epoch, train_loss, train_acc, test_loss, test_acc, seconds}],
//    "final": {train_loss, train_acc, test_loss, test_acc},
//    "machine": {gemm_float32, gemm_float64, openblas_core, openblas_core_source, onednn_isa,
//                vector_math, threads, freed_memory}}
// A run of no epoch (evaluating given weights) has "epochs": [] and "final": {test_loss, test_acc}.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace xtgrad::train {

struct EpochMetrics {
    std::size_t epoch = 0;
    double train_loss = 0;  // mean over the epoch's batches, each measured before its update
    double train_acc = 0;
    double test_loss = 0;  // mean over the test batches
    double test_acc = 0;
    double seconds = 0;  // training and evaluation of the epoch
};

/// The test loss and accuracy of a run that trained no epoch.
struct Evaluation {
    double test_loss = 0;
    double test_acc = 0;
};

struct RunMetrics {
    nlohmann::json config;
    std::vector<EpochMetrics> epochs;
    std::optional<Evaluation> evaluation;  // set by a run of zero epochs
    nlohmann::json machine;                // machine_report() of the run

    nlohmann::json to_json() const;
    static RunMetrics from_json(const nlohmann::json& json);
};

/// What computes the run's products on this machine: the gemm backend per element type,
/// OpenBLAS's kernels (and who chose them), oneDNN's instruction set, the thread count.
nlohmann::json machine_report();
/// "gemm: float32 onednn (avx512_core_bf16), float64 openblas (SkylakeX: ...), 2 threads"
std::string describe_machine(const nlohmann::json& report);

/// Writes json to file through a temporary file, fsync and rename: a reader sees the old or
/// the new file, never half of one.
void write_json_atomically(const std::filesystem::path& file, const nlohmann::json& json);
/// Throws std::runtime_error naming the file if it is missing or not valid metrics.
RunMetrics read_metrics(const std::filesystem::path& file);

}  // namespace xtgrad::train
