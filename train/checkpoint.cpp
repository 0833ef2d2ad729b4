#include "xtgrad/train/checkpoint.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "xtgrad/io/archive.hpp"
#include "xtgrad/nn/serialize.hpp"

namespace xtgrad::train {

namespace {
constexpr const char* kFormat = "xtgrad training checkpoint 3";
}  // namespace

template <class T>
std::vector<std::string> optimizer_parameter_names(const Trainer<T>& trainer) {
    const auto named = trainer.model().named_parameters();
    std::vector<std::string> names;
    for (const Tensor<T>& p : trainer.optimizer().parameters()) {
        const auto found = std::find_if(named.begin(), named.end(), [&](const auto& entry) {
            return entry.second.impl_ptr() == p.impl_ptr();
        });
        if (found == named.end())
            throw std::invalid_argument("checkpoint: the optimizer updates a tensor ('" + p.name() +
                                        "') that is not a parameter of " +
                                        trainer.model().describe());
        names.push_back(found->first);
    }
    return names;
}

template <class T>
void save_checkpoint(const std::filesystem::path& file, const Trainer<T>& trainer,
                     const RandomEngine& rng, const RunMetrics& history) {
    io::Archive archive;
    archive.put("format", std::string(kFormat));
    archive.put("history", history.to_json().dump());
    archive.put("rng", rng.state());
    nn::store_module_state(archive, trainer.model());
    trainer.optimizer().store_state(archive, optimizer_parameter_names(trainer));
    if (trainer.schedule()) trainer.schedule()->store_state(archive);
    const EpochState& state = trainer.state();
    archive.put("position", std::vector<std::uint64_t>{state.epoch, state.batches});
    archive.put("sums", std::vector<std::uint64_t>{std::bit_cast<std::uint64_t>(state.loss_sum),
                                                   std::bit_cast<std::uint64_t>(state.acc_sum)});
    const auto& order = trainer.train_loader().order();
    archive.put("order", std::vector<std::uint64_t>(order.begin(), order.end()));
    io::save_archive(file, archive);
}

template <class T>
RunMetrics load_checkpoint(const std::filesystem::path& file, Trainer<T>& trainer,
                           RandomEngine& rng,
                           const std::function<void(const nlohmann::json&)>& check_settings) {
    return restore_checkpoint(io::load_archive(file), file, trainer, rng, check_settings);
}

template <class T>
RunMetrics restore_checkpoint(const io::Archive& archive, const std::filesystem::path& file,
                              Trainer<T>& trainer, RandomEngine& rng,
                              const std::function<void(const nlohmann::json&)>& check_settings) {
    if (!archive.contains("format") || archive.text("format") != kFormat)
        throw io::ArchiveError(file.string(), "is not an xtgrad training checkpoint (format '" +
                                                  std::string(kFormat) + "')");
    RunMetrics history;
    try {
        history = RunMetrics::from_json(nlohmann::json::parse(archive.text("history")));
    } catch (const nlohmann::json::exception& e) {
        throw io::ArchiveError(file.string(), std::string("has malformed history: ") + e.what());
    }
    if (check_settings) check_settings(history.config);

    nn::restore_module_state(archive, trainer.model());
    trainer.optimizer().restore_state(archive, optimizer_parameter_names(trainer));
    if (trainer.schedule()) {
        trainer.schedule()->restore_state(archive);
    } else if (archive.contains("schedule/kind")) {
        throw io::ArchiveError(file.string(), "holds a learning-rate schedule ('" +
                                                  archive.text("schedule/kind") +
                                                  "') and this run has none");
    }
    rng.set_state(archive.text("rng"));
    const auto& position = archive.integers("position");
    const auto& sums = archive.integers("sums");
    const auto& order = archive.integers("order");
    if (position.size() != 2 || sums.size() != 2)
        throw io::ArchiveError(file.string(), "has a malformed training position");
    const EpochState state{position[0], position[1], std::bit_cast<double>(sums[0]),
                           std::bit_cast<double>(sums[1])};
    try {
        trainer.restore(state, std::vector<std::size_t>(order.begin(), order.end()));
    } catch (const std::invalid_argument& e) {
        throw io::ArchiveError(file.string(),
                               std::string("its sample order does not fit: ") + e.what());
    }
    return history;
}

#define XTGRAD_INSTANTIATE(T)                                                                     \
    template void save_checkpoint(const std::filesystem::path&, const Trainer<T>&,                \
                                  const RandomEngine&, const RunMetrics&);                        \
    template RunMetrics load_checkpoint(const std::filesystem::path&, Trainer<T>&, RandomEngine&, \
                                        const std::function<void(const nlohmann::json&)>&);       \
    template RunMetrics restore_checkpoint(const io::Archive&, const std::filesystem::path&,      \
                                           Trainer<T>&, RandomEngine&,                            \
                                           const std::function<void(const nlohmann::json&)>&);    \
    template std::vector<std::string> optimizer_parameter_names(const Trainer<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::train
