#include "xtgrad/optim/clip.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace xtgrad::optim {

template <class T>
double clip_grad_norm(const std::vector<Tensor<T>>& parameters, double max_norm,
                      const ClipNormOptions& options) {
    const double p = options.norm_type;
    if (!(max_norm >= 0) || !(p > 0))
        throw std::invalid_argument(
            "clip_grad_norm: max_norm must be >= 0 and norm_type > 0, got " +
            std::to_string(max_norm) + " and " + std::to_string(p));
    const bool infinity_norm = std::isinf(p);
    // The norm of the per-tensor norms, as PyTorch (each accumulated in double here).
    double total = 0;
    bool any = false;
    for (const Tensor<T>& param : parameters) {
        if (!param.has_grad()) continue;
        any = true;
        double norm = 0;
        for (const T g : param.grad()) {
            const double a = std::abs(static_cast<double>(g));
            norm = infinity_norm ? std::max(norm, a) : norm + std::pow(a, p);
        }
        if (!infinity_norm) norm = std::pow(norm, 1 / p);
        total = infinity_norm ? std::max(total, norm) : total + std::pow(norm, p);
    }
    if (!any) return 0;
    if (!infinity_norm) total = std::pow(total, 1 / p);
    if (!std::isfinite(total) && options.error_if_nonfinite)
        throw std::domain_error("clip_grad_norm: the total gradient norm is " +
                                std::to_string(total) +
                                " (a gradient holds NaN or Inf); it cannot be clipped");
    const T scale = static_cast<T>(std::min(1.0, max_norm / (total + 1e-6)));
    for (const Tensor<T>& param : parameters) {
        if (!param.has_grad()) continue;
        Tensor<T> handle = param;
        for (T& g : handle.mutable_grad()) g *= scale;
    }
    return total;
}

template <class T>
void clip_grad_value(const std::vector<Tensor<T>>& parameters, double clip_value) {
    if (!(clip_value >= 0))
        throw std::invalid_argument("clip_grad_value: clip_value must be >= 0, got " +
                                    std::to_string(clip_value));
    const T c = static_cast<T>(clip_value);
    for (const Tensor<T>& param : parameters) {
        if (!param.has_grad()) continue;
        Tensor<T> handle = param;
        for (T& g : handle.mutable_grad()) g = std::clamp(g, -c, c);
    }
}

#define XTGRAD_INSTANTIATE(T)                                                                      \
    template double clip_grad_norm(const std::vector<Tensor<T>>&, double, const ClipNormOptions&); \
    template void clip_grad_value(const std::vector<Tensor<T>>&, double);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
