#include "checkpoint.hpp"

#include <bit>

#include <xtgrad/autograd/archive.hpp>
#include <xtgrad/nn/serialize.hpp>
#include <xtgrad/optim/serialize.hpp>

namespace xtgrad::training {

namespace {

constexpr const char* kFormat = "xtgrad mnist-train checkpoint 1";

template <class T>
std::vector<std::string> parameter_names(const Trainer<T>& trainer) {
    std::vector<std::string> names;
    for (const auto& [name, tensor] : trainer.model().network->named_parameters())
        names.push_back(name);
    return names;
}

}  // namespace

template <class T>
void save_checkpoint(const std::filesystem::path& file, const TrainConfig& config,
                     const Trainer<T>& trainer, const RandomEngine& rng,
                     const RunMetrics& history) {
    Archive archive;
    archive.put("format", std::string(kFormat));
    archive.put("config", to_json(config).dump());
    archive.put("history", history.to_json().dump());
    archive.put("rng", rng.state());
    nn::store_parameters(archive, *trainer.model().network);
    optim::store_state(archive, trainer.optimizer(), parameter_names(trainer));
    const EpochState& state = trainer.state();
    archive.put("position", std::vector<std::uint64_t>{state.epoch, state.batches});
    archive.put("sums", std::vector<std::uint64_t>{std::bit_cast<std::uint64_t>(state.loss_sum),
                                                   std::bit_cast<std::uint64_t>(state.acc_sum)});
    const auto& order = trainer.train_loader().order();
    archive.put("order", std::vector<std::uint64_t>(order.begin(), order.end()));
    save_archive(file, archive);
}

template <class T>
RunMetrics load_checkpoint(const std::filesystem::path& file, const TrainConfig& config,
                           Trainer<T>& trainer, RandomEngine& rng) {
    const Archive archive = load_archive(file);
    if (!archive.contains("format") || archive.text("format") != kFormat)
        throw ArchiveError(file.string(), "is not an mnist-train checkpoint");
    const nlohmann::json saved = nlohmann::json::parse(archive.text("config"));
    check_resumable(saved, config);
    RunMetrics history = RunMetrics::from_json(nlohmann::json::parse(archive.text("history")));
    history.config = to_json(config);

    nn::restore_parameters(archive, *trainer.model().network);
    optim::restore_state(archive, trainer.optimizer(), parameter_names(trainer));
    rng.set_state(archive.text("rng"));
    const auto& position = archive.integers("position");
    const auto& sums = archive.integers("sums");
    const auto& order = archive.integers("order");
    if (position.size() != 2 || sums.size() != 2)
        throw ArchiveError(file.string(), "has a malformed training position");
    const EpochState state{position[0], position[1], std::bit_cast<double>(sums[0]),
                           std::bit_cast<double>(sums[1])};
    try {
        trainer.restore(state, std::vector<std::size_t>(order.begin(), order.end()));
    } catch (const std::invalid_argument&) {
        throw ArchiveError(file.string(), "its sample order does not fit this training set");
    }
    return history;
}

template void save_checkpoint(const std::filesystem::path&, const TrainConfig&,
                              const Trainer<float>&, const RandomEngine&, const RunMetrics&);
template void save_checkpoint(const std::filesystem::path&, const TrainConfig&,
                              const Trainer<double>&, const RandomEngine&, const RunMetrics&);
template RunMetrics load_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                    Trainer<float>&, RandomEngine&);
template RunMetrics load_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                    Trainer<double>&, RandomEngine&);

}  // namespace xtgrad::training
