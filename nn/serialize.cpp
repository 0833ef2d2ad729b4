#include "xtgrad/nn/serialize.hpp"

#include <set>

namespace xtgrad::nn {

namespace {

/// A kind of module state: how it is listed and where it lives in the archive.
template <class T>
struct StateKind {
    const char* noun;
    const char* prefix;
    std::vector<std::pair<std::string, Tensor<T>>> (Module<T>::*named)() const;
};

template <class T>
constexpr StateKind<T> kKinds[] = {{"parameter", "param/", &Module<T>::named_parameters},
                                   {"buffer", "buffer/", &Module<T>::named_buffers}};

}  // namespace

template <class T>
void store_module_state(io::Archive& archive, const Module<T>& module) {
    for (const auto& kind : kKinds<T>)
        for (const auto& [name, tensor] : (module.*kind.named)())
            archive.put(kind.prefix + name, tensor.value());
}

template <class T>
void restore_module_state(const io::Archive& archive, Module<T>& module) {
    for (const auto& kind : kKinds<T>) {
        const std::string prefix = kind.prefix;
        const std::string noun = kind.noun;
        std::set<std::string> expected;
        for (const auto& [name, tensor] : (module.*kind.named)()) {
            expected.insert(prefix + name);
            if (!archive.contains(prefix + name))
                throw io::ArchiveError(archive.source(), "has no " + noun + " '" + name + "' of " +
                                                             module.describe() +
                                                             ": it was saved from another model");
            const Array<T>& saved = archive.array<T>(prefix + name);
            if (saved.shape() != tensor.shape())
                throw io::ArchiveError(archive.source(), noun + " '" + name + "' has shape " +
                                                             to_string(saved.shape()) +
                                                             ", the model's is " +
                                                             to_string(tensor.shape()) +
                                                             ": it was saved from another model");
        }
        for (const auto& [name, entry] : archive.entries())
            if (name.rfind(prefix, 0) == 0 && !expected.count(name))
                throw io::ArchiveError(archive.source(),
                                       "holds " + noun + " '" + name.substr(prefix.size()) +
                                           "', which " + module.describe() + " does not have");
    }
    for (const auto& kind : kKinds<T>)
        for (auto& [name, tensor] : (module.*kind.named)())
            tensor.mutable_value() = archive.array<T>(kind.prefix + name);
}

#define XTGRAD_INSTANTIATE(T)                                         \
    template void store_module_state(io::Archive&, const Module<T>&); \
    template void restore_module_state(const io::Archive&, Module<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
