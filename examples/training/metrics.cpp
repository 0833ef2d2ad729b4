#include "metrics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace xtgrad::training {

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
    }
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
    return metrics;
}

void write_json_atomically(const std::filesystem::path& file, const nlohmann::json& json) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    const std::filesystem::path temporary = file.string() + ".tmp";
    const std::string text = json.dump(2) + "\n";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        throw std::runtime_error(temporary.string() + ": cannot create: " + std::strerror(errno));
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written || std::rename(temporary.c_str(), file.c_str()) != 0) {
        std::filesystem::remove(temporary);
        throw std::runtime_error(file.string() + ": cannot write: " + std::strerror(errno));
    }
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

}  // namespace xtgrad::training
