// Model parameters in an Archive (checkpoints), checked name by name and shape by shape.
#pragma once

#include <string>

#include "xtgrad/io/archive.hpp"
#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

/// Stores every parameter as "<prefix><name>" (e.g. "param/fc1.weight").
template <class T>
void store_parameters(io::Archive& archive, const Module<T>& module,
                      const std::string& prefix = "param/");

/// Loads every parameter of module from the archive. Throws ArchiveError naming the archive and
/// the parameter if one is missing, has another shape or element type, or if the archive holds
/// parameters this model does not have (a checkpoint of another model).
template <class T>
void restore_parameters(const io::Archive& archive, Module<T>& module,
                        const std::string& prefix = "param/");

extern template void store_parameters(io::Archive&, const Module<float>&, const std::string&);
extern template void store_parameters(io::Archive&, const Module<double>&, const std::string&);
extern template void restore_parameters(const io::Archive&, Module<float>&, const std::string&);
extern template void restore_parameters(const io::Archive&, Module<double>&, const std::string&);

}  // namespace xtgrad::nn
