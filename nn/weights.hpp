// A module's parameters as a safetensors file that PyTorch and numpy read, and back.
//
//     nn::save_weights("mlp.safetensors", *model, nn::WeightLayout::pytorch);
//     # in Python: model.load_state_dict(safetensors.torch.load_file("mlp.safetensors"))
//
// Names are the module tree's ("fc1.weight", "fc2.bias"). In the pytorch layout every 2-D
// ".weight" (a Linear's, stored here as (in, out)) is written as torch.nn.Linear's (out, in);
// the xtgrad layout writes the arrays as they are. The file's metadata says which
// ("format": "xtgrad weights", "layout": "xtgrad" | "pytorch").
#pragma once

#include <filesystem>
#include <optional>

#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

enum class WeightLayout { xtgrad, pytorch };

template <class T>
void save_weights(const std::filesystem::path& file, const Module<T>& module,
                  WeightLayout layout = WeightLayout::xtgrad);

/// Loads every parameter of module. The layout is the file's metadata's; a file without it
/// (written by PyTorch or numpy) needs `layout`. Throws io::SafetensorsError naming the file and
/// the tensor if one is missing, extra, of another shape or of another dtype, and for a file
/// that says one layout when `layout` says the other. On error the module is unchanged.
template <class T>
void load_weights(const std::filesystem::path& file, Module<T>& module,
                  std::optional<WeightLayout> layout = std::nullopt);

#define XTGRAD_EXTERN(T)                                                              \
    extern template void save_weights(const std::filesystem::path&, const Module<T>&, \
                                      WeightLayout);                                  \
    extern template void load_weights(const std::filesystem::path&, Module<T>&,       \
                                      std::optional<WeightLayout>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
