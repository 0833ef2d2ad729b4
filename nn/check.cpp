#include "xtgrad/nn/check.hpp"

#include <vector>

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
    const bool was_fused = module.fused();
    const auto path = [&](bool fused) -> TensorFunction<T> {
        return [&, fused](const std::vector<Tensor<T>>& leaves) {
            ParameterSwap<T> swap(module, names, std::span<const Tensor<T>>(leaves).subspan(1));
            module.set_fused(fused);
            return module.forward(leaves[0]);
        };
    };
    CheckBackwardResult result = check_backward(path(true), path(false), inputs, options);
    module.set_fused(was_fused);
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
    const bool was_fused = loss.fused();
    const auto path = [&](bool fused) -> TensorFunction<T> {
        return [&, fused](const std::vector<Tensor<T>>& leaves) {
            loss.set_fused(fused);
            return loss.forward(leaves[0], labels);
        };
    };
    CheckBackwardResult result = check_backward(path(true), path(false), {logits}, options);
    loss.set_fused(was_fused);
    return result;
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
