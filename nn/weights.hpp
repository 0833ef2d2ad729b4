// A module's parameters and buffers in files that PyTorch and numpy read, and back: safetensors
// (".safetensors") or numpy's .npz (".npz"), chosen by the file's extension.
//
//     nn::save_weights("mlp.safetensors", *model, nn::WeightLayout::pytorch);
//     # Python: torch_model.load_state_dict(safetensors.torch.load_file("mlp.safetensors"))
//     # or:     {k: torch.from_numpy(v) for k, v in numpy.load("mlp.npz").items()}
//
// The xtgrad layout stores every parameter as xtgrad holds it, under its module-tree name
// ("fc1.weight"). The pytorch layout stores what the same model built from torch.nn modules has
// in its state_dict: a Linear's weight as torch.nn.Linear's (out, in) instead of (in, out), and
// the children of a Sequential named by position as torch.nn.Sequential names them ("0.weight",
// "2.bias" for make_mlp's fc1 and fc2); children of other modules keep their names ("fc1.bias").
// The file's metadata says which ("format": "xtgrad weights", "layout": "xtgrad" | "pytorch").
// Buffers sit beside parameters under their names ("1.running_mean"), as in a state_dict;
// batch norm's integer num_batches_tracked is not stored (load into PyTorch with strict=False).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "xtgrad/nn/module.hpp"

namespace xtgrad::nn {

enum class WeightLayout { xtgrad, pytorch };
/// Each layout's name, in the order help texts list them (the one table of names).
inline constexpr std::array kWeightLayoutNames{
    std::pair{WeightLayout::pytorch, std::string_view("pytorch")},
    std::pair{WeightLayout::xtgrad, std::string_view("xtgrad")}};

template <class T>
void save_weights(const std::filesystem::path& file, const Module<T>& module,
                  WeightLayout layout = WeightLayout::xtgrad);

/// Loads every parameter and buffer of module. A file read in the layout its metadata names; one without
/// (written by PyTorch or numpy) in `layout_if_unnamed`, which it then needs. Throws
/// io::FormatError naming the file and the tensor if one is missing, extra, of another shape or
/// of another dtype (and the format's own error for a malformed file). On error the module is
/// unchanged.
template <class T>
void load_weights(const std::filesystem::path& file, Module<T>& module,
                  std::optional<WeightLayout> layout_if_unnamed = std::nullopt);

/// "xtgrad" or "pytorch"; parse_weight_layout throws std::invalid_argument for another name.
const char* weight_layout_name(WeightLayout layout);
WeightLayout parse_weight_layout(const std::string& name);

#define XTGRAD_EXTERN(T)                                                              \
    extern template void save_weights(const std::filesystem::path&, const Module<T>&, \
                                      WeightLayout);                                  \
    extern template void load_weights(const std::filesystem::path&, Module<T>&,       \
                                      std::optional<WeightLayout>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
