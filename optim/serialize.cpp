#include "xtgrad/optim/serialize.hpp"

#include <bit>

namespace xtgrad::optim {

namespace {

void check_names(const std::vector<std::string>& names, std::size_t parameters) {
    if (names.size() != parameters)
        throw std::invalid_argument("SGD state: " + std::to_string(names.size()) + " names for " +
                                    std::to_string(parameters) + " parameters");
}

}  // namespace

template <class T>
void store_state(Archive& archive, const SGD<T>& sgd, const std::vector<std::string>& names) {
    check_names(names, sgd.parameters().size());
    for (std::size_t i = 0; i < names.size(); ++i)
        if (const auto& v = sgd.velocity(i)) archive.put("velocity/" + names[i], *v);
    archive.put("sgd/lr",
                std::vector<std::uint64_t>{std::bit_cast<std::uint64_t>(sgd.options().lr)});
}

template <class T>
void restore_state(const Archive& archive, SGD<T>& sgd, const std::vector<std::string>& names) {
    check_names(names, sgd.parameters().size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string key = "velocity/" + names[i];
        if (!archive.contains(key)) {
            sgd.set_velocity(i, std::nullopt);
            continue;
        }
        const Array<T>& v = archive.array<T>(key);
        if (v.shape() != sgd.parameters()[i].shape())
            throw ArchiveError(archive.source(), "velocity of '" + names[i] + "' has shape " +
                                                     to_string(v.shape()) +
                                                     ", the parameter's is " +
                                                     to_string(sgd.parameters()[i].shape()));
        sgd.set_velocity(i, v);
    }
    const auto& lr = archive.integers("sgd/lr");
    if (lr.size() != 1) throw ArchiveError(archive.source(), "entry 'sgd/lr' must hold one value");
    sgd.set_lr(std::bit_cast<double>(lr[0]));
}

template void store_state(Archive&, const SGD<float>&, const std::vector<std::string>&);
template void store_state(Archive&, const SGD<double>&, const std::vector<std::string>&);
template void restore_state(const Archive&, SGD<float>&, const std::vector<std::string>&);
template void restore_state(const Archive&, SGD<double>&, const std::vector<std::string>&);

}  // namespace xtgrad::optim
