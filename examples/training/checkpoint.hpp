// Training checkpoints: everything a run needs to continue bit for bit. Parameters, momentum
// buffers, the random engine, where the epoch stands (its sample order, the batches done and
// their sums), the metrics of finished epochs and the config, in one xtgrad Archive (versioned,
// checksummed, written atomically).
#pragma once

#include <filesystem>

#include <xtgrad/autograd/random.hpp>

#include "config.hpp"
#include "metrics.hpp"
#include "trainer.hpp"

namespace xtgrad::training {

template <class T>
void save_checkpoint(const std::filesystem::path& file, const TrainConfig& config,
                     const Trainer<T>& trainer, const RandomEngine& rng, const RunMetrics& history);

/// Restores trainer and rng from file and returns the metrics of the epochs it had finished.
/// Throws ArchiveError for a missing or corrupted file, std::invalid_argument for a checkpoint of
/// another configuration (see check_resumable).
template <class T>
RunMetrics load_checkpoint(const std::filesystem::path& file, const TrainConfig& config,
                           Trainer<T>& trainer, RandomEngine& rng);

extern template void save_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                     const Trainer<float>&, const RandomEngine&, const RunMetrics&);
extern template void save_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                     const Trainer<double>&, const RandomEngine&,
                                     const RunMetrics&);
extern template RunMetrics load_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                           Trainer<float>&, RandomEngine&);
extern template RunMetrics load_checkpoint(const std::filesystem::path&, const TrainConfig&,
                                           Trainer<double>&, RandomEngine&);

}  // namespace xtgrad::training
