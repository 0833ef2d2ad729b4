#include "xtgrad/nn/check.hpp"

#include <vector>

#include "xtgrad/nn/composed_guard.hpp"

namespace xtgrad::nn {

namespace {

/// Puts the given leaves into a module's parameter slots for one forward, then puts the
/// originals back.
template <class T>
class ParameterSwap {
  public:
    ParameterSwap(Module<T>& module, const std::vector<std::string>& names,
                  std::span<const Tensor<T>> replacements)
        : module_(module), names_(names) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            Tensor<T>& slot = module.parameter(names[i]);
            originals_.push_back(slot);
            slot = replacements[i];
        }
    }
    ~ParameterSwap() {
        for (std::size_t i = 0; i < names_.size(); ++i)
            module_.parameter(names_[i]) = originals_[i];
    }
    ParameterSwap(const ParameterSwap&) = delete;
    ParameterSwap& operator=(const ParameterSwap&) = delete;

  private:
    Module<T>& module_;
    const std::vector<std::string>& names_;
    std::vector<Tensor<T>> originals_;
};

}  // namespace

template <class T>
CheckBackwardResult check_module(Module<T>& module, const Array<T>& input,
                                 const GradcheckOptions& options) {
    std::vector<std::string> names;
    std::vector<Array<T>> inputs{input};
    for (const auto& [name, tensor] : module.named_parameters()) {
        names.push_back(name);
        inputs.push_back(tensor.value());
    }
    const auto path = [&](bool composed) -> TensorFunction<T> {
        return [&, composed](const std::vector<Tensor<T>>& leaves) {
            ParameterSwap<T> swap(module, names, std::span<const Tensor<T>>(leaves).subspan(1));
            ComposedGuard guard(composed);
            return module.forward(leaves[0]);
        };
    };
    CheckBackwardResult result = check_backward(path(false), path(true), inputs, options);
    if (!result.ok) {
        std::string legend = " [input 0 = the module input";
        for (std::size_t i = 0; i < names.size(); ++i)
            legend += ", input " + std::to_string(i + 1) + " = " + names[i];
        result.message += legend + "]";
    }
    return result;
}

template <class T>
CheckBackwardResult check_loss(Loss<T>& loss, const Array<T>& logits, std::span<const Label> labels,
                               const GradcheckOptions& options) {
    const auto path = [&](bool composed) -> TensorFunction<T> {
        return [&, composed](const std::vector<Tensor<T>>& leaves) {
            ComposedGuard guard(composed);
            return loss.forward(leaves[0], labels);
        };
    };
    return check_backward(path(false), path(true), {logits}, options);
}

template CheckBackwardResult check_module(Module<float>&, const Array<float>&,
                                          const GradcheckOptions&);
template CheckBackwardResult check_module(Module<double>&, const Array<double>&,
                                          const GradcheckOptions&);
template CheckBackwardResult check_loss(Loss<float>&, const Array<float>&, std::span<const Label>,
                                        const GradcheckOptions&);
template CheckBackwardResult check_loss(Loss<double>&, const Array<double>&, std::span<const Label>,
                                        const GradcheckOptions&);

}  // namespace xtgrad::nn
