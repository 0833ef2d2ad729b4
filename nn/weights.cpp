#include "xtgrad/nn/weights.hpp"

#include <set>

#include <xtensor/xmanipulation.hpp>

#include "xtgrad/io/npy.hpp"
#include "xtgrad/io/safetensors.hpp"
#include "xtgrad/nn/linear.hpp"
#include "xtgrad/nn/sequential.hpp"

namespace xtgrad::nn {

namespace {

/// Where a parameter goes in a file of a given layout.
template <class T>
struct StoredParameter {
    std::string path;       // the module tree's name ("fc1.weight")
    std::string file_name;  // the file's name ("0.weight" in the pytorch layout)
    bool transposed;        // a Linear's weight in the pytorch layout
    bool buffer;            // a buffer (batch norm's running statistics), not a parameter
    Tensor<T> parameter;
};

template <class T>
void collect(const Module<T>& module, WeightLayout layout, const std::string& path,
             const std::string& file_name, std::vector<StoredParameter<T>>& out) {
    const bool pytorch = layout == WeightLayout::pytorch;
    for (const auto& [name, p] : module.named_parameters())
        if (name.find('.') == std::string::npos)  // this module's own, not a child's
            out.push_back({path + name, file_name + name,
                           pytorch && name == "weight" && dynamic_cast<const Linear<T>*>(&module),
                           false, p});
    for (const auto& [name, b] : module.named_buffers())
        if (name.find('.') == std::string::npos)
            out.push_back({path + name, file_name + name, false, true, b});
    const bool by_position = pytorch && dynamic_cast<const Sequential<T>*>(&module);
    const auto& children = module.children();
    for (std::size_t i = 0; i < children.size(); ++i) {
        const auto& [name, child] = children[i];
        collect(*child, layout, path + name + ".",
                file_name + (by_position ? std::to_string(i) : name) + ".", out);
    }
}

template <class T>
std::vector<StoredParameter<T>> stored_parameters(const Module<T>& module, WeightLayout layout) {
    std::vector<StoredParameter<T>> out;
    collect(module, layout, "", "", out);
    return out;
}

bool is_npz(const std::filesystem::path& file) {
    const auto extension = file.extension();
    if (extension == ".npz") return true;
    if (extension == ".safetensors") return false;
    throw std::invalid_argument(file.string() +
                                ": unknown weights format (the name must end in .safetensors "
                                "or .npz)");
}

template <class T>
Array<T> transposed_if(bool transpose, const Array<T>& value) {
    return transpose ? Array<T>(xt::transpose(value)) : value;
}

}  // namespace

const char* weight_layout_name(WeightLayout layout) {
    for (const auto& [l, name] : kWeightLayoutNames)
        if (l == layout) return name.data();  // the literals end in '\0'
    throw std::invalid_argument("weight_layout_name: a layout outside its enum");
}

WeightLayout parse_weight_layout(const std::string& name) {
    for (const auto& [l, known] : kWeightLayoutNames)
        if (known == name) return l;
    throw std::invalid_argument("unknown weight layout '" + name + "' (xtgrad, pytorch)");
}

template <class T>
void save_weights(const std::filesystem::path& file, const Module<T>& module, WeightLayout layout) {
    const bool npz = is_npz(file);
    io::TensorFile content;
    content.metadata = {{"format", "xtgrad weights"}, {"layout", weight_layout_name(layout)}};
    for (const auto& p : stored_parameters(module, layout))
        content.tensors.emplace(p.file_name, transposed_if(p.transposed, p.parameter.value()));
    if (npz)
        io::save_npz(file, content);
    else
        io::save_safetensors(file, content);
}

template <class T>
void load_weights(const std::filesystem::path& file, Module<T>& module,
                  std::optional<WeightLayout> layout_if_unnamed) {
    const io::TensorFile content = is_npz(file) ? io::load_npz(file) : io::load_safetensors(file);
    const auto fail = [&](const std::string& defect) {
        throw io::FormatError(file.string(), defect);
    };
    std::optional<WeightLayout> layout = layout_if_unnamed;
    const auto saved = content.metadata.find("layout");
    if (saved != content.metadata.end()) {
        try {
            layout = parse_weight_layout(saved->second);
        } catch (const std::invalid_argument&) {
            fail("unknown layout '" + saved->second + "' in its metadata");
        }
    }
    if (!layout)
        fail("has no layout in its metadata (a file from PyTorch or numpy): say which layout");
    // Everything is checked before any parameter changes.
    std::vector<std::pair<Tensor<T>*, Array<T>>> updates;
    std::set<std::string> expected;
    for (const auto& p : stored_parameters(module, *layout)) {
        expected.insert(p.file_name);
        const std::string tensor = "tensor '" + p.file_name + "'";
        const auto found = content.tensors.find(p.file_name);
        if (found == content.tensors.end())
            fail("has no " + tensor +
                 (p.path == p.file_name ? "" : " (the model's '" + p.path + "')"));
        const Array<T>* value = std::get_if<Array<T>>(&found->second);
        if (!value)
            fail(tensor + " is " + io::dtype_name(found->second) + ", the model's parameter is " +
                 io::dtype_name<T>());
        Array<T> in_model = transposed_if(p.transposed, *value);
        Tensor<T>& slot = p.buffer ? module.buffer(p.path) : module.parameter(p.path);
        if (in_model.shape() != slot.shape())
            fail(tensor + " has shape " + xtgrad::to_string(value->shape()) + " (" +
                 weight_layout_name(*layout) + " layout); the model's '" + p.path + "' is " +
                 xtgrad::to_string(slot.shape()));
        updates.emplace_back(&slot, std::move(in_model));
    }
    for (const auto& [name, tensor] : content.tensors)
        if (!expected.count(name))
            fail("holds tensor '" + name + "', which the model does not have");
    for (auto& [slot, value] : updates) slot->mutable_value() = std::move(value);
}

#define XTGRAD_INSTANTIATE(T)                                                                 \
    template void save_weights(const std::filesystem::path&, const Module<T>&, WeightLayout); \
    template void load_weights(const std::filesystem::path&, Module<T>&,                      \
                               std::optional<WeightLayout>);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
