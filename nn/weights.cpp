#include "xtgrad/nn/weights.hpp"

#include <set>

#include <xtensor/xmanipulation.hpp>

#include "xtgrad/io/safetensors.hpp"

namespace xtgrad::nn {

namespace {

const char* layout_name(WeightLayout layout) {
    return layout == WeightLayout::pytorch ? "pytorch" : "xtgrad";
}

/// A Linear's weight, the only 2-D ".weight" parameter so far, changes layout.
bool transposed_in_pytorch(const std::string& name, std::size_t rank) {
    return rank == 2 && name.ends_with(".weight");
}

}  // namespace

template <class T>
void save_weights(const std::filesystem::path& file, const Module<T>& module, WeightLayout layout) {
    io::Safetensors content;
    content.metadata = {{"format", "xtgrad weights"}, {"layout", layout_name(layout)}};
    for (const auto& [name, p] : module.named_parameters()) {
        Array<T> value = p.value();
        if (layout == WeightLayout::pytorch && transposed_in_pytorch(name, value.dimension()))
            value = Array<T>(xt::transpose(p.value()));
        content.tensors.emplace(name, std::move(value));
    }
    io::save_safetensors(file, content);
}

template <class T>
void load_weights(const std::filesystem::path& file, Module<T>& module,
                  std::optional<WeightLayout> layout) {
    const io::Safetensors content = io::load_safetensors(file);
    const auto fail = [&](const std::string& defect) {
        throw io::SafetensorsError(file.string(), defect);
    };
    const auto saved = content.metadata.find("layout");
    if (saved != content.metadata.end()) {
        const WeightLayout in_file =
            saved->second == "pytorch" ? WeightLayout::pytorch : WeightLayout::xtgrad;
        if (saved->second != "pytorch" && saved->second != "xtgrad")
            fail("unknown layout '" + saved->second + "' in its metadata");
        if (layout && *layout != in_file)
            fail(std::string("is in the ") + layout_name(in_file) + " layout, not " +
                 layout_name(*layout));
        layout = in_file;
    }
    if (!layout)
        fail("has no layout in its metadata (a file from PyTorch or numpy): say which layout");
    // Everything is checked before any parameter changes.
    std::vector<std::pair<Tensor<T>*, Array<T>>> updates;
    std::set<std::string> names;
    for (auto& [name, p] : module.named_parameters()) {
        names.insert(name);
        const auto found = content.tensors.find(name);
        if (found == content.tensors.end()) fail("has no tensor '" + name + "'");
        const Array<T>* value = std::get_if<Array<T>>(&found->second);
        if (!value)
            fail("tensor '" + name + "' is " +
                 (std::holds_alternative<Array<float>>(found->second) ? "F32" : "F64") +
                 ", the model's parameter is " + (std::is_same_v<T, float> ? "F32" : "F64"));
        Array<T> in_model =
            *layout == WeightLayout::pytorch && transposed_in_pytorch(name, value->dimension())
                ? Array<T>(xt::transpose(*value))
                : *value;
        if (in_model.shape() != p.shape())
            fail("tensor '" + name + "' has shape " + to_string(value->shape()) + " (" +
                 layout_name(*layout) + " layout), the model's parameter is " +
                 to_string(p.shape()));
        updates.emplace_back(&module.parameter(name), std::move(in_model));
    }
    for (const auto& [name, tensor] : content.tensors)
        if (!names.count(name)) fail("holds tensor '" + name + "', which the model does not have");
    for (auto& [p, value] : updates) p->mutable_value() = std::move(value);
}

#define XTGRAD_INSTANTIATE(T)                                                                 \
    template void save_weights(const std::filesystem::path&, const Module<T>&, WeightLayout); \
    template void load_weights(const std::filesystem::path&, Module<T>&,                      \
                               std::optional<WeightLayout>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
