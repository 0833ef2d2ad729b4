#include "xtgrad/nn/serialize.hpp"

#include <set>

namespace xtgrad::nn {

template <class T>
void store_parameters(io::Archive& archive, const Module<T>& module, const std::string& prefix) {
    for (const auto& [name, tensor] : module.named_parameters())
        archive.put(prefix + name, tensor.value());
}

template <class T>
void restore_parameters(const io::Archive& archive, Module<T>& module, const std::string& prefix) {
    std::set<std::string> expected;
    for (const auto& [name, tensor] : module.named_parameters()) {
        expected.insert(prefix + name);
        if (!archive.contains(prefix + name))
            throw io::ArchiveError(archive.source(), "has no parameter '" + name + "' of " +
                                                         module.describe() +
                                                         ": it was saved from another model");
        const Array<T>& saved = archive.array<T>(prefix + name);
        if (saved.shape() != tensor.shape())
            throw io::ArchiveError(
                archive.source(), "parameter '" + name + "' has shape " + to_string(saved.shape()) +
                                      ", the model's is " + to_string(tensor.shape()) +
                                      ": it was saved from another model");
    }
    for (const auto& [name, entry] : archive.entries())
        if (name.rfind(prefix, 0) == 0 && !expected.count(name))
            throw io::ArchiveError(archive.source(), "holds parameter '" +
                                                         name.substr(prefix.size()) + "', which " +
                                                         module.describe() + " does not have");
    for (auto& [name, tensor] : module.named_parameters())
        tensor.mutable_value() = archive.array<T>(prefix + name);
}

template void store_parameters(io::Archive&, const Module<float>&, const std::string&);
template void store_parameters(io::Archive&, const Module<double>&, const std::string&);
template void restore_parameters(const io::Archive&, Module<float>&, const std::string&);
template void restore_parameters(const io::Archive&, Module<double>&, const std::string&);

}  // namespace xtgrad::nn
