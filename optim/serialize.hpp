// SGD state (momentum buffers, learning rate) in an Archive, for checkpoints.
#pragma once

#include <string>
#include <vector>

#include "xtgrad/autograd/archive.hpp"
#include "xtgrad/optim/sgd.hpp"

namespace xtgrad::optim {

/// names[i] names parameter i (e.g. the model's named_parameters() order). Velocities that
/// exist are stored as "velocity/<name>", the learning rate as "sgd/lr".
template <class T>
void store_state(Archive& archive, const SGD<T>& sgd, const std::vector<std::string>& names);
/// Restores what store_state wrote; throws ArchiveError on a missing entry or a shape mismatch.
template <class T>
void restore_state(const Archive& archive, SGD<T>& sgd, const std::vector<std::string>& names);

extern template void store_state(Archive&, const SGD<float>&, const std::vector<std::string>&);
extern template void store_state(Archive&, const SGD<double>&, const std::vector<std::string>&);
extern template void restore_state(const Archive&, SGD<float>&, const std::vector<std::string>&);
extern template void restore_state(const Archive&, SGD<double>&, const std::vector<std::string>&);

}  // namespace xtgrad::optim
