#include "xtgrad/nn/functional_call.hpp"

#include <stdexcept>

namespace xtgrad::nn {

namespace {

/// Swaps tensors into the module's parameter slots and back on destruction.
template <class T>
class SwappedParameters {
  public:
    SwappedParameters(Module<T>& module, const std::vector<Tensor<T>>& replacements) {
        const auto named = module.named_parameters();
        if (named.size() != replacements.size())
            throw std::invalid_argument(
                "call_with_parameters: " + std::to_string(replacements.size()) + " tensors for " +
                std::to_string(named.size()) + " parameters of " + module.describe());
        for (std::size_t i = 0; i < named.size(); ++i) {
            const auto& [path, own] = named[i];
            if (replacements[i].shape() != own.shape())
                throw ShapeError("call_with_parameters", replacements[i].shape(), own.shape(),
                                 "replacement for parameter '" + path + "'");
        }
        for (std::size_t i = 0; i < named.size(); ++i) {
            Tensor<T>& slot = module.parameter(named[i].first);
            saved_.emplace_back(&slot, slot);
            slot = replacements[i];
        }
    }
    ~SwappedParameters() {
        for (auto& [slot, own] : saved_) *slot = own;
    }
    SwappedParameters(const SwappedParameters&) = delete;
    SwappedParameters& operator=(const SwappedParameters&) = delete;

  private:
    std::vector<std::pair<Tensor<T>*, Tensor<T>>> saved_;
};

}  // namespace

template <class T>
Tensor<T> call_with_parameters(Module<T>& module, const std::vector<Tensor<T>>& parameters,
                               const std::function<Tensor<T>(Module<T>&)>& objective) {
    SwappedParameters<T> swapped(module, parameters);
    return objective(module);
}

#define XTGRAD_INSTANTIATE(T)                                                          \
    template Tensor<T> call_with_parameters(Module<T>&, const std::vector<Tensor<T>>&, \
                                            const std::function<Tensor<T>(Module<T>&)>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
