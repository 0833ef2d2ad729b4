// A model's parameters and buffers in an Archive (checkpoints), checked name by name and shape
// by shape.
#pragma once

#include "xtgrad/io/archive.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// Stores every parameter as "param/<name>" and every buffer as "buffer/<name>"
/// (e.g. "param/fc1.weight", "buffer/bn1.running_mean").
template <class T>
void store_module_state(io::Archive& archive, const Module<T>& module);

/// Loads every parameter and buffer of module from the archive. Throws ArchiveError naming the
/// archive and the tensor if one is missing, has another shape or element type, or if the
/// archive holds tensors this model does not have (a checkpoint of another model); then nothing
/// has changed.
template <class T>
void restore_module_state(const io::Archive& archive, Module<T>& module);

#define XTGRAD_EXTERN(T)                                                     \
    extern template void store_module_state(io::Archive&, const Module<T>&); \
    extern template void restore_module_state(const io::Archive&, Module<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
