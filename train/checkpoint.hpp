// Training checkpoints: everything a run needs to continue bit for bit, assembled from its
// parts. The model's parameters (nn), the optimizer's state (its store_state), the random
// engine, where the epoch stands (its sample order, the batches done and their sums) and the
// metrics of finished epochs with the run's settings, in one io::Archive (versioned,
// checksummed, written atomically).
#pragma once

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "xtgrad/autograd/random.hpp"
#include "xtgrad/io/archive.hpp"
#include "xtgrad/train/metrics.hpp"
#include "xtgrad/train/trainer.hpp"

namespace xtgrad::train {

/// history.config holds the run's settings; a resume compares them (load_checkpoint).
template <class T>
void save_checkpoint(const std::filesystem::path& file, const Trainer<T>& trainer,
                     const RandomEngine& rng, const RunMetrics& history);

/// Restores trainer and rng from file and returns the metrics of the epochs it had finished.
/// check_settings gets the saved settings first and throws to refuse them. Throws
/// io::ArchiveError for a missing, corrupted or foreign file, or one of another model.
template <class T>
RunMetrics load_checkpoint(const std::filesystem::path& file, Trainer<T>& trainer,
                           RandomEngine& rng,
                           const std::function<void(const nlohmann::json&)>& check_settings = {});

/// load_checkpoint from an archive already read (a data-parallel run's first process reads the
/// file and broadcasts it); file names it in errors.
template <class T>
RunMetrics restore_checkpoint(
    const io::Archive& archive, const std::filesystem::path& file, Trainer<T>& trainer,
    RandomEngine& rng, const std::function<void(const nlohmann::json&)>& check_settings = {});

/// The model's name for each of the optimizer's parameters ("fc1.weight"); throws
/// std::invalid_argument if the optimizer updates a tensor the model does not hold.
template <class T>
std::vector<std::string> optimizer_parameter_names(const Trainer<T>& trainer);

#define XTGRAD_EXTERN(T)                                                                           \
    extern template void save_checkpoint(const std::filesystem::path&, const Trainer<T>&,          \
                                         const RandomEngine&, const RunMetrics&);                  \
    extern template RunMetrics load_checkpoint(const std::filesystem::path&, Trainer<T>&,          \
                                               RandomEngine&,                                      \
                                               const std::function<void(const nlohmann::json&)>&); \
    extern template RunMetrics restore_checkpoint(                                                 \
        const io::Archive&, const std::filesystem::path&, Trainer<T>&, RandomEngine&,              \
        const std::function<void(const nlohmann::json&)>&);                                        \
    extern template std::vector<std::string> optimizer_parameter_names(const Trainer<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::train
