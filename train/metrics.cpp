#include "xtgrad/train/metrics.hpp"

#include <fstream>
#include <stdexcept>

#include "xtgrad/autograd/freed_memory.hpp"
#include "xtgrad/autograd/gemm_backend.hpp"
#include "xtgrad/autograd/vector_math.hpp"
#include "xtgrad/io/atomic_file.hpp"

namespace xtgrad::train {

nlohmann::json RunMetrics::to_json() const {
    nlohmann::json json{{"config", config}, {"epochs", nlohmann::json::array()}};
    for (const auto& e : epochs)
        json["epochs"].push_back({{"epoch", e.epoch},
                                  {"train_loss", e.train_loss},
                                  {"train_acc", e.train_acc},
                                  {"test_loss", e.test_loss},
                                  {"test_acc", e.test_acc},
                                  {"seconds", e.seconds}});
    if (!epochs.empty()) {
        const auto& last = epochs.back();
        json["final"] = {{"train_loss", last.train_loss},
                         {"train_acc", last.train_acc},
                         {"test_loss", last.test_loss},
                         {"test_acc", last.test_acc}};
    } else if (evaluation) {
        json["final"] = {{"test_loss", evaluation->test_loss}, {"test_acc", evaluation->test_acc}};
    }
    if (!machine.is_null()) json["machine"] = machine;
    return json;
}

RunMetrics RunMetrics::from_json(const nlohmann::json& json) {
    RunMetrics metrics;
    metrics.config = json.at("config");
    for (const auto& e : json.at("epochs"))
        metrics.epochs.push_back({e.at("epoch").get<std::size_t>(),
                                  e.at("train_loss").get<double>(), e.at("train_acc").get<double>(),
                                  e.at("test_loss").get<double>(), e.at("test_acc").get<double>(),
                                  e.at("seconds").get<double>()});
    if (metrics.epochs.empty() && json.contains("final"))
        metrics.evaluation = Evaluation{json.at("final").at("test_loss").get<double>(),
                                        json.at("final").at("test_acc").get<double>()};
    metrics.machine = json.value("machine", nlohmann::json());
    return metrics;
}

nlohmann::json machine_report() {
    const blas::BackendReport gemm = blas::backend_report();
    return {{"gemm_float32", gemm.float32},
            {"gemm_float64", gemm.float64},
            {"openblas_core", gemm.openblas_core},
            {"openblas_core_source", gemm.openblas_core_source},
            {"onednn_isa", gemm.onednn_isa},
            {"vector_math", std::string(vmath::instruction_set())},
            {"threads", blas::num_threads()},
            {"freed_memory", memory::freed_memory_policy()}};
}

std::string describe_machine(const nlohmann::json& r) {
    const auto library = [&](const std::string& backend) {
        return backend + " (" +
               (backend == "onednn" ? r.at("onednn_isa").get<std::string>()
                                    : r.at("openblas_core").get<std::string>() + ", " +
                                          r.at("openblas_core_source").get<std::string>()) +
               ")";
    };
    return "gemm: float32 " + library(r.at("gemm_float32")) + ", float64 " +
           library(r.at("gemm_float64")) +
           "; vector math: " + r.value("vector_math", std::string("not recorded")) + "; " +
           std::to_string(r.at("threads").get<int>()) +
           " threads; freed memory: " + r.value("freed_memory", std::string("not recorded"));
}

void write_json_atomically(const std::filesystem::path& file, const nlohmann::json& json) {
    io::write_file_atomically(file, json.dump(2) + "\n");
}

RunMetrics read_metrics(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot open metrics");
    try {
        return RunMetrics::from_json(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(file.string() + ": not a metrics file: " + e.what());
    }
}

}  // namespace xtgrad::train
